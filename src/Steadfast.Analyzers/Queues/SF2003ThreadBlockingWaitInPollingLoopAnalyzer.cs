using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2003: <c>Thread.Sleep</c> in an async method (it blocks a thread-pool thread the method was
    /// written to give back), or in a loop that polls a queue, a lock or a Redis key (a thread parked per
    /// poller, and no way to cancel the wait).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF2003ThreadBlockingWaitInPollingLoopAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.ThreadBlockingWaitInPollingLoop,
            title: "Thread-blocking wait in a polling loop",
            messageFormat: "Thread.Sleep blocks a thread {0}; await Task.Delay with a CancellationToken instead",
            description: "Thread.Sleep parks a whole thread and cannot be cancelled. In an async method it blocks a thread-pool thread the method was meant to release; in a loop that polls a queue, lock or key it holds a thread per poller for as long as nothing happens, and shutdown waits for the sleep to end. await Task.Delay(delay, cancellationToken) frees the thread and stops at once on cancellation.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var symbols = QueueSymbols.Create(start.Compilation);
                if (symbols.Thread == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, QueueSymbols symbols)
        {
            var call = (IInvocationOperation)context.Operation;
            if (!symbols.IsThreadSleep(call))
                return;

            var function = FunctionContext.EnclosingFunction(call, context.ContainingSymbol);
            if (function != null && function.IsAsync)
            {
                var name = function.MethodKind == MethodKind.AnonymousFunction ? "lambda" : "method '" + function.Name + "'";
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), "in async " + name));
                return;
            }

            var loop = FunctionContext.EnclosingLoop(call);
            if (loop != null && loop.Descendants().OfType<IInvocationOperation>().Any(symbols.IsPoll))
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), "in a loop that polls a queue, lock or key"));
        }
    }
}
