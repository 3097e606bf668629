using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// The state a lock fix protects, as the lock planner sees it: the fields whose accesses are wrapped (<see cref="Touches"/>),
    /// and, for a test that decides a write, also the other fields the same lock guards (<see cref="Decides"/>). A call to a
    /// method of the same type whose body reads the state (<c>if (Contains(k)) … else _map.Add(k, v)</c>) counts as reading it.
    /// Only this document is looked at: no solution-wide search while the light bulb menu is computed.
    /// </summary>
    internal sealed class GuardedState
    {
        private readonly SemanticModel _semanticModel;
        private readonly HashSet<ISymbol> _core;
        private readonly HashSet<ISymbol> _decisive;
        private readonly HashSet<string> _coreNames;
        private readonly HashSet<string> _decisiveNames;

        private GuardedState(SemanticModel semanticModel, HashSet<ISymbol> core, HashSet<ISymbol> decisive)
        {
            _semanticModel = semanticModel;
            _core = core;
            _decisive = decisive;
            _coreNames = new HashSet<string>(core.Select(s => s.Name));
            _decisiveNames = new HashSet<string>(decisive.Select(s => s.Name));
        }

        /// <summary>
        /// <paramref name="state"/>: the fields whose accesses the fix wraps. <paramref name="guardedBeside"/>: what else the lock
        /// guards, whose test also decides a write of the state. Helpers of the declaring types (in this document) that read
        /// either are added, one call level deep.
        /// </summary>
        public static GuardedState Create(SemanticModel semanticModel, IEnumerable<ISymbol> state, IEnumerable<ISymbol> guardedBeside, CancellationToken cancellationToken)
        {
            var core = new HashSet<ISymbol>(state.Select(s => s.OriginalDefinition), SymbolEqualityComparer.Default);
            var decisive = new HashSet<ISymbol>(core.Concat(guardedBeside.Select(s => s.OriginalDefinition)), SymbolEqualityComparer.Default);
            var plain = new GuardedState(semanticModel, new HashSet<ISymbol>(core, SymbolEqualityComparer.Default), new HashSet<ISymbol>(decisive, SymbolEqualityComparer.Default));
            foreach (var method in Declarations(core, semanticModel.SyntaxTree, cancellationToken).SelectMany(t => t.Members.OfType<MethodDeclarationSyntax>()).ToList())
            {
                var body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
                if (body == null || !(semanticModel.GetDeclaredSymbol(method, cancellationToken) is IMethodSymbol symbol))
                    continue;
                if (plain.Touches(body, cancellationToken))
                    core.Add(symbol);
                if (plain.Decides(body, cancellationToken))
                    decisive.Add(symbol);
            }

            return new GuardedState(semanticModel, core, decisive);
        }

        /// <summary>The declarations, in this document, of the types that declare the state.</summary>
        public static IEnumerable<TypeDeclarationSyntax> Declarations(IEnumerable<ISymbol> state, SyntaxTree tree, CancellationToken cancellationToken) =>
            state.Select(s => s.ContainingType).Where(t => t != null).Distinct(SymbolEqualityComparer.Default).Cast<INamedTypeSymbol>()
                .SelectMany(t => t.DeclaringSyntaxReferences)
                .Where(r => r.SyntaxTree == tree)
                .Select(r => r.GetSyntax(cancellationToken))
                .OfType<TypeDeclarationSyntax>();

        /// <summary>Whether the node reads or writes the state (directly or through a helper).</summary>
        public bool Touches(SyntaxNode node, CancellationToken cancellationToken) => References(node, _core, _coreNames, cancellationToken);

        /// <summary>Whether the node reads anything the lock guards: a test of it decides what the state's write does.</summary>
        public bool Decides(SyntaxNode node, CancellationToken cancellationToken) => References(node, _decisive, _decisiveNames, cancellationToken);

        /// <summary>Whether the symbol is the state itself (not a helper).</summary>
        public bool IsState(ISymbol? symbol) => symbol != null && !(symbol is IMethodSymbol) && _core.Contains(symbol.OriginalDefinition);

        private bool References(SyntaxNode node, HashSet<ISymbol> symbols, HashSet<string> names, CancellationToken cancellationToken) =>
            node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i =>
                names.Contains(i.Identifier.ValueText)
                && _semanticModel.GetSymbolInfo(i, cancellationToken).Symbol is { } symbol
                && symbols.Contains(symbol.OriginalDefinition));
    }
}
