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
    /// fake time keep working), else Stopwatch's static timestamps (.NET 7+), else — on older targets, where
    /// <c>Stopwatch.GetElapsedTime</c> does not exist — a Stopwatch instance started where the wall-clock
    /// start was read (<c>Stopwatch.StartNew()</c> … <c>start.Elapsed</c>).
    /// </summary>
    internal sealed class MonotonicClock
    {
        private readonly ExpressionSyntax _receiver;

        private MonotonicClock(ExpressionSyntax receiver, bool usesTimeProvider, bool usesStopwatchInstance = false)
        {
            _receiver = receiver;
            UsesTimeProvider = usesTimeProvider;
            UsesStopwatchInstance = usesStopwatchInstance;
        }

        public bool UsesTimeProvider { get; }

        /// <summary>The TimeProvider the timestamps are read from, when there is one.</summary>
        public ExpressionSyntax? TimeProvider => UsesTimeProvider ? _receiver : null;

        /// <summary>The start is a running Stopwatch, not a timestamp: no "elapsed between two timestamps".</summary>
        public bool UsesStopwatchInstance { get; }

        /// <summary>The type a start local is declared with when it is not <c>var</c>.</summary>
        public TypeSyntax TimestampType() =>
            UsesStopwatchInstance ? FixSyntax.ImportedType("System.Diagnostics.Stopwatch") : PredefinedType(Token(SyntaxKind.LongKeyword));

        public ExpressionSyntax GetTimestamp() => UsesStopwatchInstance ? Call("StartNew") : Call("GetTimestamp");

        public ExpressionSyntax GetElapsedTime(ExpressionSyntax start) =>
            UsesStopwatchInstance
                ? MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, start, IdentifierName("Elapsed"))
                : Call("GetElapsedTime", start);

        public ExpressionSyntax GetElapsedTime(ExpressionSyntax start, ExpressionSyntax end) => Call("GetElapsedTime", start, end);

        private ExpressionSyntax Call(string method, params ExpressionSyntax[] arguments) =>
            InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, _receiver, IdentifierName(method)),
                ArgumentList(SeparatedList(arguments.Select(Argument))));

        /// <summary>Null when neither a usable TimeProvider nor Stopwatch exists.</summary>
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
            if (stopwatch == null)
                return null;
            var receiver = FixSyntax.ImportedType("System.Diagnostics.Stopwatch");
            return new MonotonicClock(receiver, usesTimeProvider: false, usesStopwatchInstance: !stopwatch.GetMembers("GetElapsedTime").Any());
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
