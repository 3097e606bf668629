using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4001: a loop that catches a call's exception and tries again at once, forever. When the
    /// dependency is down it becomes a hot loop: a core at 100%, the dependency hammered while it tries
    /// to recover, logs flooded — the seed's "circuit breaker".
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF4001RetryLoopWithoutBackoffOrBoundAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.RetryLoopWithoutBackoffOrBound,
            title: "Retry loop without backoff or bound",
            messageFormat: "This loop retries '{0}' at once after every failure, forever: add a bounded, growing delay or use a retry policy with a circuit breaker",
            description: "A loop that catches a failure and immediately calls again, with no delay, no attempt limit and no circuit breaker, turns an outage into a hot loop: it burns a core, floods the logs and keeps the failing dependency from recovering by hammering it. Retries need a bound (attempts or time), a growing, jittered delay between attempts, and a breaker that stops calling a dependency that keeps failing.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterOperationAction(Analyze, OperationKind.Loop);
        }

        private static void Analyze(OperationAnalysisContext context)
        {
            var loop = (ILoopOperation)context.Operation;
            var match = RetryLoop.TryMatch(loop);
            if (match == null)
                return;
            context.ReportDiagnostic(Diagnostic.Create(Rule, KeywordLocation(loop.Syntax), match.RetriedCall.TargetMethod.Name));
        }

        /// <summary>The loop's keyword (<c>while</c>, <c>for</c>, <c>do</c>): short, and where the reader looks.</summary>
        internal static Location KeywordLocation(SyntaxNode loop) => loop switch
        {
            WhileStatementSyntax w => w.WhileKeyword.GetLocation(),
            DoStatementSyntax d => d.DoKeyword.GetLocation(),
            ForStatementSyntax f => f.ForKeyword.GetLocation(),
            _ => loop.GetLocation(),
        };
    }
}
