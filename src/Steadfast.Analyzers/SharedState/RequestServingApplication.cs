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
        /// When <paramref name="owner"/> runs, as far as this project shows: only at start-up (every counted call sits in
        /// start-up code — a method taking an <c>IServiceCollection</c>, <c>Program</c>, <c>Startup</c>, <c>Main</c> — a static
        /// constructor or a static field initializer, directly or through up to two other methods), also later (a call from
        /// other code, or the method handed out as a delegate), or unknown (no call in this project: a public method of a
        /// library is called from other projects). A calling method that is itself never called here is not counted.
        /// </summary>
        public CallTime WhenCalled(ISymbol owner, CancellationToken cancellationToken) =>
            owner is IMethodSymbol method ? WhenCalled(method, depth: 3, cancellationToken) : CallTime.Later;

        private CallTime WhenCalled(IMethodSymbol method, int depth, CancellationToken cancellationToken)
        {
            method = (method.ReducedFrom ?? method).OriginalDefinition;
            if (method.MethodKind == MethodKind.StaticConstructor || SharedStateModel.IsStartupCode(method))
                return CallTime.StartupOnly;
            if (depth == 0 || method.MethodKind != MethodKind.Ordinary)
                return CallTime.Later;
            if (_callTimes.TryGetValue(method, out var known))
                return known;
            var answer = FindCallTime(method, depth, cancellationToken);
            _callTimes.TryAdd(method, answer);
            return answer;
        }

        private readonly ConcurrentDictionary<IMethodSymbol, CallTime> _callTimes = new ConcurrentDictionary<IMethodSymbol, CallTime>(SymbolEqualityComparer.Default);

        private CallTime FindCallTime(IMethodSymbol method, int depth, CancellationToken cancellationToken)
        {
            var atStartup = false;
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
                        return CallTime.Later; // handed out as a delegate: it may run anywhere
                    var caller = semantics.GetEnclosingSymbol(name.SpanStart, cancellationToken);
                    while (caller is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
                        caller = caller.ContainingSymbol;
                    if (SymbolEqualityComparer.Default.Equals(caller, method))
                        continue; // recursion adds no caller
                    var callerTime = caller switch
                    {
                        // A controller action, hub method or middleware: the framework calls it for every request.
                        IMethodSymbol { ContainingType: { } servingType } when _model.GetServingDescription(servingType) != null => CallTime.Later,
                        IMethodSymbol callerMethod => WhenCalled(callerMethod, depth - 1, cancellationToken),
                        IFieldSymbol { IsStatic: true } => CallTime.StartupOnly,
                        IPropertySymbol { IsStatic: true } => CallTime.StartupOnly,
                        _ => CallTime.Later,
                    };
                    if (callerTime == CallTime.Later)
                        return CallTime.Later;
                    atStartup |= callerTime == CallTime.StartupOnly;
                }
            }

            return atStartup ? CallTime.StartupOnly : CallTime.Unknown;
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

    /// <summary>When a method runs, as far as the calls in its project show.</summary>
    internal enum CallTime
    {
        /// <summary>Every counted call sits in start-up code.</summary>
        StartupOnly,

        /// <summary>Some call comes from other code, or the method is handed out as a delegate.</summary>
        Later,

        /// <summary>No call in this project.</summary>
        Unknown,
    }
}
