using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// The monotonic clock a fix writes against: the TimeProvider the type already has (so tests that
    /// fake time keep working), else Stopwatch's static timestamps.
    /// </summary>
    internal sealed class MonotonicClock
    {
        private readonly ExpressionSyntax _receiver;

        private MonotonicClock(ExpressionSyntax receiver, bool usesTimeProvider)
        {
            _receiver = receiver;
            UsesTimeProvider = usesTimeProvider;
        }

        public bool UsesTimeProvider { get; }

        public ExpressionSyntax GetTimestamp() => Call("GetTimestamp");

        public ExpressionSyntax GetElapsedTime(ExpressionSyntax start) => Call("GetElapsedTime", start);

        public ExpressionSyntax GetElapsedTime(ExpressionSyntax start, ExpressionSyntax end) => Call("GetElapsedTime", start, end);

        private ExpressionSyntax Call(string method, params ExpressionSyntax[] arguments) =>
            InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, _receiver, IdentifierName(method)),
                ArgumentList(SeparatedList(arguments.Select(Argument))));

        /// <summary>Null when neither a usable TimeProvider nor Stopwatch.GetElapsedTime (.NET 7+) exists.</summary>
        public static MonotonicClock? Find(SemanticModel semanticModel, int position, CancellationToken cancellationToken)
        {
            var compilation = semanticModel.Compilation;
            var timeProvider = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimeProvider);
            var member = semanticModel.GetEnclosingSymbol(position, cancellationToken);
            while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
                member = member.ContainingSymbol;

            if (timeProvider != null && member != null)
            {
                var provider = FindTimeProvider(member, timeProvider);
                if (provider != null)
                    return new MonotonicClock(IdentifierName(provider), usesTimeProvider: true);
            }

            var stopwatch = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemDiagnosticsStopwatch);
            if (stopwatch == null || !stopwatch.GetMembers("GetElapsedTime").Any())
                return null;
            var receiver = FixSyntax.ImportedType("System.Diagnostics.Stopwatch");
            return new MonotonicClock(receiver, usesTimeProvider: false);
        }

        /// <summary>A non-nullable TimeProvider field or property of the type (static if the member is static), else a parameter.</summary>
        private static string? FindTimeProvider(ISymbol member, INamedTypeSymbol timeProvider)
        {
            for (var type = member.ContainingType; type != null; type = type.BaseType)
            {
                foreach (var candidate in type.GetMembers())
                {
                    var candidateType = candidate is IFieldSymbol field ? field.Type
                        : candidate is IPropertySymbol property && property.GetMethod != null && !property.IsIndexer ? property.Type
                        : null;
                    if (candidateType == null || candidate.IsImplicitlyDeclared || (member.IsStatic && !candidate.IsStatic)
                        || candidateType.NullableAnnotation == NullableAnnotation.Annotated || !DerivesFrom(candidateType, timeProvider)
                        || (!SymbolEqualityComparer.Default.Equals(type, member.ContainingType) && candidate.DeclaredAccessibility == Accessibility.Private))
                    {
                        continue;
                    }

                    return candidate.Name;
                }
            }

            if (member is IMethodSymbol method)
            {
                var parameter = method.Parameters.FirstOrDefault(p => p.NullableAnnotation != NullableAnnotation.Annotated && DerivesFrom(p.Type, timeProvider));
                if (parameter != null)
                    return parameter.Name;
            }

            return null;
        }

        private static bool DerivesFrom(ITypeSymbol type, INamedTypeSymbol baseType)
        {
            for (var current = type; current != null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, baseType))
                    return true;
            }

            return false;
        }
    }
}
