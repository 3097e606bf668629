using System.Diagnostics;

namespace Steadfast.Locks.Internal;

/// <summary>The spans and events of every lock backend (documented in docs/locks.md, "Tracing").</summary>
internal static class LockTracing
{
    public const string AcquireActivity = "steadfast.lock.acquire";
    public const string LostEvent = "steadfast.lock.lost";

    /// <summary>The lock's name: fine on a span (one per call), never a metric tag (unbounded cardinality).</summary>
    public const string NameTag = "steadfast.lock.name";
    public const string FencingTokenTag = "steadfast.lock.fencing_token";

    /// <summary>
    /// Runs one backend's acquire-or-wait inside the acquire span. With <paramref name="throwOnTimeout"/> (Acquire, not
    /// TryAcquire) a wait that ran out throws <see cref="LockTimeoutException"/> inside the span, so the span fails too.
    /// </summary>
    public static async ValueTask<ILockHandle?> AcquireAsync<TProvider>(TProvider provider,
        Func<TProvider, string, LockOptions, TimeSpan, CancellationToken, ValueTask<ILockHandle?>> acquire,
        string backend, string name, LockOptions options, TimeSpan wait, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        using Activity? activity = StartAcquire(backend, name);
        try
        {
            ILockHandle? handle = await acquire(provider, name, options, wait, cancellationToken).ConfigureAwait(false);
            if (handle is null && throwOnTimeout)
            {
                throw new LockTimeoutException(name, wait);
            }

            if (activity is not null)
            {
                Completed(activity, handle);
            }

            return handle;
        }
        catch (Exception ex) when (activity is not null)
        {
            Failed(activity, ex, cancellationToken);
            throw;
        }
    }

    /// <summary>Starts the acquire span, or returns null (allocating nothing) when nobody listens.</summary>
    private static Activity? StartAcquire(string backend, string name)
    {
        Activity? activity = SteadfastTracing.Source.StartActivity(AcquireActivity, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(LockTelemetry.BackendTag, backend);
            activity.SetTag(NameTag, name);
        }

        return activity;
    }

    /// <summary>Records the outcome of an acquire that returned (a handle, or null when the wait ran out).</summary>
    private static void Completed(Activity activity, ILockHandle? handle)
    {
        if (handle is null)
        {
            activity.SetTag(LockTelemetry.OutcomeTag, "timeout");
            return;
        }

        activity.SetTag(LockTelemetry.OutcomeTag, "acquired");
        activity.SetTag(FencingTokenTag, handle.FencingToken);
        if (handle is LeasedLockHandle leased)
        {
            // The acquire span ends now; a later loss belongs on the work the lock protects.
            leased.ReportLossTo(activity.Parent);
        }
    }

    /// <summary>Records an acquire that threw: a timeout of Acquire fails the span, the caller's cancellation does not.</summary>
    private static void Failed(Activity activity, Exception exception, CancellationToken cancellationToken)
    {
        if (exception.IsCancellationBy(cancellationToken))
        {
            activity.SetTag(LockTelemetry.OutcomeTag, "canceled");
            return;
        }

        if (exception is LockTimeoutException)
        {
            activity.SetTag(LockTelemetry.OutcomeTag, "timeout");
        }

        activity.SetError(exception);
    }

    /// <summary>Adds the lost-lease event to the span that was current when the lock was acquired, if it is still open.</summary>
    public static void LeaseLost(Activity? holder, string backend, string name, long fencingToken)
    {
        if (holder is not { IsAllDataRequested: true, IsStopped: false })
        {
            return;
        }

        holder.AddEvent(new ActivityEvent(LostEvent, tags: new ActivityTagsCollection
        {
            { LockTelemetry.BackendTag, backend },
            { NameTag, name },
            { FencingTokenTag, fencingToken },
        }));
    }
}
