using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3001's cheap first question about a type, asked before any operation tree is built: does its source
    /// mention, by name, anything that can start concurrent work? A syntactic over-approximation of what
    /// <see cref="SharedStateModel.GetStarter"/> and <see cref="SharedStateModel.GetPeriodicTimerLoop"/> recognise
    /// by symbol — the invoked method's name (Run, StartNew, Parallel's For/ForEach/ForEachAsync/Invoke,
    /// *QueueUserWorkItem, WaitForNextTickAsync, the minimal-API Map* methods), the created type's name (Thread,
    /// Timer), System.Timers.Timer's Elapsed — so a type it rules out has no concurrent context and SF3001 has
    /// nothing to report on it unless it serves concurrent requests. Target-typed <c>new(…)</c> with arguments
    /// and using aliases (which can rename Thread or Timer) count as mentions. One scan per syntax tree,
    /// cached per compilation.
    /// </summary>
    internal sealed class ConcurrencyMentions
    {
        private static readonly ImmutableHashSet<string> Names = ImmutableHashSet.Create(StringComparer.Ordinal,
            "Run", "StartNew", "Invoke", "For", "ForEach", "ForEachAsync", "WaitForNextTickAsync", "Thread", "Timer", "Elapsed")
            .Union(SharedStateModel.MinimalApiMethods);

        private readonly ConcurrentDictionary<SyntaxTree, int[]?> _positionsByTree = new ConcurrentDictionary<SyntaxTree, int[]?>();
        private readonly Lazy<bool> _hasGlobalAliases;

        public ConcurrencyMentions(Compilation compilation)
        {
            _hasGlobalAliases = new Lazy<bool>(
                () => compilation.SyntaxTrees.Any(t => t.GetRoot() is CompilationUnitSyntax unit
                    && unit.Usings.Any(u => u.Alias != null && u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword))),
                LazyThreadSafetyMode.ExecutionAndPublication);
        }

        /// <summary>False only when no declaration of <paramref name="type"/> mentions a way to start concurrent work.</summary>
        public bool MayStartConcurrentWork(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var references = type.DeclaringSyntaxReferences;
            if (references.IsEmpty || _hasGlobalAliases.Value)
                return true;
            foreach (var reference in references)
            {
                var positions = _positionsByTree.GetOrAdd(reference.SyntaxTree, tree => Scan(tree, cancellationToken));
                if (positions == null)
                    return true;
                if (AnyWithin(positions, reference.Span))
                    return true;
            }

            return false;
        }

        /// <summary>Whether any of the sorted <paramref name="positions"/> lies in <paramref name="span"/>.</summary>
        internal static bool AnyWithin(int[] positions, Microsoft.CodeAnalysis.Text.TextSpan span)
        {
            var index = Array.BinarySearch(positions, span.Start);
            if (index < 0)
                index = ~index;
            return index < positions.Length && positions[index] < span.End;
        }

        /// <summary>The positions of the mentions in document order; null when the tree has a using alias.</summary>
        private static int[]? Scan(SyntaxTree tree, CancellationToken cancellationToken)
        {
            var positions = new List<int>();
            foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
            {
                switch (node)
                {
                    case UsingDirectiveSyntax { Alias: { } }:
                        return null;
                    case SimpleNameSyntax name when IsMention(name.Identifier.ValueText):
                    case ImplicitObjectCreationExpressionSyntax { ArgumentList: { Arguments: { Count: > 0 } } }:
                        positions.Add(node.SpanStart);
                        break;
                }
            }

            return positions.ToArray();
        }

        private static bool IsMention(string name) =>
            Names.Contains(name) || name.EndsWith("QueueUserWorkItem", StringComparison.Ordinal);
    }

    /// <summary>
    /// SF3002's first question about a type: does any declaration of it contain a <c>lock</c> statement? Without
    /// one no <see cref="Microsoft.CodeAnalysis.Operations.ILockOperation"/> runs in it and the rule has nothing
    /// to compare against. One scan per syntax tree, cached per compilation.
    /// </summary>
    internal sealed class LockMentions
    {
        private readonly ConcurrentDictionary<SyntaxTree, int[]> _positionsByTree = new ConcurrentDictionary<SyntaxTree, int[]>();

        public bool MayTakeALock(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var references = type.DeclaringSyntaxReferences;
            if (references.IsEmpty)
                return true;
            foreach (var reference in references)
            {
                var positions = _positionsByTree.GetOrAdd(reference.SyntaxTree, tree => tree.GetRoot(cancellationToken).DescendantNodes()
                    .Where(n => n.IsKind(SyntaxKind.LockStatement)).Select(n => n.SpanStart).ToArray());
                if (ConcurrencyMentions.AnyWithin(positions, reference.Span))
                    return true;
            }

            return false;
        }
    }
}
