using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1004: the result of a try-acquire (LockTake, SET NX, Monitor.TryEnter, SemaphoreSlim.Wait(timeout),
    /// Mutex.WaitOne(timeout), SpinLock.TryEnter, an acquire helper) is thrown away, or kept but never consulted, so
    /// the critical section runs whether or not the lock was taken; or a finally releases it unconditionally, which
    /// for a failed acquire frees a lock another caller holds.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF1004LockAcquisitionResultIgnoredAnalyzer : DiagnosticAnalyzer
    {
        public const string ShapeProperty = "Shape";
        public const string DiscardedShape = "Discarded";
        public const string UnreadLocalShape = "UnreadLocal";
        public const string FinallyShape = "Finally";
        /// <summary>A Steadfast TryAcquire handle discarded or never tested for null (no automatic fix: the handle has to be kept and disposed).</summary>
        public const string NullableHandleShape = "NullableHandle";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.LockAcquisitionResultIgnored,
            title: "Lock acquisition result ignored",
            messageFormat: "{0}",
            description: "A try-acquire returns false when the lock is held by someone else or the wait timed out. Ignoring that result runs the critical section without the lock; releasing in a finally regardless of it frees a lock another caller holds (or throws SynchronizationLockException, or over-releases a semaphore). Check the result and leave when it is false, and release only what was acquired.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var provider = start.Compilation.GetBestTypeByMetadataName("Steadfast.Locks.IDistributedLockProvider");
                if (provider != null)
                    start.RegisterOperationAction(c => AnalyzeSteadfastTryAcquire(c, provider), OperationKind.Invocation);
                var model = LockModel.Create(start.Compilation);
                if (model == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, model), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, LockModel model)
        {
            var call = (IInvocationOperation)context.Operation;
            var token = context.CancellationToken;
            // Every finding below needs an acquire that reports success (or TryEnter with a ref flag, a lock API name).
            if (!LockModel.CanReportSuccess(call.TargetMethod))
                return;
            var acquire = model.AsAcquire(call, token);
            if (acquire == null)
                return;
            var name = SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(call);

            // Wait(Timeout.Infinite), WaitToProceed(-1): a try-acquire told to wait forever always succeeds.
            if (acquire.Kind != LockKind.Redis && call.Arguments.Any(a => IsInfiniteTimeout(a.Value)))
                return;

            if (acquire.ReturnsSuccess)
            {
                var result = call.Parent is IAwaitOperation awaited ? (IOperation)awaited : call;
                var parent = result.Parent;
                while (parent is IConversionOperation)
                {
                    result = parent;
                    parent = parent.Parent;
                }

                if (parent is IExpressionStatementOperation || (parent is ISimpleAssignmentOperation { Target: IDiscardOperation }))
                {
                    Report(context, call, DiscardedShape, $"The result of '{name}' is discarded, so the code after it runs whether or not the lock was taken; check it and leave when it is false");
                    return;
                }

                // `if (taken = TryEnter(…))`: the assignment's own value is tested.
                var assignmentUsed = parent is ISimpleAssignmentOperation { Parent: not IExpressionStatementOperation };
                if (!assignmentUsed && StoredLocal(result) is { } local && !IsRead(local, call, model, token))
                {
                    Report(context, call, UnreadLocalShape, GatesOnlyTheRelease(local, call, model, token)
                        ? $"'{local.Name}' holds whether '{name}' took the lock but only decides the release in the finally, so the code after it runs either way; leave when it is false"
                        : $"'{local.Name}' holds whether '{name}' took the lock but is never checked, so the code after it runs either way; leave when it is false");
                    return;
                }
            }
            else if (IsRefFlagIgnored(call, model, token, out var flag))
            {
                Report(context, call, UnreadLocalShape, $"'{flag!.Name}' says whether '{name}' took the lock but is never checked, so the code after it runs either way; leave when it is false");
                return;
            }

            if ((acquire.ReturnsSuccess || IsTryWithRef(call)) && UngatedFinallyRelease(acquire, model, token) is { } release)
            {
                Report(context, call, FinallyShape, $"The finally block releases with '{SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(release)}' even when '{name}' failed, {WhatAFailedReleaseDoes(acquire.Kind)}; release only if it was acquired");
            }
        }

        private static bool IsInfiniteTimeout(IOperation value)
        {
            value = LockModel.Unwrap(value)!;
            if (value.ConstantValue is { HasValue: true, Value: int milliseconds } && milliseconds == -1)
                return true;
            return value is IFieldReferenceOperation { Field: { Name: "Infinite" or "InfiniteTimeSpan", ContainingType: { Name: "Timeout" } } }
                || value is IPropertyReferenceOperation { Property: { Name: "InfiniteTimeSpan", ContainingType: { Name: "Timeout" } } };
        }

        /// <summary>What releasing a lock this caller does not hold does, per kind.</summary>
        private static string WhatAFailedReleaseDoes(LockKind kind) => kind switch
        {
            LockKind.Monitor => "which throws SynchronizationLockException (this thread does not own the monitor) and hides what happened in the try; it frees nothing",
            LockKind.ReaderWriterLockSlim => "which throws SynchronizationLockException (this thread does not hold the lock) and hides what happened in the try",
            LockKind.Mutex => "which throws ApplicationException (this thread does not own the mutex) and hides what happened in the try",
            LockKind.SpinLock => "which throws SynchronizationLockException (this thread does not hold the spin lock) and hides what happened in the try",
            LockKind.SemaphoreSlim => "which adds a slot the semaphore never gave out and lets one caller too many in",
            _ => "freeing a lock another caller holds",
        };

        /// <summary>
        /// Steadfast's own <c>TryAcquire</c>/<c>TryAcquireAsync</c> return null when the lock is busy: a handle that is
        /// discarded, or kept and never tested for null, lets the critical section run without the lock.
        /// </summary>
        private static void AnalyzeSteadfastTryAcquire(OperationAnalysisContext context, INamedTypeSymbol provider)
        {
            var call = (IInvocationOperation)context.Operation;
            var method = call.TargetMethod;
            if ((method.Name != "TryAcquireAsync" && method.Name != "TryAcquire") || method.ContainingType == null
                || !(SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, provider) || method.ContainingType.AllInterfaces.Contains(provider, SymbolEqualityComparer.Default)))
            {
                return;
            }

            var name = SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(call);
            IOperation result = call;
            var parent = call.Parent;
            while (parent is IConversionOperation || parent is IAwaitOperation || parent is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } })
            {
                result = parent;
                parent = parent.Parent;
            }

            if (parent is IExpressionStatementOperation || (parent is ISimpleAssignmentOperation { Target: IDiscardOperation }))
            {
                Report(context, call, NullableHandleShape, $"The handle '{name}' returns is discarded: it is null when the lock is busy, so the code after it runs without the lock, and when it was taken nothing releases it; keep it in 'await using', test it for null and leave");
                return;
            }

            if (StoredLocal(result) is { } local && !IsNullTested(local, call, context.CancellationToken))
                Report(context, call, NullableHandleShape, $"'{local.Name}' is null when '{name}' did not get the lock, but it is never tested for null, so the code after it runs either way; leave when it is null");
        }

        private static bool IsNullTested(ILocalSymbol local, IOperation at, CancellationToken cancellationToken)
        {
            foreach (var reference in LockModel.GetRoot(at).Descendants().OfType<ILocalReferenceOperation>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!SymbolEqualityComparer.Default.Equals(reference.Local, local) || reference.IsDeclaration)
                    continue;
                var parent = reference.Parent;
                while (parent is IConversionOperation)
                    parent = parent.Parent;
                switch (parent)
                {
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals }:
                    case IIsPatternOperation _:
                    case IConditionalAccessOperation _:
                    case ICoalesceOperation _:
                    case IArgumentOperation _: // handed to code of its own, which decides
                    case IReturnOperation _:
                    case ISimpleAssignmentOperation { Target: not ILocalReferenceOperation }:
                        return true;
                }
            }

            return false;
        }

        private static void Report(OperationAnalysisContext context, IInvocationOperation call, string shape, string message) =>
            context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape), message));

        private static ILocalSymbol? StoredLocal(IOperation result) => result.Parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == result => target.Local,
            _ => null,
        };

        /// <summary>Some read of the local gates a release in a finally (and, since it is not read otherwise, nothing else).</summary>
        private static bool GatesOnlyTheRelease(ILocalSymbol local, IOperation at, LockModel model, CancellationToken cancellationToken) =>
            LockModel.GetRoot(at).Descendants().OfType<ILocalReferenceOperation>()
                .Any(r => SymbolEqualityComparer.Default.Equals(r.Local, local) && IsReleaseGate(r, model, cancellationToken));

        /// <summary>
        /// <c>finally { if (taken) Release(); }</c>: the read decides whether to release, which is right, but it does not
        /// keep the critical section from running when the lock was not taken.
        /// </summary>
        private static bool IsReleaseGate(IOperation reference, LockModel model, CancellationToken cancellationToken)
        {
            IOperation current = reference;
            while (current.Parent != null && !(current.Parent is IConditionalOperation))
            {
                if (current.Parent is IBlockOperation || current.Parent is IAnonymousFunctionOperation)
                    return false;
                current = current.Parent;
            }

            if (!(current.Parent is IConditionalOperation conditional) || conditional.Condition != current || !LockModel.IsInFinally(conditional, out _))
                return false;
            return conditional.WhenTrue.DescendantsAndSelf().OfType<IInvocationOperation>().Any(c => model.AsRelease(c, cancellationToken) != null);
        }

        /// <summary>Something runs after the acquire that is not in a finally and not a release: a critical section.</summary>
        private static bool CriticalSectionFollows(IOperation acquire, LockModel model, CancellationToken cancellationToken) =>
            LockModel.DescendantsInSameFunction(LockModel.GetFunction(acquire)).Any(o =>
                (o is IInvocationOperation || o is IObjectCreationOperation || o is IAwaitOperation || o is IAssignmentOperation { Target: not ILocalReferenceOperation })
                && o.Syntax.SpanStart > acquire.Syntax.Span.End && !LockModel.IsInFinally(o, out _)
                && !(o is IInvocationOperation invocation && model.AsRelease(invocation, cancellationToken) != null));

        private static bool IsRead(ILocalSymbol local, IOperation at, LockModel model, CancellationToken cancellationToken)
        {
            foreach (var reference in LockModel.GetRoot(at).Descendants().OfType<ILocalReferenceOperation>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!SymbolEqualityComparer.Default.Equals(reference.Local, local) || reference.IsDeclaration)
                    continue;
                if (reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference)
                    continue;
                if (reference.Parent is IArgumentOperation { Parameter: { RefKind: RefKind.Out } })
                    continue;
                if (reference.Parent is IArgumentOperation { Parameter: { RefKind: RefKind.Ref } } argument && argument.Parent == at)
                    continue;
                if (IsOnlyLogged(reference) || (IsReleaseGate(reference, model, cancellationToken) && CriticalSectionFollows(at, model, cancellationToken)))
                    continue;
                return true;
            }

            return false;
        }

        /// <summary>
        /// The read only goes into a log line or console output (<c>logger.LogInformation("took: {Taken}", taken)</c>,
        /// <c>Console.WriteLine($"lock {taken}")</c>): printing the result does not act on it.
        /// </summary>
        private static bool IsOnlyLogged(IOperation reference)
        {
            for (var current = reference.Parent; current != null; current = current.Parent)
            {
                switch (current)
                {
                    case IConversionOperation _:
                    case IInterpolationOperation _:
                    case IInterpolatedStringOperation _:
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } when current.Type?.SpecialType == SpecialType.System_String:
                    case IArgumentOperation _:
                    case IArrayInitializerOperation _:
                    case IArrayCreationOperation _:
                        continue;
                    case IInvocationOperation log:
                        return IsLogging(log.TargetMethod);
                    default:
                        return false;
                }
            }

            return false;
        }

        private static bool IsLogging(IMethodSymbol method) => LockModel.IsLogging(method);

        private static bool IsTryWithRef(IInvocationOperation call) =>
            call.TargetMethod.Name == "TryEnter" && call.TargetMethod.Parameters.Any(p => p.RefKind == RefKind.Ref);

        /// <summary>Monitor.TryEnter(o, ref taken) / SpinLock.TryEnter(ref taken) with <c>taken</c> never read afterwards.</summary>
        private static bool IsRefFlagIgnored(IInvocationOperation call, LockModel model, CancellationToken cancellationToken, out ILocalSymbol? flag)
        {
            flag = null;
            if (!IsTryWithRef(call))
                return false;
            var argument = call.Arguments.FirstOrDefault(a => a.Parameter?.RefKind == RefKind.Ref);
            if (!(argument?.Value is ILocalReferenceOperation local))
                return false;
            flag = local.Local;
            return !IsRead(local.Local, call, model, cancellationToken);
        }

        /// <summary>
        /// A release of the same lock in a finally after the acquire that does not sit under a condition. Redis releases
        /// that compare the value (LockRelease, compare-and-delete) cannot free another holder's lock and are not counted.
        /// </summary>
        private static IInvocationOperation? UngatedFinallyRelease(LockCall acquire, LockModel model, CancellationToken cancellationToken)
        {
            var function = LockModel.GetFunction(acquire.Call);
            var identity = model.ValueFlow.Identity(acquire.Target, cancellationToken);
            foreach (var candidate in LockModel.DescendantsInSameFunction(function).OfType<IInvocationOperation>())
            {
                if (candidate.Syntax.SpanStart <= acquire.Call.Syntax.SpanStart || !LockModel.IsInFinally(candidate, out var @try))
                    continue;
                // The acquire is inside that try: the finally runs when it failed too.
                if (!@try!.Body.Syntax.Span.Contains(acquire.Call.Syntax.Span))
                    continue;
                var release = model.AsRelease(candidate, cancellationToken);
                if (release == null || release.Kind != acquire.Kind || !SameReaderWriterMode(acquire.Call.TargetMethod.Name, candidate.TargetMethod.Name))
                    continue;
                if (release.Kind == LockKind.Redis && !release.IsHelper && !model.IsKeyDelete(candidate))
                    continue;
                var releaseIdentity = model.ValueFlow.Identity(release.Target, cancellationToken);
                if (identity != null && releaseIdentity != null && identity != releaseIdentity)
                    continue;
                // KeyDelete deletes any key: it releases this lock only when it is known to delete the key that was taken.
                if (model.IsKeyDelete(candidate) && (identity == null || releaseIdentity == null))
                    continue;
                if (IsGated(candidate, @try))
                    continue;
                return candidate;
            }

            return null;
        }

        /// <summary>
        /// ReaderWriterLockSlim: TryEnterWriteLock pairs with ExitWriteLock only. An ExitUpgradeableReadLock in the outer
        /// finally releases the upgradeable lock taken before, not the write lock tried inside it.
        /// </summary>
        private static bool SameReaderWriterMode(string acquireName, string releaseName)
        {
            static string? Mode(string name, string prefix) =>
                name.StartsWith(prefix, System.StringComparison.Ordinal) && name.EndsWith("Lock", System.StringComparison.Ordinal) && name.Length > prefix.Length + "Lock".Length
                    ? name.Substring(prefix.Length)
                    : null;
            var acquired = Mode(acquireName, "TryEnter") ?? Mode(acquireName, "Enter");
            var released = Mode(releaseName, "Exit");
            return acquired == null || released == null || acquired == released;
        }

        private static bool IsGated(IOperation release, ITryOperation @try)
        {
            for (var current = release.Parent; current != null && current != @try; current = current.Parent)
            {
                if (current is IConditionalOperation || current is IConditionalAccessOperation)
                    return true;
            }

            return false;
        }
    }
}
