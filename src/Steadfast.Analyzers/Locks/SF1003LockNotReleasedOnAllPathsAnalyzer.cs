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
            messageFormat: "'{0}' releases the lock taken by '{1}' only if nothing in between throws; release it in a finally block (or dispose a lock handle with using)",
            description: "A release written as the statement after the critical section is skipped when the critical section throws or returns early, and the lock stays held: Monitor, SemaphoreSlim, Mutex, ReaderWriterLockSlim and SpinLock until the process ends, a Redis lock until its lease expires (or forever without one). Release in a finally block that covers everything after the acquire, or hold the lock through a handle disposed by using / await using.");

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
            if (release == null || LockModel.IsInFinally(call, out _))
                return;
            var acquire = FindAcquire(release, model, context.CancellationToken);
            if (acquire == null)
                return;
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                call.Syntax.GetLocation(),
                CalleeText(call),
                CalleeText(acquire.Call)));
        }

        internal static string CalleeText(IInvocationOperation call)
        {
            var text = call.Syntax.ToString();
            var paren = text.IndexOf('(');
            return paren > 0 ? text.Substring(0, paren) : text;
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
                return acquire;
            }

            return null;
        }
    }
}
