using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>Where an operation runs: the innermost method, local function or lambda around it.</summary>
    internal static class FunctionContext
    {
        /// <summary>The innermost function symbol enclosing the operation (lambda, local function, else the member).</summary>
        public static IMethodSymbol? EnclosingFunction(IOperation operation, ISymbol containingSymbol)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation lambda)
                    return lambda.Symbol;
                if (current is ILocalFunctionOperation localFunction)
                    return localFunction.Symbol;
            }

            return containingSymbol as IMethodSymbol;
        }

        /// <summary>The innermost loop around the operation within its own function, if any.</summary>
        public static ILoopOperation? EnclosingLoop(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is ILoopOperation loop)
                    return loop;
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                    return null;
            }

            return null;
        }

        /// <summary>True when the operation sits inside a <c>lock</c> statement of its own function (await is not allowed there).</summary>
        public static bool IsInsideLockStatement(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is ILockOperation)
                    return true;
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                    return false;
            }

            return false;
        }
    }
}
