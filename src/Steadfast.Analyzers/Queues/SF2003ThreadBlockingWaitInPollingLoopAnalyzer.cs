using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Steadfast.Analyzers.Resilience;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2003: <c>Thread.Sleep</c> in an async method (it blocks a thread-pool thread the method was written to
    /// give back), in a loop that polls a queue, a lock or a Redis key with no bound (a thread parked per poller
    /// for as long as nothing happens, and no way to cancel the wait), or in a loop that never ends on a
    /// thread-pool thread, or in a bare busy wait for a field to change. A bounded wait in sync code (a retry count, a deadline, a Stopwatch) is the ordinary
    /// idiom and stays silent.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF2003ThreadBlockingWaitInPollingLoopAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.ThreadBlockingWaitInPollingLoop,
            title: "Thread-blocking wait in a polling loop",
            messageFormat: "Thread.Sleep blocks a thread {0}; {1}",
            description: "Thread.Sleep parks a whole thread and cannot be cancelled. In an async method it blocks a thread-pool thread the method was meant to release; in a loop that polls a queue, lock or key with no bound it holds a thread per poller for as long as nothing happens, and shutdown waits for the sleep to end; in a loop that never ends on the thread pool it takes a pool thread away for good. await Task.Delay(delay, cancellationToken) frees the thread and stops at once on cancellation; a wait on a signal needs no polling at all.");

        internal const string AsyncAdvice = "await Task.Delay with a CancellationToken instead";
        internal const string PollAdvice = "wait on a signal (a SemaphoreSlim, a BlockingCollection, pub/sub) or bound the wait and take a CancellationToken";
        internal const string FlagAdvice = "wait on a signal set where the state changes (a ManualResetEventSlim, a TaskCompletionSource) or bound the wait and take a CancellationToken";
        internal const string PoolAdvice = "run it as an async loop with await Task.Delay and a CancellationToken, or on a dedicated thread";

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
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), "in async " + name, AsyncAdvice));
                return;
            }

            var loop = FunctionContext.EnclosingLoop(call);
            if (loop == null)
                return;
            if (RetryLoop.IsBoundedByCountOrTime(loop))
                return; // a bounded wait: the ordinary sync idiom

            if (WaitsForAPoll(loop, call, symbols))
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), "in a loop that polls a queue, lock or key with no bound", PollAdvice));
                return;
            }

            if (IsFlagWait(loop, call))
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), "in a loop that waits for a field to change, with no bound", FlagAdvice));
                return;
            }

            if (RetryLoop.RunsUntilStopped(loop) && !HasExit(loop) && function != null && RunsOnThePool(function, context.CancellationToken))
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), "of the thread pool in a loop that never ends", PoolAdvice));
        }

        /// <summary>
        /// The loop waits for a poll to succeed: its condition asks the queue, lock or key, or the sleep or an exit
        /// of the loop sits under an <c>if</c> that does. A loop that sleeps between periodic passes does not poll.
        /// </summary>
        private static bool WaitsForAPoll(ILoopOperation loop, IInvocationOperation sleep, QueueSymbols symbols)
        {
            var own = loop.Body.OwnDescendantsAndSelf().ToList();
            var condition = loop switch
            {
                IWhileLoopOperation w => w.Condition,
                IForLoopOperation f => f.Condition,
                _ => null,
            };
            if (condition != null)
                own.AddRange(condition.OwnDescendantsAndSelf());

            // Values that come from a poll: the calls themselves and locals assigned from them.
            var polled = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in own)
            {
                var (target, value) = operation switch
                {
                    ISimpleAssignmentOperation a when a.Target is ILocalReferenceOperation l => ((ISymbol?)l.Local, (IOperation?)a.Value),
                    IVariableDeclaratorOperation d => (d.Symbol, d.GetVariableInitializer()?.Value),
                    _ => (null, null),
                };
                if (target != null && value != null && value.DescendantsAndSelf().Any(o => IsPollRead(o, symbols)))
                    polled.Add(target);
            }

            bool AsksThePoll(IOperation? expression) => expression != null && expression.DescendantsAndSelf().Any(o =>
                IsPollRead(o, symbols) || o is ILocalReferenceOperation l && polled.Contains(l.Local));

            if (AsksThePoll(condition))
                return true;
            foreach (var conditional in own.OfType<IConditionalOperation>())
            {
                if (!AsksThePoll(conditional.Condition))
                    continue;
                var guarded = conditional.WhenTrue.OwnDescendantsAndSelf().Concat(conditional.WhenFalse?.OwnDescendantsAndSelf() ?? Enumerable.Empty<IOperation>());
                if (guarded.Any(o => o == sleep || o is IReturnOperation || o is IBranchOperation { BranchKind: BranchKind.Break or BranchKind.Continue }))
                    return true;
            }

            return false;
        }

        /// <summary>
        /// <c>while (!_done) Thread.Sleep(50);</c>, <c>while (count != 0) { Thread.Sleep(50); count = _pending; }</c>: the loop
        /// does nothing but sleep until state that another thread changes (a field or property) says stop. A busy wait.
        /// </summary>
        private static bool IsFlagWait(ILoopOperation loop, IInvocationOperation sleep)
        {
            var condition = loop is IWhileLoopOperation w ? w.Condition : null;
            if (condition == null || condition.ConstantValue.HasValue)
                return false;
            var sleepParts = new HashSet<IOperation>(sleep.DescendantsAndSelf());
            var refreshed = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in loop.Body.OwnDescendantsAndSelf())
            {
                if (sleepParts.Contains(operation))
                    continue;
                switch (operation)
                {
                    case IBlockOperation _:
                    case IExpressionStatementOperation _:
                    case IConversionOperation _:
                    case IParenthesizedOperation _:
                    case ILiteralOperation _:
                    case IInstanceReferenceOperation _:
                    case IFieldReferenceOperation _:
                    case IPropertyReferenceOperation _:
                    case ILocalReferenceOperation _:
                    case IBinaryOperation _:
                    case IUnaryOperation _:
                        continue;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when ReadsState(assignment.Value):
                        refreshed.Add(local.Local);
                        continue;
                    default:
                        return false; // the loop does work of its own: not a bare wait
                }
            }

            return condition.DescendantsAndSelf().Any(o => o is IFieldReferenceOperation || o is IPropertyReferenceOperation
                || o is ILocalReferenceOperation l && refreshed.Contains(l.Local));
        }

        private static bool ReadsState(IOperation value) =>
            value.DescendantsAndSelf().Any(o => o is IFieldReferenceOperation || o is IPropertyReferenceOperation)
            && !value.DescendantsAndSelf().Any(o => o is IInvocationOperation);

        /// <summary>A poll (a Redis command, a Try… method, a timed wait), or asking an in-process collection whether it has items.</summary>
        private static bool IsPollRead(IOperation operation, QueueSymbols symbols) => operation switch
        {
            IInvocationOperation call => symbols.IsPoll(call) || (call.TargetMethod.Name == "Any" || call.TargetMethod.Name == "Count") && IsCollection(call.Arguments.FirstOrDefault()?.Value?.Type ?? call.Instance?.Type),
            IPropertyReferenceOperation { Property: { Name: "Count" or "IsEmpty" } } property => IsCollection(property.Instance?.Type),
            _ => false,
        };

        private static bool IsCollection(ITypeSymbol? type) =>
            type != null && (type.ContainingNamespace?.ToDisplayString() ?? "").StartsWith("System.Collections", System.StringComparison.Ordinal);

        private static bool HasExit(ILoopOperation loop) => loop.Body.OwnDescendantsAndSelf().Any(o =>
            o is IReturnOperation || o is IBranchOperation { BranchKind: BranchKind.Break } b && ReferenceEquals(Target(b), loop) || o is IThrowOperation);

        private static IOperation? Target(IBranchOperation branch)
        {
            for (var current = branch.Parent; current != null; current = current.Parent)
            {
                if (current is ILoopOperation || current is ISwitchOperation)
                    return current;
            }

            return null;
        }

        /// <summary>
        /// The function runs on a thread-pool thread: a sync lambda handed to Task.Run, Task.Factory.StartNew (not
        /// LongRunning) or ThreadPool.QueueUserWorkItem — or a method such a lambda of the same type calls.
        /// </summary>
        private static bool RunsOnThePool(IMethodSymbol function, System.Threading.CancellationToken cancellationToken)
        {
            if (function.MethodKind == MethodKind.AnonymousFunction)
            {
                var syntax = function.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken);
                return syntax?.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } } && IsPoolStart(invocation);
            }

            if (function.MethodKind != MethodKind.Ordinary || function.ContainingType == null)
                return false;
            foreach (var reference in function.ContainingType.DeclaringSyntaxReferences)
            {
                foreach (var invocation in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (!IsPoolStart(invocation))
                        continue;
                    if (invocation.ArgumentList.Arguments.Any(a => a.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                        .Any(i => i.Identifier.ValueText == function.Name && !(i.Parent is MemberAccessExpressionSyntax m && m.Name == i && !(m.Expression is ThisExpressionSyntax)))))
                        return true;
                }
            }

            return false;
        }

        private static bool IsPoolStart(InvocationExpressionSyntax invocation)
        {
            var name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                _ => null,
            };
            if (name == "QueueUserWorkItem" || name == "UnsafeQueueUserWorkItem")
                return true;
            if (name != "Run" && name != "StartNew")
                return false;
            var receiver = ((MemberAccessExpressionSyntax)invocation.Expression).Expression.ToString();
            if (!receiver.EndsWith("Task", System.StringComparison.Ordinal) && !receiver.EndsWith("Factory", System.StringComparison.Ordinal))
                return false;
            return !invocation.ArgumentList.ToString().Contains("LongRunning");
        }
    }
}
