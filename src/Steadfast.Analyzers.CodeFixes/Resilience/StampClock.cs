using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// The clock a stamp member is rewritten against, all timestamps as <c>long</c>: the type's own TimeProvider when
    /// every use can reach it (tests that fake time keep working); else <c>Stopwatch.GetTimestamp</c> with
    /// <c>Stopwatch.GetElapsedTime</c> where every target has it (.NET 7+); else the same timestamps turned into a
    /// TimeSpan with <c>Stopwatch.Frequency</c>, which every framework has.
    /// </summary>
    internal sealed class StampClock
    {
        private readonly ExpressionSyntax? _provider;
        private readonly bool _hasGetElapsedTime;

        private StampClock(ExpressionSyntax? provider, bool hasGetElapsedTime)
        {
            _provider = provider;
            _hasGetElapsedTime = hasGetElapsedTime;
        }

        public static StampClock Choose(SemanticModel semanticModel, StampMemberPlan plan, bool everyTargetHasGetElapsedTime, CancellationToken cancellationToken)
        {
            var provider = FindProvider(semanticModel, plan, cancellationToken);
            return new StampClock(provider == null ? null : IdentifierName(provider), everyTargetHasGetElapsedTime);
        }

        /// <summary>A clock for stamps that are not members: the provider found for the method, else Stopwatch.</summary>
        public static StampClock For(ExpressionSyntax? provider, bool everyTargetHasGetElapsedTime) =>
            new StampClock(provider, everyTargetHasGetElapsedTime);

        public bool UsesTimeProvider => _provider != null;

        /// <summary>
        /// <c>private static TimeSpan ElapsedSince(long? timestamp) =&gt; timestamp.HasValue ? Stopwatch.GetElapsedTime(timestamp.Value) : TimeSpan.MaxValue;</c>
        /// — the member is read once, into the parameter, so a concurrent reset cannot slip in between the check and the read.
        /// </summary>
        public MethodDeclarationSyntax NeverHelper(string name)
        {
            var timestamp = IdentifierName("timestamp");
            var body = ConditionalExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, timestamp, IdentifierName("HasValue")),
                ElapsedSince(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, timestamp, IdentifierName("Value"))),
                FixSyntax.StaticMember("System.TimeSpan", "MaxValue"));
            var modifiers = _provider != null ? TokenList(Token(SyntaxKind.PrivateKeyword)) : TokenList(Token(SyntaxKind.PrivateKeyword), Token(SyntaxKind.StaticKeyword));
            return MethodDeclaration(FixSyntax.ImportedType("System.TimeSpan"), Identifier(name))
                .WithModifiers(modifiers)
                .WithParameterList(ParameterList(SingletonSeparatedList(Parameter(Identifier("timestamp")).WithType(NullableType(TimestampType())))))
                .WithExpressionBody(ArrowExpressionClause(body))
                .WithSemicolonToken(Token(SyntaxKind.SemicolonToken))
                .WithAdditionalAnnotations(Microsoft.CodeAnalysis.Formatting.Formatter.Annotation);
        }

        public static TypeSyntax TimestampType() => PredefinedType(Token(SyntaxKind.LongKeyword));

        public ExpressionSyntax GetTimestamp() =>
            _provider != null ? Call(_provider, "GetTimestamp") : FixSyntax.StaticCall("System.Diagnostics.Stopwatch", "GetTimestamp");

        public ExpressionSyntax ElapsedSince(ExpressionSyntax start)
        {
            if (_provider != null)
                return Call(_provider, "GetElapsedTime", start);
            if (_hasGetElapsedTime)
                return FixSyntax.StaticCall("System.Diagnostics.Stopwatch", "GetElapsedTime", start);
            return FromTimestampDifference(FixSyntax.StaticCall("System.Diagnostics.Stopwatch", "GetTimestamp"), start);
        }

        public ExpressionSyntax ElapsedBetween(ExpressionSyntax start, ExpressionSyntax end)
        {
            if (_provider != null)
                return Call(_provider, "GetElapsedTime", start, end);
            if (_hasGetElapsedTime)
                return FixSyntax.StaticCall("System.Diagnostics.Stopwatch", "GetElapsedTime", start, end);
            return FromTimestampDifference(end, start);
        }

        /// <summary>
        /// <c>TimeSpan.FromTicks((long)((end - start) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)))</c>: what
        /// GetElapsedTime does. The scale is a double so that a long difference times 10^7 cannot overflow.
        /// </summary>
        private static ExpressionSyntax FromTimestampDifference(ExpressionSyntax end, ExpressionSyntax start)
        {
            var difference = ParenthesizedExpression(BinaryExpression(SyntaxKind.SubtractExpression, end, Parenthesize(start)));
            var scale = ParenthesizedExpression(BinaryExpression(
                SyntaxKind.DivideExpression,
                CastExpression(PredefinedType(Token(SyntaxKind.DoubleKeyword)), FixSyntax.StaticMember("System.TimeSpan", "TicksPerSecond")),
                FixSyntax.StaticMember("System.Diagnostics.Stopwatch", "Frequency")));
            var ticks = CastExpression(PredefinedType(Token(SyntaxKind.LongKeyword)), ParenthesizedExpression(BinaryExpression(SyntaxKind.MultiplyExpression, difference, scale)));
            return FixSyntax.StaticCall("System.TimeSpan", "FromTicks", ticks);
        }

        private static ExpressionSyntax Parenthesize(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax || expression is MemberAccessExpressionSyntax || expression is InvocationExpressionSyntax
                ? expression
                : ParenthesizedExpression(expression);

        private static ExpressionSyntax Call(ExpressionSyntax receiver, string method, params ExpressionSyntax[] arguments) =>
            InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, IdentifierName(method)),
                ArgumentList(SeparatedList(arguments.Select(Argument))));

        /// <summary>
        /// A non-nullable TimeProvider field or property of the type that declares the stamp members, readable from every
        /// use (an instance provider only from instance members of that type, never from a field initializer).
        /// </summary>
        private static string? FindProvider(SemanticModel semanticModel, StampMemberPlan plan, CancellationToken cancellationToken)
        {
            var timeProvider = semanticModel.Compilation.GetTypeByMetadataName(WellKnownTypeNames.SystemTimeProvider);
            var owners = plan.Variables.Where(v => !(v is ILocalSymbol)).Select(v => v.ContainingType).Distinct(SymbolEqualityComparer.Default).ToList();
            if (timeProvider == null || owners.Count != 1 || !(owners[0] is INamedTypeSymbol owner))
                return null;

            ISymbol? provider = null;
            foreach (var candidate in owner.GetMembers())
            {
                var type = candidate is IFieldSymbol field ? field.Type
                    : candidate is IPropertySymbol { IsIndexer: false, GetMethod: { } } property ? property.Type
                    : null;
                if (type != null && !candidate.IsImplicitlyDeclared && type.NullableAnnotation != NullableAnnotation.Annotated && DerivesFrom(type, timeProvider))
                {
                    provider = candidate;
                    break;
                }
            }

            if (provider == null)
                return null;
            foreach (var use in plan.Uses)
            {
                if (use.Kind == StampMemberPlan.UseKind.NeverWrite || use.Kind == StampMemberPlan.UseKind.NeverCheck)
                    continue; // null needs no clock
                ISymbol? member = semanticModel.GetEnclosingSymbol(use.Node.SpanStart, cancellationToken);
                while (member is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LocalFunction })
                    member = member.ContainingSymbol;
                if (!(member is IMethodSymbol method) || !SymbolEqualityComparer.Default.Equals(method.ContainingType, owner) || (method.IsStatic && !provider.IsStatic))
                    return null;
                if (!provider.IsStatic && method.MethodKind == MethodKind.Constructor && !IsAssignedBefore(provider, method, use.Node, cancellationToken))
                    return null;
            }

            return provider.Name;
        }

        /// <summary>In a constructor the provider must already hold its value where the timestamp is read.</summary>
        private static bool IsAssignedBefore(ISymbol provider, IMethodSymbol constructor, SyntaxNode use, CancellationToken cancellationToken)
        {
            if (!(constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is ConstructorDeclarationSyntax declaration))
                return false;
            if (provider.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: { } })
                return true;
            return declaration.Body != null && declaration.Body.Statements.Any(statement =>
                statement.Span.End <= use.SpanStart && statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }
                && (assignment.Left is IdentifierNameSyntax { Identifier: { ValueText: var name } } && name == provider.Name
                    || assignment.Left is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: { Identifier: { ValueText: var thisName } } } && thisName == provider.Name));
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
