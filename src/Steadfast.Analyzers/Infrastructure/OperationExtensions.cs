using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers
{
    internal static class OperationExtensions
    {
        /// <summary>
        /// The operation and its descendants that run as part of the same function: lambdas and local functions
        /// inside it are skipped (their bodies run at another time, perhaps on another thread).
        /// </summary>
        public static IEnumerable<IOperation> OwnDescendantsAndSelf(this IOperation root)
        {
            var stack = new Stack<IOperation>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                var operation = stack.Pop();
                yield return operation;
                foreach (var child in operation.ChildOperations)
                {
                    if (!(child is IAnonymousFunctionOperation) && !(child is ILocalFunctionOperation))
                        stack.Push(child);
                }
            }
        }
    }
}
