using System.Diagnostics;

namespace Steadfast.Redundancy;

/// <summary>The spans and events of <see cref="HotHot{TReplica}"/> and <see cref="HotWarm{TReplica}"/> (documented in docs/redundancy.md, "Tracing").</summary>
internal static class RedundancyTracing
{
    public const string HotHotReadActivity = "steadfast.hot_hot.read";
    public const string HotHotWriteActivity = "steadfast.hot_hot.write";
    public const string HotWarmFailoverActivity = "steadfast.hot_warm.failover";

    public const string HedgeEvent = "steadfast.hot_hot.hedge";
    public const string ReplicaFailedEvent = "steadfast.hot_hot.replica_failed";
    public const string LoserCancelledEvent = "steadfast.hot_hot.loser_cancelled";

    /// <summary>A replica's index in the order given to the constructor.</summary>
    public const string ReplicaTag = "steadfast.hot_hot.replica";
    public const string HedgedTag = "steadfast.hot_hot.hedged";
    public const string AttemptsTag = "steadfast.hot_hot.attempts";
    public const string HedgeDelayTag = "steadfast.hot_hot.hedge_delay";
    public const string QuorumTag = "steadfast.hot_hot.quorum";
    public const string SucceededTag = "steadfast.hot_hot.succeeded";

    public const string FromTag = "steadfast.hot_warm.from";
    public const string ToTag = "steadfast.hot_warm.to";
    public const string ConsecutiveFailuresTag = "steadfast.hot_warm.consecutive_failures";

    /// <summary>The failure that triggered a failover: a cause, not an error of the (successful) switchover span.</summary>
    public const string LastErrorTypeTag = "steadfast.hot_warm.last_error.type";

    public static Activity? StartHotHot(string operation, string? name)
    {
        Activity? activity = SteadfastTracing.Source.StartActivity(operation, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true } && name is not null)
        {
            activity.SetTag(RedundancyTelemetry.NameTag, name);
        }

        return activity;
    }

    /// <summary>No answer came within <paramref name="delay"/>, so <paramref name="replica"/> is asked too.</summary>
    public static void HedgeSent(Activity? activity, int replica, TimeSpan delay)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(HedgeEvent, tags: new ActivityTagsCollection
            {
                { ReplicaTag, replica },
                { HedgeDelayTag, delay.TotalSeconds },
            }));
        }
    }

    public static void ReplicaFailed(Activity? activity, int replica, Exception exception)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(ReplicaFailedEvent, tags: new ActivityTagsCollection
            {
                { ReplicaTag, replica },
                { ActivityErrors.ErrorTypeTag, exception.GetType().FullName },
            }));
        }
    }

    public static void LoserCancelled(Activity? activity, int replica)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(LoserCancelledEvent, tags: new ActivityTagsCollection { { ReplicaTag, replica } }));
        }
    }

    /// <summary>A read was answered by <paramref name="replica"/> after <paramref name="attempts"/> attempts were started.</summary>
    public static void Won(Activity? activity, int replica, bool hedged, int attempts)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(ReplicaTag, replica);
            activity.SetTag(HedgedTag, hedged);
            activity.SetTag(AttemptsTag, attempts);
        }
    }

    /// <summary>A fan-out write finished: failed when the quorum was missed, with an event per failed replica.</summary>
    public static void Written(Activity? activity, QuorumWriteResult result)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.SetTag(QuorumTag, result.Quorum);
        activity.SetTag(SucceededTag, result.Succeeded.Count);
        foreach (ReplicaFailure failure in result.Failures)
        {
            ReplicaFailed(activity, failure.ReplicaIndex, failure.Exception);
        }

        if (!result.QuorumReached)
        {
            activity.SetError("quorum_missed");
        }
    }

    public static void Failed(Activity activity, Exception exception, CancellationToken cancellationToken)
    {
        if (!exception.IsCancellationBy(cancellationToken))
        {
            activity.SetError(exception);
        }
    }

    /// <summary>
    /// Records a completed switchover as its own root span, from the first detected failure (or the failback decision) to
    /// the first success on the new active replica. It belongs to no request, so it never joins the caller's trace.
    /// </summary>
    public static void Failover(string? name, FailoverEventArgs failover, string reason, DateTimeOffset completedAt)
    {
        if (!SteadfastTracing.Source.HasListeners())
        {
            return;
        }

        Activity? caller = Activity.Current;
        Activity.Current = null;
        try
        {
            using Activity? activity = SteadfastTracing.Source.StartActivity(HotWarmFailoverActivity, ActivityKind.Internal,
                parentContext: default, startTime: completedAt - failover.SwitchoverTime);
            if (activity is not { IsAllDataRequested: true })
            {
                return;
            }

            if (name is not null)
            {
                activity.SetTag(RedundancyTelemetry.NameTag, name);
            }

            activity.SetTag(FromTag, Role(failover.From));
            activity.SetTag(ToTag, Role(failover.To));
            activity.SetTag(RedundancyTelemetry.ReasonTag, reason);
            activity.SetTag(ConsecutiveFailuresTag, failover.ConsecutiveFailures);
            if (failover.LastError is { } error)
            {
                activity.SetTag(LastErrorTypeTag, error.GetType().FullName);
            }

            activity.SetEndTime(completedAt.UtcDateTime);
        }
        finally
        {
            Activity.Current = caller;
        }
    }

    private static string Role(ReplicaRole role) => role == ReplicaRole.Primary ? "primary" : "standby";
}
