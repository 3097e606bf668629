using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// Recognises the SF4001 shape: a loop that does not end on a failure, whose body calls something inside
    /// try/catch and, on a caught failure, goes round again at once — no delay or wait, no attempt or time
    /// bound, no new item to work on, no rethrow/return/break.
    /// </summary>
    internal sealed class RetryLoop
    {
        // Waits that block until signalled even without a timeout argument.
        private static readonly HashSet<string> UntimedWaitNames = new HashSet<string> { "WaitAsync", "WhenAny", "SpinUntil", "WaitForNextTickAsync" };

        // Words of a method name that say it hands over the next item: each round works on something new.
        private static readonly HashSet<string> NextItemWords = new HashSet<string>
        {
            "Take", "Receive", "Read", "Accept", "Dequeue", "Pop", "Consume", "Poll", "Next", "Listen",
        };

        private static readonly HashSet<string> NextItemNames = new HashSet<string>
        {
            "GetConsumingEnumerable", "GetContext", "GetContextAsync", "AcceptTcpClient", "AcceptSocket",
        };

        // Redis commands that block on the server until an item arrives or their timeout passes.
        private static readonly HashSet<string> BlockingRedisCommands = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "XREAD", "XREADGROUP",
        };

        // Calls that never are "the call being retried": bookkeeping, logging, awaiting configuration.
        private static readonly HashSet<string> IncidentalNames = new HashSet<string>
        {
            "ConfigureAwait", "Add", "Remove", "Dispose", "DisposeAsync", "ToString", "Equals", "GetHashCode", "Format", "Concat",
            "WriteLine", "Write", "Set", "Clear", "Contains", "ContainsKey", "TryGetValue", "GetType", "Increment", "Decrement",
            "ThrowIfCancellationRequested", "Info", "Debug", "Warn", "Error", "Trace", "Fatal", "Information", "Warning",
        };

        private RetryLoop(ILoopOperation loop, ITryOperation tryOperation, IReadOnlyList<ICatchClauseOperation> continuingCatches, IOperation retriedCall, bool swallowsOpenCircuit)
        {
            Loop = loop;
            Try = tryOperation;
            ContinuingCatches = continuingCatches;
            RetriedCall = retriedCall;
            SwallowsOpenCircuit = swallowsOpenCircuit;
        }

        public ILoopOperation Loop { get; }
        public ITryOperation Try { get; }
        /// <summary>The catch clauses after which the loop goes round again.</summary>
        public IReadOnlyList<ICatchClauseOperation> ContinuingCatches { get; }
        /// <summary>The call in the try block that is retried (an invocation, or an object creation).</summary>
        public IOperation RetriedCall { get; }
        /// <summary>The retried call goes through a circuit breaker whose open-circuit rejection a catch swallows.</summary>
        public bool SwallowsOpenCircuit { get; }

        /// <summary>The name the message gives the retried call.</summary>
        public string RetriedName => NameOf(RetriedCall);

        public static RetryLoop? TryMatch(ILoopOperation loop)
        {
            if (loop is IForEachLoopOperation)
                return null; // ends with its collection, and each round has a new item

            var condition = ConditionOf(loop);
            var own = loop.Body.OwnDescendantsAndSelf().ToList();
            if (condition != null)
                own.AddRange(condition.OwnDescendantsAndSelf());
            if (loop is IForLoopOperation forLoop)
                own.AddRange(forLoop.AtLoopBottom.SelectMany(o => o.OwnDescendantsAndSelf()));

            // A take (Accept, Receive …) inside a try whose catch swallows every exception does not pace the loop: when the
            // take itself keeps failing (a disposed listener, a broker that is down) the loop spins on the catch.
            var takes = own.Where(o => !InsideCatchAllTry(o, loop)).ToList();
            // A delay inside one catch paces only the failures that catch handles (checked per catch below).
            // A bound in a catch's `when` filter only picks which catch runs: it bounds that catch alone (checked per catch below).
            var bounding = own.Where(o => !InsideACatchFilter(o, loop)).ToList();
            if (own.Where(o => !InsideACatch(o, loop)).Any(Paces) || HasAttemptCounter(bounding) || HasClockBound(bounding, loop) || TakesNextItem(takes) || Drains(loop, condition, own))
                return null;

            foreach (var tryOperation in loop.Body.OwnDescendantsAndSelf().OfType<ITryOperation>().OrderBy(t => t.Syntax.SpanStart))
            {
                var retried = RetriedCallIn(tryOperation.Body);
                if (retried == null)
                    continue;
                if (InsidePacedCatch(tryOperation, loop))
                    continue; // catch { Thread.Sleep(1000); try { Reopen(); } catch { } }: the outer catch waits first
                var continuing = tryOperation.Catches.Where(c => LoopsBack(c, loop) && !PacesItself(c) && !BoundedByItsFilter(c) && !ShutsItselfDown(c)).ToList();
                if (continuing.Count == 0 || !EndlessOnFailure(loop, condition, tryOperation, continuing))
                    continue;
                if (AwaitsWorkOutsideTheTry(loop, tryOperation) || continuing.All(c => c.Filter != null && ChangesTheAttempt(c, loop.Body)))
                    continue;

                var guarded = tryOperation.Body.OwnDescendantsAndSelf().OfType<IInvocationOperation>().Where(IsGuard).ToList();
                var swallowsOpenCircuit = false;
                if (guarded.Count > 0)
                {
                    // A retry policy bounds and paces; a breaker only does so while the loop lets its rejection end the loop.
                    if (guarded.Any(g => !IsBreaker(g)) || !continuing.Any(SwallowsOpenCircuitRejection))
                        continue;
                    swallowsOpenCircuit = true;
                    retried = guarded.OrderBy(g => g.Syntax.SpanStart).First();
                }

                return new RetryLoop(loop, tryOperation, continuing, retried, swallowsOpenCircuit);
            }

            return null;
        }

        /// <summary>
        /// Each round first awaits other work that no catch protects (<c>await EnsureDirectoryAsync()</c>, then the
        /// attempt): a persistent failure of that work ends the loop, and its success changes what the attempt meets.
        /// </summary>
        private static bool AwaitsWorkOutsideTheTry(ILoopOperation loop, ITryOperation tryOperation)
        {
            foreach (var awaited in loop.Body.OwnDescendantsAndSelf().OfType<IAwaitOperation>())
            {
                if (awaited.Syntax.SpanStart >= tryOperation.Syntax.SpanStart)
                    continue;
                if (InsideATry(awaited, loop))
                    continue;
                if (UnwrapConfigured(awaited.Operation) is IInvocationOperation call && !IsIncidental(call) && !Paces(call))
                    return true;
            }

            return false;
        }

        /// <summary>The catch changes a variable the attempt reads (a new file name, a trimmed key): the next round tries something else.</summary>
        internal static bool ChangesTheAttempt(ICatchClauseOperation catchClause, IOperation attempt)
        {
            var handlerSpan = catchClause.Handler.Syntax.Span;
            var read = new HashSet<ISymbol>(attempt.DescendantsAndSelf().Where(o => !handlerSpan.Contains(o.Syntax.Span))
                .Select(ReferencedSymbol).Where(s => s != null)!, SymbolEqualityComparer.Default);
            return catchClause.Handler.OwnDescendantsAndSelf().Any(o => WrittenSymbol(o) is { } written && read.Contains(written));
        }

        /// <summary>The operation sits in a catch clause (its filter or handler) of a try inside the loop.</summary>
        private static bool InsideACatch(IOperation operation, ILoopOperation loop)
        {
            for (var current = operation.Parent; current != null && current != loop; current = current.Parent)
            {
                if (current is ICatchClauseOperation)
                    return true;
            }

            return false;
        }

        private static bool InsidePacedCatch(ITryOperation tryOperation, ILoopOperation loop)
        {
            for (var current = tryOperation.Parent; current != null && current != loop; current = current.Parent)
            {
                if (current is ICatchClauseOperation enclosing && PacesItself(enclosing))
                    return true;
            }

            return false;
        }

        private static bool InsideACatchFilter(IOperation operation, ILoopOperation loop)
        {
            IOperation child = operation;
            for (var current = operation.Parent; current != null && current != loop; child = current, current = current.Parent)
            {
                if (current is ICatchClauseOperation catchClause && catchClause.Filter == child)
                    return true;
            }

            return false;
        }

        private static bool BoundedByItsFilter(ICatchClauseOperation catchClause)
        {
            if (catchClause.Filter == null)
                return false;
            var filter = catchClause.Filter.DescendantsAndSelf().ToList();
            return HasTimeBound(filter) || HasAttemptCounter(filter) || filter.Any(o => o is IIncrementOrDecrementOperation);
        }

        /// <summary>The catch waits before the loop goes round (<c>catch (IOException) { await Task.Delay(1000, ct); }</c>).</summary>
        private static bool PacesItself(ICatchClauseOperation catchClause) =>
            catchClause.Handler.OwnDescendantsAndSelf().Concat(catchClause.Filter?.OwnDescendantsAndSelf() ?? Enumerable.Empty<IOperation>()).Any(Paces);

        private static bool InsideCatchAllTry(IOperation operation, ILoopOperation loop)
        {
            IOperation child = operation;
            for (var current = operation.Parent; current != null && current != loop; child = current, current = current.Parent)
            {
                // A catch-all that waits paces the failing rounds itself; a sibling catch that ends the loop on the failure a
                // broken source raises (ObjectDisposedException, a listener's own exception) means persistent failures stop it.
                if (current is ITryOperation @try && @try.Body == child
                    && @try.Catches.Any(c => c.Filter == null && (c.ExceptionType.SpecialType == SpecialType.System_Object || c.ExceptionType.ToDisplayString() == "System.Exception")
                        && LoopsBack(c, loop) && !PacesItself(c))
                    && !@try.Catches.Any(c => IsTypedFailure(c.ExceptionType) && !LoopsBack(c, loop)))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A specific failure type: not a catch-all, not Exception, not cancellation (which only says the loop was stopped).</summary>
        private static bool IsTypedFailure(ITypeSymbol? type)
        {
            if (type == null || type.SpecialType == SpecialType.System_Object)
                return false;
            var name = type.ToDisplayString();
            return name != "System.Exception" && name != "System.OperationCanceledException" && name != "System.Threading.Tasks.TaskCanceledException";
        }

        // Words of a method name that say the object shuts itself down (OnConnectionClosing, Disconnect, StopReceiving).
        private static readonly HashSet<string> ShutdownWords = new HashSet<string> { "Close", "Closing", "Disconnect", "Shutdown", "Stop", "Abort" };

        /// <summary>
        /// The catch calls this object's own shutdown (<c>this.OnConnectionClosing()</c>): the type tears itself down
        /// on that failure, which ends its own loop. Closing another object (<c>conn.Close()</c>, reopened next round) does not.
        /// </summary>
        private static bool ShutsItselfDown(ICatchClauseOperation catchClause) =>
            catchClause.Handler.OwnDescendantsAndSelf().OfType<IInvocationOperation>().Any(call =>
                (call.Instance == null ? !call.TargetMethod.IsStatic : call.Instance is IInstanceReferenceOperation)
                && call.TargetMethod.DeclaringSyntaxReferences.Length > 0
                && NameWords(call.TargetMethod.Name).Any(ShutdownWords.Contains));

        private static bool InsideATry(IOperation operation, ILoopOperation loop)
        {
            for (var current = operation.Parent; current != null && current != loop; current = current.Parent)
            {
                if (current is ITryOperation)
                    return true;
            }

            return false;
        }

        private static IOperation? ConditionOf(ILoopOperation loop) => loop switch
        {
            IWhileLoopOperation whileLoop => whileLoop.Condition,
            IForLoopOperation forLoop => forLoop.Condition,
            _ => null,
        };

        /// <summary>
        /// On the failure path the loop keeps going: the condition is absent or constant true, or every write of
        /// its variables that a failed attempt reaches keeps it true (a success flag set only in the try block, a
        /// <c>repeat = true</c> in the catch). A condition that calls something decides for itself: not endless.
        /// </summary>
        private static bool EndlessOnFailure(ILoopOperation loop, IOperation? condition, ITryOperation tryOperation, IReadOnlyList<ICatchClauseOperation> catches)
        {
            if (condition == null || condition.ConstantValue is { HasValue: true, Value: true })
                return true;
            if (condition.ConstantValue.HasValue || condition.DescendantsAndSelf().Any(o => o is IInvocationOperation || o is IAwaitOperation))
                return false;

            var read = new HashSet<ISymbol>(condition.DescendantsAndSelf().Select(ReferencedSymbol).Where(s => s != null)!, SymbolEqualityComparer.Default);
            if (read.Count == 0)
                return false;

            var writers = loop.Body.OwnDescendantsAndSelf().Concat(condition.DescendantsAndSelf());
            if (loop is IForLoopOperation forLoop)
                writers = writers.Concat(forLoop.AtLoopBottom.SelectMany(o => o.OwnDescendantsAndSelf()));
            var trySpan = tryOperation.Body.Syntax.Span;
            // A catch that sets the flag back (repeat = true) decides the failure path, whatever ran before the try.
            var setAgainInCatch = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var assignment in catches.SelectMany(c => c.Handler.OwnDescendantsAndSelf()).OfType<ISimpleAssignmentOperation>())
            {
                if (WrittenSymbol(assignment) is { } symbol && read.Contains(symbol) && KeepsGoing(condition, symbol, assignment.Value))
                    setAgainInCatch.Add(symbol);
            }

            foreach (var write in writers)
            {
                if (!(WrittenSymbol(write) is { } written) || !read.Contains(written))
                    continue;
                if (write is ISimpleAssignmentOperation assignment)
                {
                    // A write in the try block happens on success; a constant that keeps the loop going changes nothing.
                    if (trySpan.Contains(write.Syntax.Span))
                        continue;
                    if (KeepsGoing(condition, written, assignment.Value))
                        continue;
                    if (setAgainInCatch.Contains(written) && write.Syntax.Span.End <= tryOperation.Syntax.SpanStart)
                        continue;
                }

                return false;
            }

            return true;
        }

        /// <summary>The condition, with the symbol set to this constant, is still true (<c>while (!ok)</c> after <c>ok = false</c>).</summary>
        private static bool KeepsGoing(IOperation condition, ISymbol symbol, IOperation value)
        {
            if (!(value.ConstantValue is { HasValue: true, Value: bool constant }))
                return false;
            return Evaluate(condition, symbol, constant) == true;
        }

        private static bool? Evaluate(IOperation operation, ISymbol symbol, bool value)
        {
            operation = Unwrap(operation);
            switch (operation)
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    return !Evaluate(not.Operand, symbol, value);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } and:
                    return Evaluate(and.LeftOperand, symbol, value) is { } l && Evaluate(and.RightOperand, symbol, value) is { } r ? l && r : (bool?)null;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } eq when eq.RightOperand.ConstantValue is { HasValue: true, Value: bool right }:
                    return Evaluate(eq.LeftOperand, symbol, value) is { } left ? left == right : (bool?)null;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.NotEquals } ne when ne.RightOperand.ConstantValue is { HasValue: true, Value: bool right }:
                    return Evaluate(ne.LeftOperand, symbol, value) is { } leftValue ? leftValue != right : (bool?)null;
                default:
                    return ReferencedSymbol(operation) is { } s && SymbolEqualityComparer.Default.Equals(s, symbol) ? value : (bool?)null;
            }
        }

        private static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation { IsImplicit: true } conversion)
                operation = conversion.Operand;
            return operation;
        }

        private static ISymbol? ReferencedSymbol(IOperation operation) => operation switch
        {
            ILocalReferenceOperation local => local.Local,
            IFieldReferenceOperation field => field.Field,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property => property.Property,
            _ => null,
        };

        private static ISymbol? WrittenSymbol(IOperation operation) => operation switch
        {
            IAssignmentOperation assignment => ReferencedSymbol(assignment.Target),
            IIncrementOrDecrementOperation increment => ReferencedSymbol(increment.Target),
            IArgumentOperation { Parameter: { RefKind: RefKind.Ref or RefKind.Out } } argument => ReferencedSymbol(argument.Value),
            _ => null,
        };

        /// <summary>A delay or wait paces the loop: a sleep, a timed wait, an awaited signal, a helper of this code that delays.</summary>
        private static bool Paces(IOperation operation)
        {
            switch (operation)
            {
                case IInvocationOperation call:
                    var name = call.TargetMethod.Name;
                    // Task.WhenAny(work, Task.Delay(timeout)) races the work against a timeout: when the work fails at
                    // once, nothing waits. The delay in it is that timeout.
                    if (IsTimeoutRace(call) || name == "Delay" && EnclosingCall(call) is { } race && IsTimeoutRace(race))
                        return false;
                    if (name == "Sleep" || name == "Delay" || UntimedWaitNames.Contains(name))
                        return true;
                    if ((name == "WaitOne" || name == "Wait" || name == "Join") && call.Arguments.Any(a => !a.IsImplicit))
                        return true;
                    if (HasTimeoutArgument(call) && NameWords(name).Any(w => w == "Wait" || w == "Poll" || w == "Select" || w == "Join"))
                        return true;
                    return DelaysInside(call.TargetMethod);
                case IAwaitOperation awaited:
                    // Awaiting a task made elsewhere (a completion source, a wait handle's task) waits for a signal.
                    var operand = UnwrapConfigured(awaited.Operation);
                    if (operand is IInvocationOperation request)
                        return HandsOffToAWorker(request);
                    return !(operand is IInvalidOperation) && !(operand is IObjectCreationOperation);
                case IInvalidOperation invalid:
                    // An unresolved call named like a delay (a helper from a library the compilation lacks).
                    // (a helper from a library the compilation lacks, or a type it could not resolve).
                    return invalid.Syntax is InvocationExpressionSyntax invocation && InvokedName(invocation) is { } invalidName
                        && (invalidName == "Sleep" || invalidName == "Delay" || UntimedWaitNames.Contains(invalidName)
                            || NameWords(invalidName).Any(w => w == "Wait" || w == "Join") && invocation.ArgumentList.Arguments.Count > 0);
                default:
                    return false;
            }
        }

        /// <summary>
        /// The awaited call queues a request for another worker and returns that request's completion task
        /// (<c>queue.Add(request); return request.Completion.Task;</c>): the answer, a failure too, comes at the worker's
        /// pace. An interface or abstract method counts when every implementation in this compilation does so.
        /// </summary>
        private static bool HandsOffToAWorker(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            if (method.MethodKind == MethodKind.DelegateInvoke || method.ContainingType == null)
                return false;
            var bodies = new List<IMethodSymbol>();
            if (method.IsAbstract || method.ContainingType.TypeKind == TypeKind.Interface)
            {
                var compilation = call.SemanticModel?.Compilation;
                if (compilation == null)
                    return false;
                foreach (var candidate in compilation.GetSymbolsWithName(method.Name, SymbolFilter.Member).OfType<IMethodSymbol>())
                {
                    if (candidate.IsAbstract || candidate.ContainingType == null)
                        continue;
                    var implements = method.ContainingType.TypeKind == TypeKind.Interface
                        ? SymbolEqualityComparer.Default.Equals(candidate.ContainingType.FindImplementationForInterfaceMember(method.OriginalDefinition), candidate)
                        : SymbolEqualityComparer.Default.Equals(candidate.OverriddenMethod?.OriginalDefinition, method.OriginalDefinition);
                    if (implements)
                        bodies.Add(candidate);
                    if (bodies.Count > 4)
                        return false;
                }
            }
            else
            {
                bodies.Add(method);
            }

            return bodies.Count > 0 && bodies.All(m => ReturnsACompletionTask(m, depth: 2));
        }

        private static bool ReturnsACompletionTask(IMethodSymbol method, int depth)
        {
            if (method.DeclaringSyntaxReferences.Length == 0)
                return false;
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                var node = reference.GetSyntax();
                var returned = node is MethodDeclarationSyntax { ExpressionBody: { } arrow }
                    ? new[] { arrow.Expression }
                    : node.DescendantNodes().OfType<ReturnStatementSyntax>().Where(r => r.Expression != null).Select(r => r.Expression!).ToArray();
                if (returned.Length == 0)
                    return false;
                foreach (var expression in returned)
                {
                    if (expression is MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "Task" } } })
                        continue;
                    // ReadAsync(n) => EnqueueRead(n): a helper of the same type that returns the completion task.
                    if (depth > 1 && expression is InvocationExpressionSyntax { Expression: IdentifierNameSyntax helper } && method.ContainingType != null
                        && method.ContainingType.GetMembers(helper.Identifier.ValueText).OfType<IMethodSymbol>()
                            .Any(m => !SymbolEqualityComparer.Default.Equals(m, method) && ReturnsACompletionTask(m, depth - 1)))
                        continue;
                    return false;
                }
            }

            return true;
        }

        private static bool IsTimeoutRace(IInvocationOperation call)
        {
            if (call.TargetMethod.Name != "WhenAny" || call.TargetMethod.ContainingType?.Name != "Task")
                return false;
            // The other side is work this code starts (a call, or a local holding one), not a signal it waits for (_signal.Task).
            var raced = RacedTasks(call).Select(Unwrap).ToList();
            var work = raced.Where(t => !IsDelayCall(t)).ToList();
            return raced.Any(IsDelayCall) && work.Count > 0 && work.All(t => t is IInvocationOperation || t is ILocalReferenceOperation);
        }

        private static bool IsDelayCall(IOperation operation) => operation is IInvocationOperation { TargetMethod: { Name: "Delay" } };

        /// <summary>The tasks a WhenAny races: its arguments, or the elements of its params array.</summary>
        private static IEnumerable<IOperation> RacedTasks(IInvocationOperation race) =>
            race.Arguments.SelectMany(a => Unwrap(a.Value) is IArrayCreationOperation { Initializer: { } initializer }
                ? initializer.ElementValues.AsEnumerable()
                : new[] { a.Value });

        private static IInvocationOperation? EnclosingCall(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IInvocationOperation call)
                    return call;
            }

            return null;
        }

        /// <summary>A method of this compilation whose own body sleeps or delays: <c>await WaitBeforeRetryAsync(attempt)</c>.</summary>
        private static bool DelaysInside(IMethodSymbol method) => DelaysInside(method, depth: 2);

        private static bool DelaysInside(IMethodSymbol method, int depth)
        {
            if (method.DeclaringSyntaxReferences.Length == 0 || method.MethodKind == MethodKind.DelegateInvoke)
                return false;
            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                var node = reference.GetSyntax();
                foreach (var invocation in node.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    var invoked = InvokedName(invocation);
                    // An untimed WaitOne is a mutex or gate being entered, not a wait between attempts.
                    if (invoked == "Sleep" || invoked == "Delay" || invoked == "WaitAsync" || invoked == "SpinUntil"
                        || invoked == "WaitOne" && invocation.ArgumentList.Arguments.Count > 0)
                        return true;
                    // A helper of the same type it calls in turn: GetStreamAsync → ReconnectAsync → Task.Delay.
                    if (depth > 1 && invoked != null && method.ContainingType != null
                        && (invocation.Expression is IdentifierNameSyntax || invocation.Expression is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax })
                        && method.ContainingType.GetMembers(invoked).OfType<IMethodSymbol>()
                            .Any(m => !SymbolEqualityComparer.Default.Equals(m, method) && DelaysInside(m, depth - 1)))
                        return true;
                }
            }

            return false;
        }

        private static string? InvokedName(InvocationExpressionSyntax invocation) => invocation.Expression switch
        {
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            GenericNameSyntax generic => generic.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            _ => null,
        };

        private static bool HasTimeoutArgument(IInvocationOperation call) =>
            call.Arguments.Any(a => !a.IsImplicit && a.Parameter != null
                && (a.Parameter.Name.IndexOf("timeout", StringComparison.OrdinalIgnoreCase) >= 0
                    || a.Parameter.Name.IndexOf("milliseconds", StringComparison.OrdinalIgnoreCase) >= 0
                    || a.Parameter.Name.IndexOf("microSeconds", StringComparison.OrdinalIgnoreCase) >= 0));

        /// <summary>Each round takes the next item (a queue read, a socket receive, a blocking pop): it retries nothing.</summary>
        private static bool TakesNextItem(List<IOperation> own) => own.OfType<IInvocationOperation>().Any(IsNextItemCall)
            || own.OfType<IInvalidOperation>().Any(o => o.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax } invocation
                && InvokedName(invocation) is { } name && (NextItemNames.Contains(name) || NameWords(name).Any(NextItemWords.Contains)));

        private static bool IsNextItemCall(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            if (NextItemNames.Contains(method.Name))
                return true;
            // Console.ReadLine/ReadKey (System.Console, or an app's own Console wrapper): each round waits for the user's next
            // answer (a prompt loop), no retry storm.
            if (method.Name.StartsWith("Read", StringComparison.Ordinal) && method.ContainingType?.Name == "Console")
                return true;
            // Static helpers (File.ReadAllText) re-read the same thing: only a reader, queue or client hands out the next item.
            var hasReceiver = call.Instance != null || method.IsExtensionMethod || method.ReducedFrom != null;
            if (hasReceiver && NameWords(method.Name).Any(NextItemWords.Contains))
                return true;
            // db.Execute("BRPOP", key, 5): a blocking Redis command waits on the server.
            return call.Arguments.Any(a => a.Value.ConstantValue is { HasValue: true, Value: string command } && BlockingRedisCommands.Contains(command));
        }

        /// <summary>
        /// <c>while (queue.Count &gt; 0)</c>, <c>while (!stack.IsEmpty)</c> … whose body takes items out of that
        /// collection: the loop ends when it is drained.
        /// </summary>
        private static bool Drains(ILoopOperation loop, IOperation? condition, List<IOperation> own)
        {
            if (condition == null)
            {
                // do { … } while (x.Count > 0) comes as a while loop with its condition at the bottom; nothing else to do.
                return false;
            }

            var collections = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in condition.DescendantsAndSelf())
            {
                var instance = operation switch
                {
                    IPropertyReferenceOperation { Property: { Name: "Count" or "IsEmpty" or "Length" } } property => property.Instance,
                    IInvocationOperation { TargetMethod: { Name: "Any" or "Count" } } call => call.Instance ?? (call.Arguments.Length > 0 ? call.Arguments[0].Value : null),
                    _ => null,
                };
                if (instance != null && ReferencedSymbol(Unwrap(instance)) is { } symbol)
                    collections.Add(symbol);
            }

            if (collections.Count == 0)
                return false;
            return own.OfType<IInvocationOperation>().Any(call =>
                call.Instance != null && ReferencedSymbol(Unwrap(call.Instance)) is { } target && collections.Contains(target)
                && (call.TargetMethod.Name.StartsWith("Remove", StringComparison.Ordinal) || call.TargetMethod.Name.StartsWith("TryRemove", StringComparison.Ordinal)
                    || NameWords(call.TargetMethod.Name).Any(w => w == "Pop" || w == "Dequeue" || w == "Take" || w == "Clear")));
        }

        /// <summary>Splits a method name into its words: <c>BLPopWithKey</c> → B, L, Pop, With, Key.</summary>
        internal static IEnumerable<string> NameWords(string name)
        {
            var start = 0;
            for (var i = 1; i <= name.Length; i++)
            {
                if (i == name.Length || char.IsUpper(name[i]) || name[i] == '_')
                {
                    if (i > start)
                        yield return name.Substring(start, i - start).Trim('_');
                    start = i;
                }
            }
        }

        /// <summary>A Polly or Steadfast policy: a retry policy bounds and paces, a breaker stops calling.</summary>
        private static bool IsGuard(IInvocationOperation call)
        {
            var ns = call.TargetMethod.ContainingType?.ContainingNamespace?.ToDisplayString() ?? "";
            return ns == "Polly" || ns.StartsWith("Polly.", StringComparison.Ordinal)
                || ns == "Steadfast.CircuitBreakers" || ns == "Steadfast.Retry";
        }

        private static bool IsBreaker(IInvocationOperation call) =>
            call.TargetMethod.ContainingType?.ContainingNamespace?.ToDisplayString() == "Steadfast.CircuitBreakers";

        /// <summary>The catch takes the breaker's open-circuit rejection and goes round: a catch-all, Exception, or the rejection's own type.</summary>
        private static bool SwallowsOpenCircuitRejection(ICatchClauseOperation catchClause)
        {
            if (catchClause.Filter != null)
                return false;
            var caught = catchClause.ExceptionType;
            if (caught == null || caught.SpecialType == SpecialType.System_Object)
                return true;
            var name = caught.ToDisplayString();
            return name == "System.Exception" || caught.Name.IndexOf("CircuitBreakerOpen", StringComparison.Ordinal) >= 0 || caught.Name.IndexOf("BrokenCircuit", StringComparison.Ordinal) >= 0;
        }

        /// <summary>
        /// A variable counted in the loop (<c>++attempt</c>, <c>retries--</c>, a counter passed by ref to a helper)
        /// and tested in it — compared, or handed to a decision such as a catch filter's <c>CanRetry(++attempt)</c>.
        /// </summary>
        private static bool HasAttemptCounter(List<IOperation> own)
        {
            var counted = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in own)
            {
                if ((operation is IIncrementOrDecrementOperation || operation is ICompoundAssignmentOperation) && WrittenSymbol(operation) is { } symbol)
                    counted.Add(symbol);
                else if (operation is IArgumentOperation { Parameter: { RefKind: RefKind.Ref } } byRef && ReferencedSymbol(byRef.Value) is { } refSymbol
                    && byRef.Value.Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64)
                    return true; // CanRetry(ref retryCount): the helper counts and decides
            }

            if (counted.Count == 0)
                return false;
            if (own.OfType<IBinaryOperation>().Any(b =>
                (b.OperatorKind == BinaryOperatorKind.LessThan || b.OperatorKind == BinaryOperatorKind.LessThanOrEqual
                 || b.OperatorKind == BinaryOperatorKind.GreaterThan || b.OperatorKind == BinaryOperatorKind.GreaterThanOrEqual
                 || b.OperatorKind == BinaryOperatorKind.Equals || b.OperatorKind == BinaryOperatorKind.NotEquals)
                && b.DescendantsAndSelf().Any(o => ReferencedSymbol(o) is { } s && counted.Contains(s))))
                return true;

            // The counter goes into a call whose answer decides: when (CanRetry(++attempt, ex)), if (ShouldGiveUp(attempt)).
            return own.OfType<IInvocationOperation>().Any(call => call.Type?.SpecialType == SpecialType.System_Boolean
                && call.Arguments.Any(a => a.Value.DescendantsAndSelf().Any(o => ReferencedSymbol(o) is { } s && counted.Contains(s))));
        }

        /// <summary>A comparison against elapsed time or a deadline: <c>sw.Elapsed &gt; max</c>, <c>DateTime.UtcNow &lt; deadline</c>.</summary>
        private static bool HasTimeBound(List<IOperation> own) => own.OfType<IBinaryOperation>().Any(b =>
            (b.OperatorKind == BinaryOperatorKind.LessThan || b.OperatorKind == BinaryOperatorKind.LessThanOrEqual
             || b.OperatorKind == BinaryOperatorKind.GreaterThan || b.OperatorKind == BinaryOperatorKind.GreaterThanOrEqual)
            && (IsTimeValue(b.LeftOperand) || IsTimeValue(b.RightOperand)));

        /// <summary>
        /// A comparison that watches the clock: one side reads it (<c>sw.Elapsed &gt; max</c>, <c>DateTime.UtcNow &lt; deadline</c>) or
        /// holds a value computed from it (<c>elapsed &gt; max</c>). Two durations compared (<c>timeout &lt; MaxTimeout</c>, capping a
        /// growing connect timeout) bound nothing.
        /// </summary>
        private static bool HasClockBound(List<IOperation> own, ILoopOperation loop)
        {
            var comparisons = own.OfType<IBinaryOperation>().Where(b =>
                (b.OperatorKind == BinaryOperatorKind.LessThan || b.OperatorKind == BinaryOperatorKind.LessThanOrEqual
                 || b.OperatorKind == BinaryOperatorKind.GreaterThan || b.OperatorKind == BinaryOperatorKind.GreaterThanOrEqual)
                && (IsTimeValue(b.LeftOperand) || IsTimeValue(b.RightOperand))).ToList();
            if (comparisons.Count == 0)
                return false;
            IOperation root = loop;
            while (root.Parent != null)
                root = root.Parent;
            var clockDerived = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var all = root.DescendantsAndSelf().ToList();
            for (var round = 0; round < 3; round++)
            {
                foreach (var operation in all)
                {
                    var (target, value) = operation switch
                    {
                        IAssignmentOperation assignment => (ReferencedSymbol(assignment.Target), assignment.Value),
                        IVariableDeclaratorOperation declarator => ((ISymbol?)declarator.Symbol, declarator.GetVariableInitializer()?.Value),
                        _ => (null, null),
                    };
                    if (target != null && value != null && !clockDerived.Contains(target) && value.DescendantsAndSelf().Any(o => ReadsClock(o) || ReferencedSymbol(o) is { } s && clockDerived.Contains(s)))
                        clockDerived.Add(target);
                }
            }

            return comparisons.Any(b => b.DescendantsAndSelf().Any(o => ReadsClock(o) || ReferencedSymbol(o) is { } s && clockDerived.Contains(s)));
        }

        private static bool ReadsClock(IOperation operation) => operation switch
        {
            IPropertyReferenceOperation { Property: { Name: "Now" or "UtcNow" or "Today" or "Elapsed" or "ElapsedMilliseconds" or "ElapsedTicks" or "TickCount" or "TickCount64" } } => true,
            IInvocationOperation { TargetMethod: { Name: "GetTimestamp" or "GetElapsedTime" or "GetUtcNow" or "GetLocalNow" } } => true,
            _ => false,
        };

        private static bool IsTimeValue(IOperation operand)
        {
            var type = Unwrap(operand).Type;
            var typeName = type?.ToDisplayString();
            if (typeName == "System.TimeSpan" || typeName == "System.DateTime" || typeName == "System.DateTimeOffset")
                return true;
            return operand.DescendantsAndSelf().Any(o =>
                o is IPropertyReferenceOperation { Property: { Name: "Elapsed" or "ElapsedMilliseconds" or "ElapsedTicks" or "TickCount" or "TickCount64" } }
                || o is IInvocationOperation { TargetMethod: { Name: "GetTimestamp" or "GetElapsedTime" or "ToUnixTimeMilliseconds" or "ToUnixTimeSeconds" } });
        }

        /// <summary>
        /// After the catch the loop goes round again: the catch's end can be reached, or it continues this loop.
        /// A catch that always throws, returns, breaks or exits the process does not loop back.
        /// </summary>
        private static bool LoopsBack(ICatchClauseOperation catchClause, ILoopOperation loop)
        {
            var handler = catchClause.Handler;
            foreach (var operation in handler.OwnDescendantsAndSelf())
            {
                if (operation is IInvocationOperation call && (call.TargetMethod.Name == "Exit" || call.TargetMethod.Name == "FailFast" || call.TargetMethod.Name == "StopApplication"))
                    return false;
            }

            var model = handler.SemanticModel;
            if (model == null || !(handler.Syntax is BlockSyntax block))
                return FallsThroughSyntactically(handler);
            if (block.Statements.Count == 0)
                return true;
            ControlFlowAnalysis? flow;
            try
            {
                flow = model.AnalyzeControlFlow(block.Statements.First(), block.Statements.Last());
            }
            catch (ArgumentException)
            {
                return FallsThroughSyntactically(handler);
            }

            if (flow == null || !flow.Succeeded)
                return FallsThroughSyntactically(handler);
            if (flow.EndPointIsReachable)
                return true;
            return flow.ExitPoints.OfType<ContinueStatementSyntax>().Any(c => ReferenceEquals(ContinueTarget(c), loop.Syntax));
        }

        private static SyntaxNode? ContinueTarget(ContinueStatementSyntax statement)
        {
            for (SyntaxNode? node = statement.Parent; node != null; node = node.Parent)
            {
                if (node is WhileStatementSyntax || node is DoStatementSyntax || node is ForStatementSyntax || node is ForEachStatementSyntax)
                    return node;
                if (node is AnonymousFunctionExpressionSyntax || node is LocalFunctionStatementSyntax)
                    return null;
            }

            return null;
        }

        private static bool FallsThroughSyntactically(IBlockOperation handler)
        {
            foreach (var operation in handler.OwnDescendantsAndSelf())
            {
                switch (operation)
                {
                    case IThrowOperation _:
                    case IReturnOperation _:
                    case IBranchOperation { BranchKind: BranchKind.Break } _:
                    case IBranchOperation { BranchKind: BranchKind.GoTo } _:
                        return false;
                }
            }

            return !handler.Syntax.DescendantNodes().Any(n => n.IsKind(SyntaxKind.ThrowStatement));
        }

        /// <summary>
        /// The call an attempt makes: the first awaited call in the try block (looking through <c>ConfigureAwait</c> and
        /// similar wrappers), else its first call that is not bookkeeping or logging.
        /// </summary>
        internal static IOperation? RetriedCallIn(IOperation tryBody)
        {
            var own = tryBody.OwnDescendantsAndSelf().OrderBy(o => o.Syntax.SpanStart).ToList();
            var calls = own.Where(o => o is IInvocationOperation || o is IObjectCreationOperation { Constructor: { } }
                || o is IInvalidOperation { Syntax: InvocationExpressionSyntax }).ToList();
            if (calls.Count == 0)
                return null;
            foreach (var awaited in own.OfType<IAwaitOperation>())
            {
                var operand = UnwrapConfigured(awaited.Operation);
                // await Task.WhenAny(connectTask, Task.Delay(timeout)): the attempt is the task raced against the timeout.
                if (operand is IInvocationOperation race && IsTimeoutRace(race) && RacedCall(race, own) is { } raced)
                    return raced;
                if (operand is IInvocationOperation call && !IsIncidental(call))
                    return call;
                // An unresolved call (its library is not referenced) is still the attempt: look inside ConfigureAwait by syntax.
                if (operand is IInvalidOperation { Syntax: InvocationExpressionSyntax } invalid)
                    return invalid;
                if (operand is IInvocationOperation { Instance: IInvalidOperation { Syntax: InvocationExpressionSyntax } inner })
                    return inner;
            }

            return calls.FirstOrDefault(c => c is IObjectCreationOperation || c is IInvocationOperation call && !IsIncidental(call))
                ?? calls.FirstOrDefault(c => c is IInvalidOperation { Syntax: InvocationExpressionSyntax invocation } && InvokedName(invocation) is { } name
                    && !IncidentalNames.Contains(name) && !name.StartsWith("Log", StringComparison.Ordinal))
                ?? calls.FirstOrDefault(c => c is IInvalidOperation)
                ?? calls.OfType<IObjectCreationOperation>().FirstOrDefault()
                ?? calls.First();
        }

        /// <summary>The call that made the raced task: named in the WhenAny, or the initializer of a local it names.</summary>
        private static IOperation? RacedCall(IInvocationOperation race, List<IOperation> own)
        {
            foreach (var part in RacedTasks(race))
            {
                switch (Unwrap(part))
                {
                    case IInvocationOperation call when call.TargetMethod.Name != "Delay" && !IsIncidental(call) && IsAwaitable(call.Type):
                        return call;
                    case ILocalReferenceOperation local:
                        var made = own.OfType<IVariableDeclaratorOperation>().FirstOrDefault(d => SymbolEqualityComparer.Default.Equals(d.Symbol, local.Local))
                            ?.GetVariableInitializer()?.Value;
                        if (made != null && Unwrap(made) is IInvocationOperation maker && !IsIncidental(maker))
                            return maker;
                        break;
                }
            }

            return null;
        }

        /// <summary><c>X().ConfigureAwait(false)</c>, <c>X().AnyContext()</c>: the wrapped call X.</summary>
        private static IOperation UnwrapConfigured(IOperation operation)
        {
            operation = Unwrap(operation);
            while (operation is IInvocationOperation call)
            {
                var receiver = call.Instance ?? (call.TargetMethod.IsExtensionMethod && call.Arguments.Length > 0 ? call.Arguments[0].Value : null);
                if (receiver == null || !(Unwrap(receiver) is IInvocationOperation inner))
                    break;
                var wraps = call.TargetMethod.Name == "ConfigureAwait"
                    || (call.TargetMethod.IsExtensionMethod && IsAwaitable(inner.Type) && call.Arguments.Length <= 2);
                if (!wraps)
                    break;
                operation = inner;
            }

            return operation;
        }

        private static bool IsAwaitable(ITypeSymbol? type) =>
            type != null && (type.Name == "Task" || type.Name == "ValueTask") && type.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

        private static bool IsIncidental(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            if (IncidentalNames.Contains(method.Name) || method.Name.StartsWith("Log", StringComparison.Ordinal))
                return true;
            var type = method.ContainingType;
            var ns = type?.ContainingNamespace?.ToDisplayString() ?? "";
            var typeName = type?.Name ?? "";
            return typeName.IndexOf("Log", StringComparison.Ordinal) >= 0 || typeName == "Console" || typeName == "String" || typeName == "Math"
                || typeName == "Interlocked" || typeName == "Enumerable" || typeName == "Debug" || typeName == "Array"
                || ns.StartsWith("System.Collections", StringComparison.Ordinal) || ns.StartsWith("System.Text", StringComparison.Ordinal)
                || ns.StartsWith("System.Diagnostics", StringComparison.Ordinal) || ns.StartsWith("Microsoft.Extensions.Logging", StringComparison.Ordinal);
        }

        /// <summary>The name a message gives a call: a delegate by its variable, a constructor by its type.</summary>
        internal static string NameOf(IOperation call)
        {
            // An unresolved X().ConfigureAwait(false): the name is X's.
            if (call is IInvalidOperation { Syntax: InvocationExpressionSyntax wrapper } && InvokedName(wrapper) == "ConfigureAwait"
                && wrapper.Expression is MemberAccessExpressionSyntax { Expression: InvocationExpressionSyntax wrapped } && InvokedName(wrapped) is { } wrappedName)
                return wrappedName;
            switch (call)
            {
                case IInvocationOperation { TargetMethod: { MethodKind: MethodKind.DelegateInvoke } } invocation when invocation.Instance != null
                    && ReferencedSymbol(Unwrap(invocation.Instance)) is { } target:
                    return target.Name;
                case IInvocationOperation invocation:
                    return invocation.TargetMethod.Name;
                case IObjectCreationOperation creation:
                    return "new " + (creation.Type?.Name ?? "object");
                case IInvalidOperation { Syntax: InvocationExpressionSyntax invocation } when InvokedName(invocation) is { } name:
                    return name;
                default:
                    return call.Syntax.ToString();
            }
        }

        /// <summary>The loop counts its rounds or watches the time (SF2003: a bounded wait).</summary>
        internal static bool IsBoundedByCountOrTime(ILoopOperation loop)
        {
            var own = loop.Body.OwnDescendantsAndSelf().ToList();
            if (ConditionOf(loop) is { } condition)
                own.AddRange(condition.OwnDescendantsAndSelf());
            if (loop is IForLoopOperation forLoop)
                own.AddRange(forLoop.AtLoopBottom.SelectMany(o => o.OwnDescendantsAndSelf()));
            return HasAttemptCounter(own) || HasTimeBound(own);
        }

        /// <summary>
        /// <c>while (true)</c>, <c>for (;;)</c>, or a condition that calls nothing and that the body never changes
        /// (<c>while (!_quit)</c>): the loop runs until something else stops it.
        /// </summary>
        internal static bool RunsUntilStopped(ILoopOperation loop)
        {
            var condition = ConditionOf(loop);
            if (loop is IForEachLoopOperation)
                return false;
            if (condition == null || condition.ConstantValue is { HasValue: true, Value: true })
                return true;
            if (condition.ConstantValue.HasValue || condition.DescendantsAndSelf().Any(o => o is IInvocationOperation || o is IAwaitOperation))
                return false;
            var read = new HashSet<ISymbol>(condition.DescendantsAndSelf().Select(ReferencedSymbol).Where(s => s != null)!, SymbolEqualityComparer.Default);
            return read.Count > 0 && !loop.Body.OwnDescendantsAndSelf().Concat(condition.DescendantsAndSelf())
                .Any(o => WrittenSymbol(o) is { } written && read.Contains(written));
        }

        /// <summary>True when anything in these operations paces, bounds or hands out new items (used by the goto shape).</summary>
        internal static bool IsPacedOrBounded(List<IOperation> own) =>
            own.Any(Paces) || HasAttemptCounter(own) || HasTimeBound(own) || TakesNextItem(own);
    }
}
