using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1003: a lock released by a plain statement after the critical section instead of in a finally (or by
    /// disposing a handle). An exception in between skips the release and the lock stays held: forever for
    /// Monitor, SemaphoreSlim, Mutex and the reader-writer lock; until the lease runs out for a Redis lock.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF1003LockNotReleasedOnAllPathsAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.LockNotReleasedOnAllPaths,
            title: "Lock not released on all paths",
            messageFormat: "{0}",
            description: "A release written as the statement after the critical section is skipped when the critical section throws or returns early, and the lock stays held: Monitor, SemaphoreSlim, Mutex, ReaderWriterLockSlim and SpinLock until the process ends, a Redis lock until its lease expires (or forever without one). Release in a finally block that covers everything after the acquire, or hold the lock through a handle disposed by using / await using. A Redis lock taken with no lease that nothing releases at all is held forever after its first use.");

        /// <summary>Property naming the shape: <see cref="NeverReleasedShape"/> for a lease-less lock nothing releases (no automatic fix).</summary>
        public const string ShapeProperty = "Shape";
        public const string NeverReleasedShape = "NeverReleased";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = LockModel.Create(start.Compilation);
                if (model == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, model), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, LockModel model)
        {
            var call = (IInvocationOperation)context.Operation;
            var release = model.AsRelease(call, context.CancellationToken);
            if (release == null)
            {
                NeverReleasedLock.Analyze(context, call, model);
                return;
            }

            if (LockModel.IsInFinally(call, out _) || IsInAbandonedMutexHandler(call))
                return;
            var acquire = FindAcquire(release, model, context.CancellationToken);
            if (acquire == null || IsCoveredByTry(release, acquire, model, context.CancellationToken) || NothingEscapesBetween(acquire.Call, call))
                return;
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                call.Syntax.GetLocation(),
                $"'{CalleeText(call)}' releases the lock taken by '{CalleeText(acquire.Call)}' only if nothing in between throws; release it in a finally block (or dispose a lock handle with using)"));
        }

        internal static string CalleeText(IInvocationOperation call)
        {
            var text = call.Syntax.ToString();
            var paren = text.IndexOf('(');
            return paren > 0 ? text.Substring(0, paren) : text;
        }

        /// <summary>
        /// <c>catch (AbandonedMutexException) { mutex.ReleaseMutex(); }</c>: the wait that threw handed this thread the
        /// mutex, and the handler gives it back. It is the exception path itself, not a release an exception skips.
        /// </summary>
        private static bool IsInAbandonedMutexHandler(IOperation release)
        {
            for (var current = release; current.Parent != null; current = current.Parent)
            {
                if (current.Parent is IAnonymousFunctionOperation || current.Parent is ILocalFunctionOperation)
                    return false;
                if (current is ICatchClauseOperation { ExceptionType: { Name: "AbandonedMutexException" } })
                    return true;
                // catch { mutex.ReleaseMutex(); } around a WaitOne: the wait that threw with an abandoned mutex handed it over.
                if (current is ICatchClauseOperation clause && IsCatchAll(clause) && clause.Parent is ITryOperation @try
                    && LockModel.DescendantsInSameFunction(@try.Body).OfType<IInvocationOperation>().Any(i => i.TargetMethod.Name == "WaitOne")
                    && release is IInvocationOperation { TargetMethod: { Name: "ReleaseMutex" } })
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The release sits in a try whose body holds the acquire, and every exception path of that try releases the
        /// same lock too: its finally does (take/release helpers with a ref flag inside a method-wide try/finally), or a
        /// catch-all does while the body releases on the normal path.
        /// </summary>
        private static bool IsCoveredByTry(LockCall release, LockCall acquire, LockModel model, CancellationToken cancellationToken)
        {
            for (var current = (IOperation)release.Call; current.Parent != null; current = current.Parent)
            {
                if (current.Parent is IAnonymousFunctionOperation || current.Parent is ILocalFunctionOperation)
                    return false;
                if (!(current.Parent is ITryOperation @try) || !@try.Body.Syntax.Span.Contains(acquire.Call.Syntax.Span))
                    continue;
                if (@try.Finally != null && ReleasesSameLock(@try.Finally, release, model, cancellationToken))
                    return true;
                if (current == @try.Body && @try.Catches.Any(c => IsCatchAll(c) && ReleasesSameLock(c.Handler, release, model, cancellationToken)))
                    return true;
                if (current is ICatchClauseOperation clause && IsCatchAll(clause) && ReleasesSameLock(@try.Body, release, model, cancellationToken))
                    return true;
            }

            return false;
        }

        private static bool ReleasesSameLock(IOperation region, LockCall release, LockModel model, CancellationToken cancellationToken)
        {
            var identity = model.ValueFlow.Identity(release.Target, cancellationToken);
            foreach (var candidate in LockModel.DescendantsInSameFunction(region).OfType<IInvocationOperation>())
            {
                if (candidate == release.Call)
                    continue;
                var other = model.AsRelease(candidate, cancellationToken);
                if (other == null || other.Kind != release.Kind)
                    continue;
                var otherIdentity = model.ValueFlow.Identity(other.Target, cancellationToken);
                if (identity == null || otherIdentity == null || identity == otherIdentity)
                    return true;
            }

            return false;
        }

        /// <summary>
        /// Nothing between the acquire and the release can skip the release: the release comes right after the acquire,
        /// or the only statements in between are try blocks with a catch-all that swallows (no rethrow, return or jump),
        /// so an exception in them still reaches the release.
        /// </summary>
        private static bool NothingEscapesBetween(IInvocationOperation acquire, IInvocationOperation release)
        {
            for (IOperation current = release; current.Parent != null; current = current.Parent)
            {
                var parent = current.Parent;
                if (parent is IAnonymousFunctionOperation || parent is ILocalFunctionOperation)
                    return false;
                if (parent is IBlockOperation block)
                {
                    var index = block.Operations.IndexOf(current);
                    for (var i = index - 1; i >= 0; i--)
                    {
                        var statement = block.Operations[i];
                        if (statement.Syntax.Span.Contains(acquire.Syntax.Span))
                            return statement is ITryOperation around ? IsSwallowingTry(around) : !RunsCodeAfter(statement, acquire);
                        if (!CannotThrow(statement) && !(statement is ITryOperation @try && IsSwallowingTry(@try)))
                            return false;
                    }

                    continue;
                }

                // The acquire is part of the statement around the release (the condition of its if): nothing in between.
                if (parent.Syntax.Span.Contains(acquire.Syntax.Span) && !(parent is ILoopOperation) && !(parent is ITryOperation))
                    return !parent.ChildOperations.Any(child => child != current && child.Syntax.SpanStart > acquire.Syntax.Span.End && child.Syntax.Span.End <= release.Syntax.SpanStart);
            }

            return false;
        }

        /// <summary>
        /// A statement that cannot throw: it only copies values between locals and fields and compares them
        /// (<c>int count = _size;</c>, <c>_terminating = true;</c>). No call (a log line stands for the work in a sample), no
        /// object creation, await, throw, indexing, property getter, cast, division, and no read-modify-write
        /// (<c>_n++</c> is the critical section's work and stays flagged).
        /// </summary>
        private static bool CannotThrow(IOperation statement)
        {
            foreach (var operation in statement.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IInvocationOperation _:
                    case IObjectCreationOperation _:
                    case IAwaitOperation _:
                    case IThrowOperation _:
                    case IReturnOperation _:
                    case IBranchOperation _:
                    case IArrayElementReferenceOperation _:
                    case IDynamicInvocationOperation _:
                    case IDynamicMemberReferenceOperation _:
                    case IAnonymousFunctionOperation _:
                    case IIncrementOrDecrementOperation _: // read-modify-write: the work of a critical section (and it overflows when checked)
                    case ICompoundAssignmentOperation _:
                        return false;
                    case IPropertyReferenceOperation property when !(property.Property.Name == "Length" && property.Instance?.Type is IArrayTypeSymbol):
                        return false;
                    case IConversionOperation conversion when !conversion.Conversion.IsImplicit || conversion.IsChecked:
                        return false;
                    case IBinaryOperation binary when binary.IsChecked || binary.OperatorKind == BinaryOperatorKind.Divide || binary.OperatorKind == BinaryOperatorKind.Remainder:
                        return false;
                }
            }

            return true;
        }

        /// <summary>The statement holding the acquire calls, creates or throws something after it (a loop body, the rest of a condition).</summary>
        private static bool RunsCodeAfter(IOperation statement, IOperation acquire) =>
            LockModel.DescendantsInSameFunction(statement).Any(o => (o is IInvocationOperation || o is IObjectCreationOperation || o is IThrowOperation || o is IAwaitOperation)
                && o.Syntax.SpanStart > acquire.Syntax.Span.End);

        private static bool IsCatchAll(ICatchClauseOperation clause) =>
            clause.Filter == null && (clause.ExceptionType == null || clause.ExceptionType.SpecialType == SpecialType.System_Object
                || clause.ExceptionType.ToDisplayString() == "System.Exception");

        /// <summary>
        /// A try with a catch-all whose handlers swallow, and nothing in it that returns, throws or jumps out. The catch
        /// handlers and the finally only log and assign: a handler that calls into a database or starts more work can
        /// throw in turn and skip the release.
        /// </summary>
        private static bool IsSwallowingTry(ITryOperation @try)
        {
            if (!@try.Catches.Any(IsCatchAll))
                return false;
            var handlers = @try.Catches.Select(c => (IOperation)c.Handler).Concat(@try.Finally != null ? new IOperation[] { @try.Finally } : new IOperation[0]);
            foreach (var handler in handlers)
            {
                if (LockModel.DescendantsInSameFunction(handler).Any(o => o is IAwaitOperation || o is IObjectCreationOperation
                    || (o is IInvocationOperation invocation && !LockModel.IsLogging(invocation.TargetMethod) && !IsHarmlessInHandler(invocation))))
                {
                    return false;
                }
            }

            return !LockModel.DescendantsInSameFunction(@try).Any(o => o is IReturnOperation || o is IThrowOperation
                || (o is IBranchOperation branch && !StaysInside(branch, @try)));
        }

        /// <summary>Formatting for a log line: ToString, string.Format/Concat/Join, the exception's own members.</summary>
        private static bool IsHarmlessInHandler(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (method.Name == "ToString" || method.Name == "GetType")
                return true;
            var type = method.ContainingType;
            return type != null && (type.SpecialType == SpecialType.System_String || type.Name.EndsWith("Exception", System.StringComparison.Ordinal));
        }

        /// <summary>A break or continue whose loop or switch is inside the try; a goto always counts as leaving.</summary>
        private static bool StaysInside(IBranchOperation branch, ITryOperation @try)
        {
            if (branch.BranchKind != BranchKind.Break && branch.BranchKind != BranchKind.Continue)
                return false;
            for (var current = branch.Parent; current != null && current != @try; current = current.Parent)
            {
                if (current is ILoopOperation || (branch.BranchKind == BranchKind.Break && current is ISwitchOperation))
                    return true;
            }

            return false;
        }

        /// <summary>The acquire of the same lock earlier in the same function, if any (a release helper on its own is not flagged).</summary>
        internal static LockCall? FindAcquire(LockCall release, LockModel model, CancellationToken cancellationToken)
        {
            var function = LockModel.GetFunction(release.Call);
            var releaseIdentity = model.ValueFlow.Identity(release.Target, cancellationToken);
            foreach (var candidate in LockModel.DescendantsInSameFunction(function).OfType<IInvocationOperation>().OrderBy(c => c.Syntax.SpanStart))
            {
                if (candidate.Syntax.SpanStart >= release.Call.Syntax.SpanStart)
                    break;
                var acquire = model.AsAcquire(candidate, cancellationToken);
                if (acquire == null || acquire.Kind != release.Kind)
                    continue;
                var acquireIdentity = model.ValueFlow.Identity(acquire.Target, cancellationToken);
                if (releaseIdentity != null && acquireIdentity != null && releaseIdentity != acquireIdentity)
                    continue;
                // KeyDelete deletes any key: it releases a lock only when it is known to delete the key that was taken.
                if (model.IsKeyDelete(release.Call) && (releaseIdentity == null || acquireIdentity == null))
                    continue;
                return acquire;
            }

            return null;
        }
    }
}
