using Microsoft.Extensions.Logging;

namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// Settings of a <see cref="RedisTokenBucketRateLimiter"/>: the names and meaning of the BCL's
/// <c>TokenBucketRateLimiterOptions</c>, with the bucket kept in Redis. Checked when the limiter is constructed,
/// with an exception naming the option.
/// </summary>
/// <remarks>
/// The bucket holds at most <see cref="TokenLimit"/> tokens and starts full; every whole
/// <see cref="ReplenishmentPeriod"/> of Redis server time adds <see cref="TokensPerPeriod"/> tokens. Over a span
/// <c>T</c> a bucket that starts full admits at most <c>TokenLimit + floor(T / ReplenishmentPeriod) × TokensPerPeriod</c>
/// permits, across every process that shares the key.
/// </remarks>
public sealed class RedisTokenBucketOptions
{
    /// <summary>The most tokens the bucket holds (the burst). At least 1; no default.</summary>
    public int TokenLimit { get; init; }

    /// <summary>Tokens added each <see cref="ReplenishmentPeriod"/>. At least 1; no default.</summary>
    public int TokensPerPeriod { get; init; }

    /// <summary>
    /// How often <see cref="TokensPerPeriod"/> tokens are added, measured on the Redis server's clock. At least 1 ms and
    /// at most 365 days; no default.
    /// </summary>
    public TimeSpan ReplenishmentPeriod { get; init; }

    /// <summary>
    /// The most permits (summed over requests) that <c>AcquireAsync</c> callers of one limiter instance may be waiting
    /// for at once; a request that would exceed it gets a failed lease at once. The queue is local to the instance: a
    /// queued request sleeps for the lease's retry-after, then asks Redis again. At least 0; default 0 (no queueing).
    /// </summary>
    public int QueueLimit { get; init; }

    /// <summary>
    /// What to answer when Redis cannot be reached (not connected, command timeout, server error): the lease is
    /// refused (<see cref="RedisUnavailableBehavior.Reject"/>, the default) or granted
    /// (<see cref="RedisUnavailableBehavior.Allow"/>).
    /// </summary>
    public RedisUnavailableBehavior WhenUnavailable { get; init; } = RedisUnavailableBehavior.Reject;

    /// <summary>
    /// When true, the synchronous <c>AttemptAcquire</c> never blocks a thread on Redis: it answers at once with a lease
    /// that is not acquired (no <c>RetryAfter</c>; its <c>ReasonPhrase</c> says to call <c>AcquireAsync</c>) and is
    /// not counted in the statistics. Set it under ASP.NET Core's rate-limiting middleware, which calls
    /// <c>AttemptAcquire</c> first and <c>AcquireAsync</c> when that is not acquired: each request then makes one
    /// asynchronous round trip instead of blocking a thread-pool thread for one (which starves the pool under load).
    /// Default false: <c>AttemptAcquire</c> makes a synchronous round trip, bounded by the multiplexer's
    /// <c>SyncTimeout</c>.
    /// </summary>
    public bool DeferAttemptAcquire { get; init; }

    /// <summary>
    /// Receives a warning (event 8101) when acquires are decided without Redis — at most one per 10 s per logger, with
    /// the count of those not logged since, so an outage under load does not flood the log. Optional.
    /// </summary>
    public ILogger? Logger { get; init; }

    internal static readonly TimeSpan MinReplenishmentPeriod = TimeSpan.FromMilliseconds(1);

    internal static readonly TimeSpan MaxReplenishmentPeriod = TimeSpan.FromDays(365);

    /// <summary>Throws when an option is out of range: <see cref="ArgumentOutOfRangeException"/> whose ParamName is the
    /// option's name, as every Steadfast.Redis options type does.</summary>
    internal void Validate()
    {
        if (TokenLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TokenLimit), TokenLimit,
                $"{nameof(RedisTokenBucketOptions)}.{nameof(TokenLimit)} must be at least 1 (was {TokenLimit}).");
        }

        if (TokensPerPeriod < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TokensPerPeriod), TokensPerPeriod,
                $"{nameof(RedisTokenBucketOptions)}.{nameof(TokensPerPeriod)} must be at least 1 (was {TokensPerPeriod}).");
        }

        if (ReplenishmentPeriod < MinReplenishmentPeriod || ReplenishmentPeriod > MaxReplenishmentPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplenishmentPeriod), ReplenishmentPeriod,
                $"{nameof(RedisTokenBucketOptions)}.{nameof(ReplenishmentPeriod)} must be at least 1 ms and at most 365 days (was {ReplenishmentPeriod}).");
        }

        if (QueueLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueLimit), QueueLimit,
                $"{nameof(RedisTokenBucketOptions)}.{nameof(QueueLimit)} must be at least 0 (was {QueueLimit}).");
        }

        if (WhenUnavailable is not (RedisUnavailableBehavior.Reject or RedisUnavailableBehavior.Allow))
        {
            throw new ArgumentOutOfRangeException(nameof(WhenUnavailable), WhenUnavailable,
                $"{nameof(RedisTokenBucketOptions)}.{nameof(WhenUnavailable)} must be {nameof(RedisUnavailableBehavior.Reject)} or {nameof(RedisUnavailableBehavior.Allow)} (was {(int)WhenUnavailable}).");
        }
    }
}
