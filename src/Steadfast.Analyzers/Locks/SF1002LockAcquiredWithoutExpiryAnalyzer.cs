using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1002: a Redis lock taken with no expiry (SET NX without EX/PX, StringSet NX with the expiry left out, null,
    /// zero or infinite, LockTake with a zero or infinite expiry). If the holder crashes the key stays forever and
    /// nobody takes the lock again.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF1002LockAcquiredWithoutExpiryAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.LockAcquiredWithoutExpiry,
            title: "Lock acquired without expiry",
            messageFormat: "'{0}' takes a lock that never expires ({1}); a holder that crashes blocks every other client forever, so give the lock a lease",
            description: "A distributed lock key set with NX and no expiry outlives the process that set it: after a crash, a kill or a network partition nobody can take the lock again until someone deletes the key by hand. Give every lock a lease (EX/PX, the expiry of StringSet/LockTake) and renew it while the work runs, or use Steadfast's IDistributedLockProvider, which leases and renews automatically.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = LockModel.Create(start.Compilation);
                if (model == null || !model.HasRedis)
                    return;
                start.RegisterOperationAction(c => Analyze(c, model), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, LockModel model)
        {
            var acquire = model.AsRedisAcquire(context.Operation);
            if (acquire == null)
                return;
            var reason = NoExpiryReason(acquire, model, context.CancellationToken);
            if (reason == null)
                return;
            var name = acquire.Call.TargetMethod.Name;
            context.ReportDiagnostic(Diagnostic.Create(Rule, acquire.Call.Syntax.GetLocation(), name, reason));
        }

        /// <summary>Why the acquire has no expiry, or null when it has one (or one we cannot judge).</summary>
        internal static string? NoExpiryReason(RedisAcquire acquire, LockModel model, System.Threading.CancellationToken cancellationToken)
        {
            string? reason;
            if (acquire.Expiry == null)
            {
                reason = acquire.Call.TargetMethod.Name.StartsWith("HashSet", System.StringComparison.Ordinal) ? "HSETNX claims a hash field, which has no expiry of its own"
                    : acquire.Call.TargetMethod.Name.StartsWith("StringGetSet", System.StringComparison.Ordinal) ? "GETSET takes no expiry"
                    : acquire.IsExecute && LockModel.IsConstantString(acquire.Call.Arguments[0].Value, "SETNX") ? "SETNX takes no expiry"
                    : acquire.IsExecute ? "no EX or PX argument" : "no expiry argument";
            }
            else
            {
                reason = IsNoExpiry(acquire.Expiry, model, cancellationToken, 0);
            }

            if (reason != null && RepairsAMissingExpiry(acquire, model, cancellationToken))
                return null;
            if (reason != null && ExpiredSeparately(acquire, model, cancellationToken) is { } expire)
                reason += $"; the '{SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(expire)}' after it is a separate command, and a crash between the two leaves the lock forever: set the expiry in the same SET NX PX command";
            return reason;
        }

        /// <summary>A KeyExpire of the same key later in the same function: SETNX then EXPIRE, two commands where one is needed.</summary>
        private static IInvocationOperation? ExpiredSeparately(RedisAcquire acquire, LockModel model, System.Threading.CancellationToken cancellationToken)
        {
            var identity = model.ValueFlow.Identity(acquire.Key, cancellationToken);
            foreach (var candidate in LockModel.DescendantsInSameFunction(LockModel.GetFunction(acquire.Call)).OfType<IInvocationOperation>())
            {
                if (candidate.Syntax.SpanStart <= acquire.Call.Syntax.SpanStart || !candidate.TargetMethod.Name.StartsWith("KeyExpire", System.StringComparison.Ordinal)
                    || !model.IsRedisDatabaseMethod(candidate.TargetMethod) || candidate.Arguments.Length == 0)
                {
                    continue;
                }

                var key = LockModel.Argument(candidate, "key");
                var expireIdentity = model.ValueFlow.Identity(key, cancellationToken);
                if (identity != null && expireIdentity == identity)
                    return candidate;
            }

            return null;
        }

        /// <summary>
        /// The function that takes the lock also reads the key's TTL and, when the key has none, gives it one (KeyExpire
        /// under a condition on KeyTimeToLive of the same key): a contender repairs a lock its holder left without a lease,
        /// so a crash between SET NX and EXPIRE does not hold the lock forever.
        /// </summary>
        private static bool RepairsAMissingExpiry(RedisAcquire acquire, LockModel model, System.Threading.CancellationToken cancellationToken)
        {
            var identity = model.ValueFlow.Identity(acquire.Key, cancellationToken);
            if (identity == null)
                return false;
            foreach (var conditional in LockModel.DescendantsInSameFunction(LockModel.GetFunction(acquire.Call)).OfType<IConditionalOperation>())
            {
                var readsTtl = conditional.Condition.DescendantsAndSelf().OfType<IInvocationOperation>().Any(c =>
                    c.TargetMethod.Name.StartsWith("KeyTimeToLive", System.StringComparison.Ordinal) && model.IsRedisDatabaseMethod(c.TargetMethod)
                    && model.ValueFlow.Identity(LockModel.Argument(c, "key"), cancellationToken) == identity);
                if (!readsTtl)
                    continue;
                var setsExpiry = conditional.WhenTrue.DescendantsAndSelf().OfType<IInvocationOperation>().Any(c =>
                    c.TargetMethod.Name.StartsWith("KeyExpire", System.StringComparison.Ordinal) && model.IsRedisDatabaseMethod(c.TargetMethod)
                    && model.ValueFlow.Identity(LockModel.Argument(c, "key"), cancellationToken) == identity);
                if (setsExpiry)
                    return true;
            }

            return false;
        }

        private static string? IsNoExpiry(IOperation expiry, LockModel model, System.Threading.CancellationToken cancellationToken, int depth)
        {
            var value = LockModel.Unwrap(expiry);
            if (value == null || depth > 4)
                return null;
            if (value.ConstantValue.HasValue && value.ConstantValue.Value == null)
                return "the expiry is null";
            if (value is IDefaultValueOperation && value.Type?.Name != "Expiration")
                return value.Type?.IsValueType == true && value.Type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T ? "the expiry is zero" : "the expiry is null";
            switch (value)
            {
                // StringSet(key, value, Expiration.Default, ValueCondition.NotExists): the newer overload's "no expiry".
                case IPropertyReferenceOperation { Property: { IsStatic: true, Name: "Default" or "Persist" or "KeepTtl" } property }
                    when property.ContainingType?.Name == "Expiration" && property.ContainingType.ContainingNamespace?.ToDisplayString() == "StackExchange.Redis":
                    return $"the expiry is Expiration.{property.Name}, which sets none";
                case IDefaultValueOperation { Type: { Name: "Expiration" } }:
                    return "the expiry is default(Expiration), which sets none";
                case IFieldReferenceOperation { Field: { IsStatic: true } field }
                    when SymbolEqualityComparer.Default.Equals(field.ContainingType, model.TimeSpan) || SymbolEqualityComparer.Default.Equals(field.ContainingType, model.Timeout):
                    return field.Name == "Zero" ? "the expiry is TimeSpan.Zero"
                        : field.Name == "MaxValue" || field.Name == "InfiniteTimeSpan" ? $"the expiry is {field.ContainingType.Name}.{field.Name}"
                        : null;
                case IInvocationOperation { Instance: null } call when SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, model.TimeSpan)
                    && call.TargetMethod.Name.StartsWith("From", System.StringComparison.Ordinal) && call.Arguments.Length == 1
                    && call.Arguments[0].Value.ConstantValue is { HasValue: true } constant && IsZero(constant.Value):
                    return "the expiry is zero";
                case ILocalReferenceOperation local:
                    var writes = LockValueFlow.LocalWrites(local.Local, LockModel.GetRoot(value), cancellationToken);
                    if (writes == null || writes.Count == 0)
                        return null;
                    string? first = null;
                    foreach (var write in writes)
                    {
                        var reason = IsNoExpiry(write, model, cancellationToken, depth + 1);
                        if (reason == null)
                            return null;
                        first = first ?? reason;
                    }

                    return first;
                default:
                    return null;
            }
        }

        private static bool IsZero(object? value) => value switch
        {
            int i => i == 0,
            long l => l == 0,
            double d => d == 0,
            _ => false,
        };
    }
}
