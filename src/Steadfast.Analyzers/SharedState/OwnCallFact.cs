using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>A call of one of the type's own methods on <c>this</c>, reduced to what SF3002 needs at the end of the type.</summary>
    internal sealed class OwnCallFact
    {
        public OwnCallFact(IMethodSymbol callee, ISymbol owner, Guard guard, bool insideLambda, bool hasParent, SyntaxTree tree, int spanStart, int spanEnd)
        {
            Callee = callee;
            Owner = owner;
            Guard = guard;
            InsideLambda = insideLambda;
            HasParent = hasParent;
            Tree = tree;
            SpanStart = spanStart;
            SpanEnd = spanEnd;
        }

        /// <summary>The called method's original definition.</summary>
        public IMethodSymbol Callee { get; }

        /// <summary>The member the call is made from.</summary>
        public ISymbol Owner { get; }

        /// <summary>The lock held at the call.</summary>
        public Guard Guard { get; }

        /// <summary>Made from a lambda or local function of the calling member.</summary>
        public bool InsideLambda { get; }

        public bool HasParent { get; }

        public SyntaxTree Tree { get; }

        public int SpanStart { get; }

        public int SpanEnd { get; }
    }
}
