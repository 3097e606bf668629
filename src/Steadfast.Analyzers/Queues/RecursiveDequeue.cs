using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// Recognises the SF2001 shape — a function that takes something (a pop), and when it comes back empty
    /// sleeps and calls itself — and hands its parts to the analyzer and the fix.
    /// </summary>
    internal sealed class RecursiveDequeue
    {
        private RecursiveDequeue(IInvocationOperation recursiveCall, IMethodSymbol function, IOperation functionBody, IInvocationOperation sleep)
        {
            RecursiveCall = recursiveCall;
            Function = function;
            FunctionBody = functionBody;
            Sleep = sleep;
        }

        /// <summary>The call of the function to itself.</summary>
        public IInvocationOperation RecursiveCall { get; }
        /// <summary>The function called recursively (a method or a local function).</summary>
        public IMethodSymbol Function { get; }
        public IOperation FunctionBody { get; }
        /// <summary>The Thread.Sleep / Task.Delay that runs before the recursive call.</summary>
        public IInvocationOperation Sleep { get; }

        public static RecursiveDequeue? TryMatch(IInvocationOperation call, ISymbol containingSymbol, QueueSymbols symbols)
        {
            var target = call.TargetMethod.OriginalDefinition;
            foreach (var (function, body) in EnclosingFunctions(call, containingSymbol))
            {
                if (!SymbolEqualityComparer.Default.Equals(function.OriginalDefinition, target))
                    continue;
                var sleep = SleepBefore(call, symbols);
                if (sleep == null || body == null || !TakesAndTestsForEmpty(body, symbols))
                    return null;
                return new RecursiveDequeue(call, function, body, sleep);
            }

            return null;
        }

        /// <summary>The innermost function first, then the ones around it (a local function may call its host).</summary>
        private static IEnumerable<(IMethodSymbol Function, IOperation? Body)> EnclosingFunctions(IOperation operation, ISymbol containingSymbol)
        {
            IOperation? root = operation;
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                root = current;
                if (current is ILocalFunctionOperation localFunction)
                    yield return (localFunction.Symbol, (IOperation?)localFunction.Body ?? localFunction.IgnoredBody);
                else if (current is IAnonymousFunctionOperation)
                    yield break; // a lambda cannot call itself by name; stop at it
            }

            if (containingSymbol is IMethodSymbol method)
                yield return (method, root);
        }

        /// <summary>A sleep or delay in an earlier statement of the block the recursive call is in (or of a block around it).</summary>
        private static IInvocationOperation? SleepBefore(IOperation call, QueueSymbols symbols)
        {
            IOperation current = call;
            while (current.Parent != null && !(current.Parent is IAnonymousFunctionOperation) && !(current.Parent is ILocalFunctionOperation))
            {
                if (current.Parent is IBlockOperation block)
                {
                    foreach (var statement in block.Operations)
                    {
                        if (statement == current)
                            break;
                        var sleep = statement.DescendantsAndSelf().OfType<IInvocationOperation>().FirstOrDefault(symbols.IsSleepOrDelay);
                        if (sleep != null)
                            return sleep;
                    }
                }

                current = current.Parent;
            }

            return null;
        }

        /// <summary>
        /// The function takes something and tests it for empty: a Redis list pop or a Steadfast dequeue, or a
        /// local holding any call's result that a condition checks with == null, is null, IsNull, HasValue,
        /// IsNullOrEmpty, Length or Count.
        /// </summary>
        private static bool TakesAndTestsForEmpty(IOperation body, QueueSymbols symbols)
        {
            var fromCalls = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in body.OwnDescendantsAndSelf())
            {
                switch (operation)
                {
                    case IInvocationOperation call when QueueSymbols.IsRedisListPop(call) || IsReliableDequeue(call, symbols):
                        return true;
                    case IVariableDeclaratorOperation declarator when IsCallResult(declarator.GetVariableInitializer()?.Value):
                        fromCalls.Add(declarator.Symbol);
                        break;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when IsCallResult(assignment.Value):
                        fromCalls.Add(local.Local);
                        break;
                }
            }

            // A Try… call tested directly (`if (!queue.TryDequeue(out var item))`), or a value from a call tested for empty.
            return body.OwnDescendantsAndSelf().OfType<IConditionalOperation>().Any(conditional => conditional.Condition.DescendantsAndSelf().Any(test =>
                (test is IInvocationOperation attempt && attempt.TargetMethod.Name.StartsWith("Try", System.StringComparison.Ordinal)
                    && attempt.TargetMethod.ReturnType.SpecialType == SpecialType.System_Boolean)
                || (fromCalls.Count > 0 && IsEmptinessTestOf(test, fromCalls))));
        }

        internal static bool IsReliableDequeue(IInvocationOperation call, QueueSymbols symbols) =>
            symbols.ReliableQueue != null && call.TargetMethod.Name == "DequeueAsync"
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType.OriginalDefinition, symbols.ReliableQueue);

        private static bool IsCallResult(IOperation? value)
        {
            value = Unwrap(value);
            if (value is IAwaitOperation awaited)
                value = Unwrap(awaited.Operation);
            return value is IInvocationOperation;
        }

        private static bool IsEmptinessTestOf(IOperation test, HashSet<ILocalSymbol> locals)
        {
            bool IsTracked(IOperation? operation) => Unwrap(operation) is ILocalReferenceOperation reference && locals.Contains(reference.Local);
            bool IsNullLiteral(IOperation? operation) => Unwrap(operation)?.ConstantValue is { HasValue: true, Value: null };

            switch (test)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                    return (IsTracked(binary.LeftOperand) && IsNullLiteral(binary.RightOperand))
                        || (IsTracked(binary.RightOperand) && IsNullLiteral(binary.LeftOperand));
                case IIsPatternOperation pattern:
                    return IsTracked(pattern.Value);
                case IPropertyReferenceOperation property:
                    return IsTracked(property.Instance)
                        && (property.Property.Name == "IsNull" || property.Property.Name == "HasValue" || property.Property.Name == "IsNullOrEmpty"
                            || property.Property.Name == "Length" || property.Property.Name == "Count" || property.Property.Name == "IsEmpty");
                case IInvocationOperation call:
                    return call.TargetMethod.Name.StartsWith("IsNull", System.StringComparison.Ordinal) && call.Arguments.Any(a => IsTracked(a.Value));
                default:
                    return false;
            }
        }

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
                operation = conversion.Operand;
            return operation;
        }
    }
}
