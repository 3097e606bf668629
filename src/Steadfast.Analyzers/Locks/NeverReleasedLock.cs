using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1003's second shape: a Redis lock taken with no lease (directly, or through a helper of this compilation whose
    /// every take has none) that nothing releases. The method keeps nothing of the acquisition (its result is only
    /// tested), returns nothing, and its type never releases a lock, so after the first run the key stays forever.
    /// A lock with a lease that is never released is left alone: "run at most once per lease" is a common idiom.
    /// </summary>
    internal static class NeverReleasedLock
    {
        // Words a take helper's name carries (AcquireLock, TryTake, ClaimJob, EnterMutex, GetLease).
        private static readonly string[] TakeWords = { "Lock", "Acquire", "Take", "Claim", "Mutex", "Lease" };

        public static void Analyze(OperationAnalysisContext context, IInvocationOperation call, LockModel model)
        {
            var token = context.CancellationToken;
            var name = call.TargetMethod.Name;
            // Cheap name filter first: a lock API, or a method whose name says it takes a lock.
            if (!(LockModel.IsLockApiName(name) || TakeWords.Any(w => name.IndexOf(w, System.StringComparison.Ordinal) >= 0))
                || name.IndexOf("Release", System.StringComparison.Ordinal) >= 0 || name.IndexOf("Unlock", System.StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return;
            }

            var method = context.ContainingSymbol as IMethodSymbol;
            if (method == null || !(method.ReturnsVoid || method.ReturnType is INamedTypeSymbol { Name: "Task" or "ValueTask", IsGenericType: false }))
                return; // something may flow out to a caller that releases
            var acquire = model.AsAcquire(call, token);
            if (acquire == null || acquire.Kind != LockKind.Redis || !OnlyTested(call))
                return;
            var noExpiry = NoExpiry(call, acquire, model, token);
            if (noExpiry == null || ReleasesAnything(LockModel.GetRoot(call), model, token) || TypeReleasesALock(method.ContainingType, token))
                return;
            context.ReportDiagnostic(Diagnostic.Create(
                SF1003LockNotReleasedOnAllPathsAnalyzer.Rule,
                call.Syntax.GetLocation(),
                ImmutableDictionary<string, string?>.Empty.Add(SF1003LockNotReleasedOnAllPathsAnalyzer.ShapeProperty, SF1003LockNotReleasedOnAllPathsAnalyzer.NeverReleasedShape),
                $"'{SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(call)}' takes a Redis lock that never expires ({noExpiry}), and nothing in '{method.Name}' releases it: after the first run the key stays and every later acquisition fails; release it in a finally block and give it a lease"));
        }

        /// <summary>Why the take has no lease: the call itself, or every Redis take in the helper it calls.</summary>
        private static string? NoExpiry(IInvocationOperation call, LockCall acquire, LockModel model, CancellationToken token)
        {
            if (model.AsRedisAcquire(call) is { } direct)
                return direct.IsLockTake || LockModel.HasLockWords(direct.Call, direct.Key, direct.Value) ? SF1002LockAcquiredWithoutExpiryAnalyzer.NoExpiryReason(direct, model, token) : null;
            if (!acquire.IsHelper || call.TargetMethod.OriginalDefinition.DeclaringSyntaxReferences.Length != 1)
                return null;
            var body = LockModel.HelperBody(call.TargetMethod.OriginalDefinition.DeclaringSyntaxReferences[0].GetSyntax(token));
            var semanticModel = body == null ? null : model.SemanticModelFor(body.SyntaxTree, call.SemanticModel);
            if (semanticModel?.GetOperation(body!, token) is not { } operation)
                return null;
            string? reason = null;
            foreach (var inner in operation.DescendantsAndSelf().OfType<IInvocationOperation>())
            {
                if (model.AsRedisAcquire(inner) is not { } take)
                    continue;
                var innerReason = SF1002LockAcquiredWithoutExpiryAnalyzer.NoExpiryReason(take, model, token);
                if (innerReason == null)
                    return null; // some take has a lease
                reason ??= $"'{SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(take.Call)}' in '{call.TargetMethod.Name}': {innerReason}";
            }

            return reason;
        }

        /// <summary>The acquisition's result is only tested (an if, a null or bool check), never kept, passed on or returned.</summary>
        private static bool OnlyTested(IInvocationOperation call)
        {
            IOperation result = call;
            while (result.Parent is IAwaitOperation || result.Parent is IConversionOperation || result.Parent is IParenthesizedOperation)
                result = result.Parent;
            if (IsTest(result))
                return true;
            if (!(result.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }))
                return false;
            var root = LockModel.GetRoot(call);
            var uses = root.Descendants().OfType<ILocalReferenceOperation>().Where(r => SymbolEqualityComparer.Default.Equals(r.Local, declarator.Symbol)).ToList();
            return uses.Count > 0 && uses.All(use =>
            {
                IOperation current = use;
                while (current.Parent is IConversionOperation || current.Parent is IParenthesizedOperation)
                    current = current.Parent;
                return IsTest(current);
            });
        }

        private static bool IsTest(IOperation value) => value.Parent switch
        {
            IConditionalOperation conditional => conditional.Condition == value,
            IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not => IsTest(not),
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } compare =>
                (compare.LeftOperand == value ? compare.RightOperand : compare.LeftOperand).ConstantValue.HasValue && IsTest(compare),
            IIsPatternOperation pattern => IsTest(pattern),
            _ => false,
        };

        private static bool ReleasesAnything(IOperation root, LockModel model, CancellationToken token) =>
            root.Descendants().OfType<IInvocationOperation>().Any(c => model.AsRelease(c, token) != null);

        /// <summary>Any member of the type (any part) calls something named as a release: the lock may be freed elsewhere.</summary>
        private static bool TypeReleasesALock(INamedTypeSymbol? type, CancellationToken token)
        {
            if (type == null)
                return true;
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                foreach (var invocation in reference.GetSyntax(token).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    var name = LockHelperSummaries.InvokedName(invocation.Expression);
                    if (name != null && (name.IndexOf("Release", System.StringComparison.Ordinal) >= 0 || name.IndexOf("Unlock", System.StringComparison.OrdinalIgnoreCase) >= 0
                        || name.StartsWith("KeyDelete", System.StringComparison.Ordinal) || name.StartsWith("Exit", System.StringComparison.Ordinal)))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
