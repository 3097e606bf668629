using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// One access to a field (or auto-property) of the type SF3002 is looking at, reduced at operation-block time to what
    /// the rule needs at the end of the type: no operation tree or semantic model is kept past the block's callback.
    /// </summary>
    internal sealed class FieldAccessFact
    {
        public FieldAccessFact(ISymbol field, ISymbol owner, object unit, Guard guard, bool changes, bool lockFree, bool changesInPlace,
            Location location, int spanEnd, bool inCondition, bool insideLambda, AccessShape shape)
        {
            Field = field;
            Owner = owner;
            Unit = unit;
            Guard = guard;
            Changes = changes;
            LockFree = lockFree;
            ChangesInPlace = changesInPlace;
            Location = location;
            SpanEnd = spanEnd;
            InCondition = inCondition;
            InsideLambda = insideLambda;
            Shape = shape;
        }

        /// <summary>The field, or the auto-property (its hidden field is state the same way).</summary>
        public ISymbol Field { get; }

        public ISymbol Owner { get; }

        /// <summary>The member, or a <see cref="ConcurrentLambdaUnit"/> for a lambda run on another thread, the access belongs to.</summary>
        public object Unit { get; }

        /// <summary>The lock held here; set to the callers' lock at the end when the member is only called with it held.</summary>
        public Guard Guard { get; set; }

        public bool Changes { get; }

        /// <summary><c>Interlocked.Increment(ref _n)</c>, <c>Volatile.Read(ref _n)</c>: deliberate lock-free access.</summary>
        public bool LockFree { get; }

        /// <summary>The collection the field holds is changed in place here (Add, Remove, an indexer set …).</summary>
        public bool ChangesInPlace { get; }

        public Location Location { get; }

        public SyntaxTree Tree => Location.SourceTree!;

        public string FilePath => Tree.FilePath;

        public int SpanStart => Location.SourceSpan.Start;

        public int SpanEnd { get; }

        /// <summary>Part of a test: an if, a loop or a ?: condition, or the left of ??.</summary>
        public bool InCondition { get; }

        /// <summary>Inside a lambda or local function of its member.</summary>
        public bool InsideLambda { get; }

        public AccessShape Shape { get; }

        /// <summary>
        /// In a private helper that only constructors call (<c>init()</c>), or before the member wires up the work that runs
        /// on other threads (subscribes a handler, creates a thread or timer): nothing else can reach the field yet.
        /// </summary>
        public bool InInitializer { get; set; }

        /// <summary>Earlier in the same file.</summary>
        public bool IsBefore(FieldAccessFact other) => Tree == other.Tree && SpanStart < other.SpanStart;
    }

    /// <summary>A lambda handed to code that runs it on another thread: its accesses are a unit of their own.</summary>
    internal sealed class ConcurrentLambdaUnit
    {
    }
}
