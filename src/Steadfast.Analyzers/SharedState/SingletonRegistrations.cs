using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// The classes an ASP.NET Core application registers as singletons (<c>services.AddSingleton&lt;T&gt;()</c>,
    /// <c>AddSingleton&lt;IService, T&gt;()</c>, <c>AddSingleton(typeof(T))</c>, <c>AddSingleton&lt;IService&gt;(new T(…))</c>):
    /// one instance serves every request, circuit and connection at once, so its own state is shared by them.
    /// Found by name in the compilation's source, once per compilation; a browser (WebAssembly) application runs on
    /// one thread and has none.
    /// </summary>
    internal sealed class SingletonRegistrations
    {
        private const string Registration = "AddSingleton";
        private const string Description = "a singleton service of an ASP.NET Core application, whose methods serve concurrent requests";

        private readonly Compilation _compilation;
        private readonly bool _servesRequests;
        private ImmutableHashSet<string>? _names;

        public SingletonRegistrations(Compilation compilation)
        {
            _compilation = compilation;
            _servesRequests = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.AspNetCoreHttpContext) != null;
        }

        /// <summary>Why the instance state of <paramref name="type"/> is shared by concurrent requests, or null.</summary>
        public string? GetDescription(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (!_servesRequests || type.IsStatic || type.TypeKind != TypeKind.Class || type.DeclaringSyntaxReferences.IsEmpty)
                return null;
            var names = _names ?? Interlocked.CompareExchange(ref _names, Scan(cancellationToken), null) ?? _names!;
            return names.Contains(type.Name) ? Description : null;
        }

        private ImmutableHashSet<string> Scan(CancellationToken cancellationToken)
        {
            var names = ImmutableHashSet.CreateBuilder<string>(StringComparer.Ordinal);
            foreach (var tree in _compilation.SyntaxTrees)
            {
                var text = tree.GetText(cancellationToken).ToString();
                if (text.IndexOf("WebAssemblyHostBuilder", StringComparison.Ordinal) >= 0)
                    return ImmutableHashSet<string>.Empty;
                if (text.IndexOf(Registration, StringComparison.Ordinal) < 0)
                    continue;
                foreach (var call in tree.GetRoot(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    var name = call.Expression switch
                    {
                        MemberAccessExpressionSyntax member => member.Name,
                        SimpleNameSyntax simple => simple,
                        _ => null,
                    };
                    if (name == null || name.Identifier.ValueText != Registration)
                        continue;
                    var registered = Registered(name, call.ArgumentList);
                    if (registered != null)
                        names.Add(registered);
                }
            }

            return names.ToImmutable();
        }

        /// <summary>The implementation's simple name: the last type argument, a <c>typeof</c> argument, or a created instance.</summary>
        private static string? Registered(SimpleNameSyntax name, ArgumentListSyntax arguments)
        {
            foreach (var argument in arguments.Arguments.Reverse())
            {
                switch (argument.Expression)
                {
                    case TypeOfExpressionSyntax typeOf:
                        return SimpleName(typeOf.Type);
                    case ObjectCreationExpressionSyntax creation:
                        return SimpleName(creation.Type);
                }
            }

            return name is GenericNameSyntax generic && generic.TypeArgumentList.Arguments.Count > 0
                ? SimpleName(generic.TypeArgumentList.Arguments[generic.TypeArgumentList.Arguments.Count - 1])
                : null;
        }

        private static string? SimpleName(TypeSyntax type) => type switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => null,
        };
    }
}
