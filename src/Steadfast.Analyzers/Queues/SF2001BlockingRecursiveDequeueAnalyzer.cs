using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2001: a dequeue that, when the pop comes back empty, sleeps and calls itself. Each idle second
    /// holds a thread (or a continuation) and adds a stack frame or state machine, for as long as the
    /// queue stays empty — the recursion ends only when a message arrives or the stack overflows.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF2001BlockingRecursiveDequeueAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.BlockingRecursiveDequeue,
            title: "Blocking recursive dequeue",
            messageFormat: "'{0}' sleeps and calls itself when the queue is empty: every idle wait grows the stack and holds a thread; loop with a bounded, cancellable delay instead",
            description: "A dequeue that sleeps and then calls itself when nothing was popped never releases its caller while the queue is idle: each round adds a stack frame (sync) or a chain of state machines (async), a busy queue that goes quiet for a night overflows the stack, and nothing can cancel the wait. A loop with a bounded, growing, cancellable delay — or a queue whose dequeue waits for you — does the same work in constant space.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var symbols = QueueSymbols.Create(start.Compilation);
                if (symbols.Thread == null && symbols.Task == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, symbols), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, QueueSymbols symbols)
        {
            var call = (IInvocationOperation)context.Operation;
            var match = RecursiveDequeue.TryMatch(call, context.ContainingSymbol, symbols);
            if (match != null)
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), match.Function.Name));
        }
    }
}
