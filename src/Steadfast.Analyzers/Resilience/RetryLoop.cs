using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// Recognises the SF4001 shape: a loop that never ends on its own, whose body calls something inside
    /// try/catch and, on a caught failure, goes round again at once — no delay, no attempt limit, no
    /// breaker, no rethrow/return/break.
    /// </summary>
    internal sealed class RetryLoop
    {
        // Calls that pace a loop: while one of these waits, the loop cannot spin.
        private static readonly HashSet<string> DelayNames = new HashSet<string>
        {
            "Sleep", "Delay", "SpinUntil", "WaitForNextTickAsync", "WaitOne", "WaitAsync", "Wait",
        };

        // Calls that wait for the next item: a worker loop handles a new item each round, not the same call again.
        private static readonly HashSet<string> NextItemNames = new HashSet<string>
        {
            "Take", "TakeAsync", "Receive", "ReceiveAsync", "ReceiveFrom", "ReceiveFromAsync", "Accept", "AcceptAsync",
            "AcceptSocket", "AcceptSocketAsync", "AcceptTcpClient", "AcceptTcpClientAsync", "Dequeue", "DequeueAsync",
            "WaitToReadAsync", "ReadAllAsync", "MoveNextAsync", "ConsumeAsync", "GetConsumingEnumerable", "GetContext", "GetContextAsync",
            "ReadLine", "ReadLineAsync",
        };

        private RetryLoop(ILoopOperation loop, ITryOperation tryOperation, IReadOnlyList<ICatchClauseOperation> continuingCatches, IInvocationOperation retriedCall)
        {
            Loop = loop;
            Try = tryOperation;
            ContinuingCatches = continuingCatches;
            RetriedCall = retriedCall;
        }

        public ILoopOperation Loop { get; }
        public ITryOperation Try { get; }
        /// <summary>The catch clauses after which the loop goes round again.</summary>
        public IReadOnlyList<ICatchClauseOperation> ContinuingCatches { get; }
        /// <summary>The first call in the try block: what is retried.</summary>
        public IInvocationOperation RetriedCall { get; }

        public static RetryLoop? TryMatch(ILoopOperation loop)
        {
            if (!NeverEndsOnItsOwn(loop))
                return null;

            var own = loop.Body.OwnDescendantsAndSelf().ToList();
            if (own.OfType<IInvocationOperation>().Any(IsPacingOrGuarded) || HasAttemptCounter(loop, own))
                return null;

            foreach (var tryOperation in own.OfType<ITryOperation>())
            {
                var calls = tryOperation.Body.OwnDescendantsAndSelf().OfType<IInvocationOperation>().ToList();
                if (calls.Count == 0 || calls.Any(c => NextItemNames.Contains(c.TargetMethod.Name)))
                    continue;
                var continuing = tryOperation.Catches.Where(c => FallsThrough(c.Handler, loop)).ToList();
                if (continuing.Count > 0)
                    return new RetryLoop(loop, tryOperation, continuing, calls[0]);
            }

            return null;
        }

        /// <summary>
        /// <c>while (true)</c>, <c>for (;;)</c>, <c>do … while (true)</c>, or a condition whose variables the body
        /// never writes and that calls nothing (<c>while (!done)</c>, <c>while (!ct.IsCancellationRequested)</c>):
        /// a stop signal, perhaps, but never a bound on attempts.
        /// </summary>
        private static bool NeverEndsOnItsOwn(ILoopOperation loop)
        {
            IOperation? condition;
            IEnumerable<IOperation> writers = loop.Body.OwnDescendantsAndSelf();
            switch (loop)
            {
                case IWhileLoopOperation whileLoop:
                    condition = whileLoop.Condition;
                    break;
                case IForLoopOperation forLoop:
                    condition = forLoop.Condition;
                    writers = writers.Concat(forLoop.AtLoopBottom.SelectMany(o => o.OwnDescendantsAndSelf()));
                    break;
                default:
                    return false; // foreach ends with its collection
            }

            if (condition == null || condition.ConstantValue is { HasValue: true, Value: true })
                return true;
            if (condition.ConstantValue.HasValue || condition.DescendantsAndSelf().Any(o => o is IInvocationOperation || o is IAwaitOperation))
                return false;

            var read = new HashSet<ISymbol>(condition.DescendantsAndSelf().Select(ReferencedSymbol).Where(s => s != null)!, SymbolEqualityComparer.Default);
            return read.Count > 0 && !writers.Any(o => WrittenSymbol(o) is { } written && read.Contains(written));
        }

        private static ISymbol? ReferencedSymbol(IOperation operation) => operation switch
        {
            ILocalReferenceOperation local => local.Local,
            IFieldReferenceOperation field => field.Field,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };

        private static ISymbol? WrittenSymbol(IOperation operation) => operation switch
        {
            IAssignmentOperation assignment => ReferencedSymbol(assignment.Target),
            IIncrementOrDecrementOperation increment => ReferencedSymbol(increment.Target),
            IArgumentOperation { Parameter: { RefKind: RefKind.Ref or RefKind.Out } } argument => ReferencedSymbol(argument.Value),
            _ => null,
        };

        /// <summary>A delay or wait paces the loop; a Polly or Steadfast policy bounds it.</summary>
        private static bool IsPacingOrGuarded(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            if (DelayNames.Contains(method.Name) && (method.Name != "WaitOne" && method.Name != "Wait" || call.Arguments.Length > 0))
                return true;
            var ns = method.ContainingType?.ContainingNamespace?.ToDisplayString() ?? "";
            return ns == "Polly" || ns.StartsWith("Polly.", System.StringComparison.Ordinal)
                || ns == "Steadfast.CircuitBreakers" || ns == "Steadfast.Retry";
        }

        /// <summary>A variable changed in the loop and compared in it: <c>if (++attempt &gt; 5) throw;</c>.</summary>
        private static bool HasAttemptCounter(ILoopOperation loop, List<IOperation> own)
        {
            var counted = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in own)
            {
                if ((operation is IIncrementOrDecrementOperation || operation is ICompoundAssignmentOperation) && WrittenSymbol(operation) is { } symbol)
                    counted.Add(symbol);
            }

            return counted.Count > 0 && own.OfType<IBinaryOperation>().Any(b =>
                (b.OperatorKind == BinaryOperatorKind.LessThan || b.OperatorKind == BinaryOperatorKind.LessThanOrEqual
                 || b.OperatorKind == BinaryOperatorKind.GreaterThan || b.OperatorKind == BinaryOperatorKind.GreaterThanOrEqual
                 || b.OperatorKind == BinaryOperatorKind.Equals)
                && b.DescendantsAndSelf().Any(o => ReferencedSymbol(o) is { } s && counted.Contains(s)));
        }

        /// <summary>The handler can end normally (or `continue`): no throw, return, break, goto or exit anywhere in it.</summary>
        private static bool FallsThrough(IBlockOperation handler, ILoopOperation loop)
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
                    case IInvocationOperation call when call.TargetMethod.Name == "Exit" || call.TargetMethod.Name == "FailFast" || call.TargetMethod.Name == "StopApplication":
                        return false;
                }
            }

            // `throw;` is a statement C# gives no operation of its own in some versions: check the syntax too.
            return !handler.Syntax.DescendantNodes().Any(n => n.RawKind == (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.ThrowStatement);
        }
    }
}
