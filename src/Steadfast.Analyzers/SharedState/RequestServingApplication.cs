using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// Whether the compilation is a server application: its source declares a controller, a SignalR hub, middleware or
    /// a gRPC service. Every request such an application serves runs on its own thread-pool thread, so static state
    /// that any of its code changes after type initialisation — a static cache in a helper class, a round-robin counter
    /// — is changed by concurrent requests. Found from the declared types (no syntax is bound), once per compilation;
    /// a browser (WebAssembly) application runs on one thread and does not count.
    /// </summary>
    internal sealed class RequestServingApplication
    {
        private const string Description = "code of a server application, whose concurrent requests share static state";

        private readonly SharedStateModel _model;
        // 0: not looked yet; 1: does not serve requests; 2: serves them.
        private int _serves;

        public RequestServingApplication(SharedStateModel model)
        {
            _model = model;
        }

        /// <summary>Why static state changed by <paramref name="type"/>'s code is shared by concurrent requests, or null.</summary>
        public string? GetDescription(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.DeclaringSyntaxReferences.IsEmpty || type.Name == "Program" || type.Name == "Startup")
                return null;
            var known = Volatile.Read(ref _serves);
            if (known == 0)
            {
                known = Scan(cancellationToken) ? 2 : 1;
                Volatile.Write(ref _serves, known);
            }

            return known == 2 && HasMutableStaticState(type) ? Description : null;
        }

        /// <summary>
        /// Every call of <paramref name="owner"/> in the compilation sits in start-up code (a method taking an
        /// <c>IServiceCollection</c>, <c>Program</c>, <c>Startup</c>, <c>Main</c>), a static constructor or a static field
        /// initializer, directly or through up to two other such methods: a registry filled before the first request.
        /// A method with no call, or one handed out as a delegate, is not proven to run only at start-up.
        /// </summary>
        public bool RunsOnlyAtStartup(ISymbol owner, CancellationToken cancellationToken) =>
            owner is IMethodSymbol method && RunsOnlyAtStartup(method, depth: 3, cancellationToken);

        private bool RunsOnlyAtStartup(IMethodSymbol method, int depth, CancellationToken cancellationToken)
        {
            method = (method.ReducedFrom ?? method).OriginalDefinition;
            if (method.MethodKind == MethodKind.StaticConstructor || SharedStateModel.IsStartupCode(method))
                return true;
            if (depth == 0 || method.MethodKind != MethodKind.Ordinary)
                return false;
            if (_startupOnly.TryGetValue(method, out var known))
                return known;
            var answer = AllCallersRunAtStartup(method, depth, cancellationToken);
            _startupOnly.TryAdd(method, answer);
            return answer;
        }

        private readonly ConcurrentDictionary<IMethodSymbol, bool> _startupOnly = new ConcurrentDictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);

        private bool AllCallersRunAtStartup(IMethodSymbol method, int depth, CancellationToken cancellationToken)
        {
            var called = false;
            foreach (var tree in _model.Compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (tree.GetText(cancellationToken).ToString().IndexOf(method.Name, System.StringComparison.Ordinal) < 0)
                    continue;
                SemanticModel? semantics = null;
                foreach (var name in tree.GetRoot(cancellationToken).DescendantNodes().OfType<SimpleNameSyntax>())
                {
                    if (name.Identifier.ValueText != method.Name || name.Parent is MethodDeclarationSyntax)
                        continue;
                    // Callers live in other files: only the few names spelled like the method are bound, with the driver's cached model.
#pragma warning disable RS1030
                    semantics ??= _model.Compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
                    var info = semantics.GetSymbolInfo(name, cancellationToken);
                    var symbol = info.Symbol as IMethodSymbol ?? info.CandidateSymbols.OfType<IMethodSymbol>().FirstOrDefault();
                    if (symbol == null || !SymbolEqualityComparer.Default.Equals((symbol.ReducedFrom ?? symbol).OriginalDefinition, method))
                        continue;
                    var invoked = name.Parent is InvocationExpressionSyntax
                        || name.Parent is MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax } access && access.Name == name
                        || name.Parent is MemberBindingExpressionSyntax { Parent: InvocationExpressionSyntax };
                    if (!invoked)
                        return false; // handed out as a delegate: it may run anywhere
                    var caller = semantics.GetEnclosingSymbol(name.SpanStart, cancellationToken);
                    while (caller is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
                        caller = caller.ContainingSymbol;
                    if (SymbolEqualityComparer.Default.Equals(caller, method))
                        continue; // recursion adds no caller
                    called = true;
                    var atStartup = caller switch
                    {
                        IMethodSymbol callerMethod => RunsOnlyAtStartup(callerMethod, depth - 1, cancellationToken),
                        IFieldSymbol field => field.IsStatic,
                        IPropertySymbol property => property.IsStatic,
                        _ => false,
                    };
                    if (!atStartup)
                        return false;
                }
            }

            return called;
        }

        /// <summary>A static field or auto-property the shared-state rules track (a collection or a number).</summary>
        private bool HasMutableStaticState(INamedTypeSymbol type) =>
            type.GetMembers().Any(m => m.IsStatic && !m.IsImplicitlyDeclared && m switch
            {
                IFieldSymbol field => !field.IsConst && _model.Classify(field.Type) is var kind && kind != StateKind.None && (kind != StateKind.Numeric || !field.IsReadOnly),
                IPropertySymbol property => _model.Classify(property.Type) != StateKind.None,
                _ => false,
            });

        private bool Scan(CancellationToken cancellationToken)
        {
            if (_model.Compilation.GetBestTypeByMetadataName(WellKnownTypeNames.AspNetCoreHttpContext) == null)
                return false;
            if (_model.Compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Components.WebAssembly.Hosting.WebAssemblyHostBuilder") != null)
                return false;
            var hosted = _model.Compilation.GetBestTypeByMetadataName(WellKnownTypeNames.ExtensionsHostingIHostedService);
            var pending = new Stack<INamespaceOrTypeSymbol>();
            pending.Push(_model.Compilation.SourceModule.GlobalNamespace);
            while (pending.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = pending.Pop();
                foreach (var member in current.GetMembers())
                {
                    if (member is INamespaceSymbol ns)
                    {
                        pending.Push(ns);
                    }
                    else if (member is INamedTypeSymbol type && type.TypeKind == TypeKind.Class && !type.IsStatic)
                    {
                        // A hosted service runs beside requests but serves none itself.
                        if (_model.GetServingDescription(type) != null && (hosted == null || !type.AllInterfaces.Contains(hosted, SymbolEqualityComparer.Default)))
                            return true;
                        pending.Push(type);
                    }
                }
            }

            return false;
        }
    }
}
