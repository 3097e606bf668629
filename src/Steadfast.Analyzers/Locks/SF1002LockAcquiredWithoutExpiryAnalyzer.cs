using System.Collections.Immutable;
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
            if (acquire.Expiry == null)
                return acquire.IsExecute ? "no EX or PX argument" : "no expiry argument";
            return IsNoExpiry(acquire.Expiry, model, cancellationToken, 0);
        }

        private static string? IsNoExpiry(IOperation expiry, LockModel model, System.Threading.CancellationToken cancellationToken, int depth)
        {
            var value = LockModel.Unwrap(expiry);
            if (value == null || depth > 4)
                return null;
            if (value.ConstantValue.HasValue && value.ConstantValue.Value == null)
                return "the expiry is null";
            if (value is IDefaultValueOperation)
                return value.Type?.IsValueType == true && value.Type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T ? "the expiry is zero" : "the expiry is null";
            switch (value)
            {
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
