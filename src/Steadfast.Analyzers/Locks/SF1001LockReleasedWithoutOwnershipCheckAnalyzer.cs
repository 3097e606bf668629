using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1001: a Redis lock whose owner cannot be told apart. The value taken with SET NX / LockTake, or fed to the
    /// compare-and-delete that releases it, is the same for every acquisition (a literal, a constant, a static member,
    /// the machine name …, followed through locals, fields, parameters and helpers); or the lock key is deleted
    /// without comparing the value at all.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF1001LockReleasedWithoutOwnershipCheckAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Property naming what the diagnostic is about: <see cref="ValueShape"/> or <see cref="DeleteShape"/>.</summary>
        public const string ShapeProperty = "Shape";
        public const string ValueShape = "Value";
        public const string DeleteShape = "Delete";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.LockReleasedWithoutOwnershipCheck,
            title: "Lock released without an ownership check",
            messageFormat: "{0}",
            description: "A distributed lock must be released only by the client that holds it. When the lock value is the same for every acquisition (a literal, an empty string, a constant, a static field, the machine name) or the key is deleted without comparing the value, a client whose lease expired deletes the lock a second client now holds, and two clients run the critical section at once. Take the lock with a token unique to the acquisition and release it with LockRelease(key, token), or use Steadfast's IDistributedLockProvider.");

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
                start.RegisterOperationAction(c => AnalyzeInvocation(c, model), OperationKind.Invocation);
            });
        }

        private static void AnalyzeInvocation(OperationAnalysisContext context, LockModel model)
        {
            var call = (IInvocationOperation)context.Operation;
            var token = context.CancellationToken;
            var acquire = model.AsRedisAcquire(call);
            if (acquire != null)
            {
                ReportValue(context, model, acquire.Value, "takes the lock with");
                return;
            }

            if (!model.IsRedisRelease(call, out var key, out var value) || key == null)
                return;
            if (value != null)
            {
                ReportValue(context, model, value, "releases the lock by comparing with");
                return;
            }

            if (!model.IsKeyDelete(call) || IsConditionedTransaction(call, model))
                return;
            if (!model.ValueFlow.IsLockKey(key, call, token, out var acquiredAt))
                return;

            var checkedFirst = IsGuardedByGet(call, model);
            var message = checkedFirst
                ? $"'{call.Syntax}' deletes the lock key after reading and comparing its value in a separate command; the lock can change hands in between. Release with LockRelease(key, token) or one compare-and-delete script."
                : $"'{call.Syntax}' deletes the lock key without checking that this caller still owns the lock; release with LockRelease(key, token).";
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                call.Syntax.GetLocation(),
                acquiredAt == null ? null : new[] { acquiredAt.GetLocation() },
                ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, DeleteShape),
                message));
        }

        private static void ReportValue(OperationAnalysisContext context, LockModel model, IOperation value, string verb)
        {
            var origin = model.ValueFlow.Classify(value, context.CancellationToken);
            if (origin.Uniqueness != Uniqueness.NonUnique)
                return;
            var valueSyntax = LockModel.Unwrap(value)!.Syntax;
            IEnumerable<Location>? additional = null;
            // The origin may sit in another file of the compilation (the helper's caller, the field's declaration).
            if (origin.Origin != null && !(origin.Origin.Span.Equals(valueSyntax.Span) && origin.Origin.SyntaxTree == valueSyntax.SyntaxTree))
                additional = new[] { origin.Origin.GetLocation() };
            var message = additional != null
                ? $"'{context.Operation.Syntax.ToString().Split('(')[0]}' {verb} '{valueSyntax}', which comes from '{origin.Origin}': {origin.Reason}. Any client can release it; use a token unique to this acquisition."
                : $"'{context.Operation.Syntax.ToString().Split('(')[0]}' {verb} '{valueSyntax}': {origin.Reason}. Any client can release it; use a token unique to this acquisition.";
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                valueSyntax.GetLocation(),
                additional,
                ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, ValueShape),
                message));
        }

        /// <summary>KeyDelete queued on a transaction that has a condition (Condition.StringEqual): atomic, fine.</summary>
        private static bool IsConditionedTransaction(IInvocationOperation call, LockModel model)
        {
            var receiverType = call.Instance?.Type;
            if (receiverType == null || model.Transaction == null || !receiverType.AllInterfaces.Concat(new[] { receiverType }).Any(t => SymbolEqualityComparer.Default.Equals(t, model.Transaction)))
                return false;
            return LockModel.GetRoot(call).Descendants().OfType<IInvocationOperation>().Any(i => i.TargetMethod.Name == "AddCondition");
        }

        /// <summary>KeyDelete inside an if whose condition reads the key (GET, compare, DEL): not atomic.</summary>
        private static bool IsGuardedByGet(IInvocationOperation call, LockModel model)
        {
            for (var current = call.Parent; current != null; current = current.Parent)
            {
                if (current is IConditionalOperation conditional && ReadsKey(conditional.Condition, model, call))
                    return true;
            }

            return false;
        }

        // db.StringGet(key) == token, or a local that holds it: var current = db.StringGet(key); if (current == token) …
        private static bool ReadsKey(IOperation condition, LockModel model, IOperation at)
        {
            foreach (var operation in condition.DescendantsAndSelf())
            {
                var value = operation is ILocalReferenceOperation local
                    ? LockValueFlow.LocalWrites(local.Local, LockModel.GetRoot(at), default)?.FirstOrDefault()
                    : operation;
                value = value is IAwaitOperation awaited ? awaited.Operation : value;
                if (LockModel.Unwrap(value) is IInvocationOperation read && read.TargetMethod.Name.StartsWith("StringGet", System.StringComparison.Ordinal) && model.IsRedisDatabaseMethod(read.TargetMethod))
                    return true;
            }

            return false;
        }
    }
}
