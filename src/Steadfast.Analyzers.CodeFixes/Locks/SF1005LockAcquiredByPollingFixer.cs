using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1005 fix, offered when the compilation references Steadfast: <c>while (!acquire) sleep;</c> followed by the
    /// critical section and the release collapses into one <c>Acquire(Async)</c> on IDistributedLockProvider, which waits
    /// for the holder's release instead of polling and is cancelled by the function's CancellationToken (if it has one).
    /// There is no raw fix: a bound (attempts, a monotonic deadline, a token) is a decision for the author.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1005LockAcquiredByPollingFixer)), Shared]
    public sealed class SF1005LockAcquiredByPollingFixer : CodeFixProvider
    {
        /// <summary>The Steadfast rewrite: the polling loop becomes one acquire on IDistributedLockProvider.</summary>
        public const string UseSteadfastLockKey = "SF1005.UseSteadfastLock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockAcquiredByPolling);

        public override FixAllProvider GetFixAllProvider() =>
            SteadfastLockRewrite.FixAllProvider(WellKnownFixAllProviders.BatchFixer, UseSteadfastLockKey);

        public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
            SteadfastLockRewrite.RegisterAsync(context, context.Diagnostics[0], UseSteadfastLockKey, "Wait for the lock with Steadfast's distributed lock");
    }
}
