using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2002: a Redis list pop whose value is then used. LPOP/RPOP delete the message in Redis before
    /// the consumer has done anything with it: a crash, deploy or exception in between loses it for good.
    /// A pop whose result is discarded (trimming a list) is not a consumer and stays silent.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF2002MessageLostIfConsumerCrashesAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.MessageLostIfConsumerCrashes,
            title: "Message lost if the consumer crashes",
            messageFormat: "'{0}' deletes the message from Redis before it is processed: if the consumer crashes first, it is lost; move it to a processing list (ListMove) and remove it after the handler succeeds, or use a reliable queue",
            description: "ListLeftPop/ListRightPop remove the element in Redis the moment they return it. Whatever happens to the consumer afterwards — a crash, a deploy, an exception in the handler — the message exists nowhere any more. Reliable consumption keeps it somewhere until it has been handled: an atomic move to a processing list with removal after success (and a sweeper that re-queues what stays there too long), or a stream consumer group with acknowledgements (Steadfast's reliable queue).");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                // Nothing to look for without StackExchange.Redis.
                if (start.Compilation.GetBestTypeByMetadataName("StackExchange.Redis.IDatabaseAsync") == null)
                    return;
                start.RegisterOperationAction(Analyze, OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context)
        {
            var call = (IInvocationOperation)context.Operation;
            if (!QueueSymbols.IsRedisListPop(call) || IsDiscarded(call))
                return;
            context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), call.TargetMethod.Name));
        }

        /// <summary>The popped value goes nowhere: <c>db.ListRightPop(key);</c>, <c>await …;</c>, <c>_ = …;</c>.</summary>
        private static bool IsDiscarded(IOperation operation)
        {
            var parent = operation.Parent;
            while (parent is IConversionOperation || parent is IAwaitOperation)
            {
                operation = parent;
                parent = parent.Parent;
            }

            return parent is IExpressionStatementOperation
                || (parent is ISimpleAssignmentOperation assignment && assignment.Target is IDiscardOperation && assignment.Parent is IExpressionStatementOperation);
        }
    }
}
