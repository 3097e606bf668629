using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

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
