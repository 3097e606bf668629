namespace Steadfast.Redundancy;

/// <summary>When a <see cref="HotWarm{TReplica}"/> switches back to its primary.</summary>
public enum FailbackPolicy
{
    /// <summary>Only when the application calls <see cref="HotWarm{TReplica}.FailbackAsync"/>.</summary>
    Manual = 0,

    /// <summary>Automatically, once the primary has passed every health check for
    /// <see cref="HotWarmOptions{TReplica}.FailbackGracePeriod"/>.</summary>
    Automatic = 1,
}

/// <summary>The two sides of a <see cref="HotWarm{TReplica}"/>.</summary>
public enum ReplicaRole
{
    /// <summary>The replica given first: active when the pair starts.</summary>
    Primary = 0,

    /// <summary>The replica kept warm to take over.</summary>
    Standby = 1,
}

/// <summary>Why the active replica changed.</summary>
public enum FailoverReason
{
    /// <summary>The active replica failed its health checks <see cref="HotWarmOptions{TReplica}.FailureThreshold"/> times in a row
    /// (the last failure was a health check).</summary>
    HealthCheckFailed = 0,

    /// <summary>The active replica failed <see cref="HotWarmOptions{TReplica}.FailureThreshold"/> times in a row and the last
    /// failure was a call.</summary>
    CallFailed = 1,

    /// <summary>The primary was healthy for the grace period (<see cref="FailbackPolicy.Automatic"/>).</summary>
    AutomaticFailback = 2,

    /// <summary>The application asked for it (<see cref="HotWarm{TReplica}.FailbackAsync"/>).</summary>
    ManualFailback = 3,
}

/// <summary>
/// Reports a completed switch of the active replica: raised once the new active replica has served its first
/// success (a call or a health check), so <see cref="SwitchoverTime"/> covers detection, the switch and the first
/// success.
/// </summary>
public sealed class FailoverEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="from">The side that was active.</param>
    /// <param name="to">The side that is active now.</param>
    /// <param name="reason">Why.</param>
    /// <param name="switchoverTime">From the first detected failure (or the failback decision) to the first success on <paramref name="to"/>.</param>
    /// <param name="consecutiveFailures">The failures in a row that triggered it (0 for a failback).</param>
    /// <param name="lastError">The last failure's exception, if there was one (a health check that returned false has none).</param>
    public FailoverEventArgs(ReplicaRole from, ReplicaRole to, FailoverReason reason, TimeSpan switchoverTime, int consecutiveFailures, Exception? lastError)
    {
        From = from;
        To = to;
        Reason = reason;
        SwitchoverTime = switchoverTime;
        ConsecutiveFailures = consecutiveFailures;
        LastError = lastError;
    }

    /// <summary>The side that was active.</summary>
    public ReplicaRole From { get; }

    /// <summary>The side that is active now.</summary>
    public ReplicaRole To { get; }

    /// <summary>Why the switch happened.</summary>
    public FailoverReason Reason { get; }

    /// <summary>
    /// Measured with <see cref="TimeProvider.GetTimestamp"/> (monotonic): from the first failure of the streak that
    /// triggered the failover (for a failback: from the decision) to the first success on the new active replica.
    /// </summary>
    public TimeSpan SwitchoverTime { get; }

    /// <summary>The failures in a row that triggered the switch (0 for a failback).</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>The last failure's exception, if there was one.</summary>
    public Exception? LastError { get; }
}
