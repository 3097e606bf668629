namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// Names of the rate-limiting instruments. All live on the <see cref="MeterName"/> meter; limiter keys are never
/// tags (unbounded cardinality).
/// </summary>
public static class RateLimitingTelemetry
{
    /// <summary>The meter: <c>Steadfast.RateLimiting</c>.</summary>
    public const string MeterName = "Steadfast.RateLimiting";

    /// <summary>Counter: leases handed out; tag <see cref="OutcomeTag"/> is <c>acquired</c> or <c>rejected</c>.</summary>
    public const string Leases = "steadfast.rate_limiter.leases";

    /// <summary>
    /// Counter: acquire attempts that could not reach Redis and were decided by <c>WhenUnavailable</c>; tag
    /// <see cref="OutcomeTag"/> is <c>acquired</c> or <c>rejected</c> (<c>rejected</c>: refused because Redis was
    /// down, not because of the limit), tag <see cref="UnavailableReasonTag"/> says why.
    /// </summary>
    public const string Unavailable = "steadfast.rate_limiter.unavailable";

    /// <summary>
    /// Histogram (s): time queued <c>AcquireAsync</c> calls waited; tag <see cref="OutcomeTag"/> is <c>acquired</c>,
    /// <c>rejected</c> or <c>canceled</c>.
    /// </summary>
    public const string QueueDuration = "steadfast.rate_limiter.queue.duration";

    /// <summary>
    /// Tag of <see cref="Unavailable"/>: <c>disconnected</c>, <c>timeout</c> or <c>error</c> — the value of
    /// <see cref="RedisRateLimiterMetadata.RedisUnavailable"/> on the lease.
    /// </summary>
    public const string UnavailableReasonTag = "steadfast.rate_limiter.unavailable.reason";

    /// <summary>Tag naming an outcome (see each instrument).</summary>
    public const string OutcomeTag = "steadfast.rate_limiter.outcome";
}
