using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// What the methods of one compilation do with locks (<see cref="LockModel.HelperSummary"/>), shared by the five
    /// lock rules and computed once per method. It holds only symbols and small results (lock kinds, yes/no answers of
    /// the syntactic pre-check): no operation tree and no semantic model, so the per-compilation table that keeps it
    /// dies with the compilation and keeps nothing of the analysis alive. (A table per rule, in each rule's
    /// compilation-start closure, was measured: every rule then summarises the same helpers again, and the lock rules
    /// cost about 1.5–2 s more on StackExchange.Redis; sharing without a static table needs one analyzer for the five.)
    /// <para>
    /// Binding a helper's body (a semantic model for its file) is the expensive part. It happens only for methods whose
    /// text can make them a helper: the body calls a lock API by name (<see cref="LockModel.IsLockApiName"/>) or, within
    /// the depth the summary follows, calls a method of this compilation whose body does. Every other method is
    /// answered from its syntax, which the compiler has already parsed.
    /// </para>
    /// </summary>
    internal sealed class LockHelperSummaries
    {
        private static readonly ConditionalWeakTable<Compilation, LockHelperSummaries> PerCompilation = new ConditionalWeakTable<Compilation, LockHelperSummaries>();

        private readonly Compilation _compilation;
        private readonly ConcurrentDictionary<IMethodSymbol, LockModel.HelperSummary> _summaries = new ConcurrentDictionary<IMethodSymbol, LockModel.HelperSummary>(SymbolEqualityComparer.Default);
        // (name, depth) → some method of the compilation with that name may reach a lock API within the remaining depth.
        private Dictionary<string, List<SyntaxNode>>? _methodBodiesByName;
        private readonly ConcurrentDictionary<(string Name, int Depth), bool> _namesMayReachLocks = new ConcurrentDictionary<(string, int), bool>();
        // Interface or abstract member → its one implementation in this compilation (null: none or several), found once:
        // looking it up again on every call cost SF1003 seconds on a code base that declares its own lock-API interfaces.
        private readonly ConcurrentDictionary<IMethodSymbol, IMethodSymbol?> _implementations = new ConcurrentDictionary<IMethodSymbol, IMethodSymbol?>(SymbolEqualityComparer.Default);
        // Summaries of helpers reached below the top (depth > 0), cut short by the depth limit: kept apart per depth.
        private readonly ConcurrentDictionary<(IMethodSymbol Method, int Depth), LockModel.HelperSummary> _nestedSummaries = new ConcurrentDictionary<(IMethodSymbol, int), LockModel.HelperSummary>(NestedKeyComparer.Instance);

        private LockHelperSummaries(Compilation compilation) => _compilation = compilation;

        public static LockHelperSummaries For(Compilation compilation) => PerCompilation.GetValue(compilation, c => new LockHelperSummaries(c));

        public bool TryGet(IMethodSymbol method, out LockModel.HelperSummary summary) => _summaries.TryGetValue(method, out summary!);

        public LockModel.HelperSummary Add(IMethodSymbol method, LockModel.HelperSummary summary) => _summaries.GetOrAdd(method, summary);

        public bool TryGetNested(IMethodSymbol method, int depth, out LockModel.HelperSummary summary) => _nestedSummaries.TryGetValue((method, depth), out summary!);

        public LockModel.HelperSummary AddNested(IMethodSymbol method, int depth, LockModel.HelperSummary summary) => _nestedSummaries.GetOrAdd((method, depth), summary);

        /// <summary>
        /// False when the method's text shows it cannot be a lock helper: its body calls no lock API by name and (while
        /// <paramref name="depth"/> is below <paramref name="maxDepth"/>) no method of this compilation whose body could.
        /// A superset of the methods whose summary is not empty, decided without binding.
        /// </summary>
        public bool MayBeHelper(SyntaxNode body, int depth, int maxDepth, CancellationToken cancellationToken)
        {
            List<string>? others = null;
            foreach (var node in body.DescendantNodesAndSelf())
            {
                if (!(node is InvocationExpressionSyntax invocation) || !(InvokedName(invocation.Expression) is { } name))
                    continue;
                if (LockModel.IsLockApiName(name))
                    return true;
                if (depth < maxDepth)
                    (others ??= new List<string>()).Add(name);
            }

            if (others == null)
                return false;
            foreach (var name in others)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (NameMayReachLocks(name, depth + 1, maxDepth, cancellationToken))
                    return true;
            }

            return false;
        }

        /// <summary>Some method of the compilation with this name may be a helper at this depth (the pre-check by name, cached).</summary>
        public bool NameMayReachLocks(string name, int depth, int maxDepth, CancellationToken cancellationToken)
        {
            if (_namesMayReachLocks.TryGetValue((name, depth), out var known))
                return known;
            // No guard against cycles is needed: every step goes one level deeper and stops at maxDepth.
            var result = false;
            if (MethodBodiesByName(cancellationToken).TryGetValue(name, out var bodies))
            {
                foreach (var body in bodies)
                {
                    if (MayBeHelper(body, depth, maxDepth, cancellationToken))
                    {
                        result = true;
                        break;
                    }
                }
            }

            return _namesMayReachLocks.GetOrAdd((name, depth), result);
        }

        /// <summary>
        /// The bodies of the compilation's method declarations by method name, read once from the syntax trees (nothing is
        /// bound, no member symbol is created). Asking the declaration table per name (GetSymbolsWithName) made the
        /// member symbols of every type with such a name and was the larger part of SF1003's time on StackExchange.Redis.
        /// It holds the ordinary methods the summaries can follow, and partial methods' implementation parts too: only
        /// more bodies for the pre-check, which decides no result on its own.
        /// </summary>
        private Dictionary<string, List<SyntaxNode>> MethodBodiesByName(CancellationToken cancellationToken)
        {
            var index = Volatile.Read(ref _methodBodiesByName);
            if (index != null)
                return index;
            index = new Dictionary<string, List<SyntaxNode>>(System.StringComparer.Ordinal);
            foreach (var tree in _compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Into namespaces and types only: method bodies are not walked here.
                foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes(n => !(n is MemberDeclarationSyntax) || n is BaseTypeDeclarationSyntax || n is BaseNamespaceDeclarationSyntax))
                {
                    if (!(node is MethodDeclarationSyntax method) || method.ExplicitInterfaceSpecifier != null || !(LockModel.HelperBody(method) is { } body))
                        continue;
                    var name = method.Identifier.ValueText;
                    if (!index.TryGetValue(name, out var bodies))
                        index[name] = bodies = new List<SyntaxNode>();
                    bodies.Add(body);
                }
            }

            return Interlocked.CompareExchange(ref _methodBodiesByName, index, null) ?? index;
        }

        /// <summary>
        /// The one method of this compilation that implements an interface method or overrides an abstract one, found
        /// by name through the declaration table (nothing is bound); null when there are none or several.
        /// </summary>
        public IMethodSymbol? SingleImplementation(IMethodSymbol method, CancellationToken cancellationToken)
        {
            if (_implementations.TryGetValue(method, out var known))
                return known;
            var found = FindSingleImplementation(method, cancellationToken);
            return _implementations.GetOrAdd(method, found);
        }

        private IMethodSymbol? FindSingleImplementation(IMethodSymbol method, CancellationToken cancellationToken)
        {
            var isInterfaceMember = method.ContainingType?.TypeKind == TypeKind.Interface;
            IMethodSymbol? found = null;
            foreach (var symbol in _compilation.GetSymbolsWithName(method.Name, SymbolFilter.Member, cancellationToken))
            {
                if (!(symbol is IMethodSymbol { IsAbstract: false, MethodKind: MethodKind.Ordinary } candidate) || candidate.ContainingType == null)
                    continue;
                var implements = isInterfaceMember
                    ? SymbolEqualityComparer.Default.Equals(candidate.ContainingType.FindImplementationForInterfaceMember(method)?.OriginalDefinition, candidate.OriginalDefinition)
                    : SymbolEqualityComparer.Default.Equals(candidate.OverriddenMethod?.OriginalDefinition, method);
                if (!implements)
                    continue;
                if (found != null)
                    return null;
                found = candidate;
            }

            return found;
        }

        private sealed class NestedKeyComparer : IEqualityComparer<(IMethodSymbol Method, int Depth)>
        {
            public static readonly NestedKeyComparer Instance = new NestedKeyComparer();

            public bool Equals((IMethodSymbol Method, int Depth) x, (IMethodSymbol Method, int Depth) y) =>
                x.Depth == y.Depth && SymbolEqualityComparer.Default.Equals(x.Method, y.Method);

            public int GetHashCode((IMethodSymbol Method, int Depth) key) => (SymbolEqualityComparer.Default.GetHashCode(key.Method) * 31) + key.Depth;
        }

        internal static string? InvokedName(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            GenericNameSyntax generic => generic.Identifier.ValueText,
            _ => null,
        };
    }
}
