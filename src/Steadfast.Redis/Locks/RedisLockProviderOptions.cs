using Microsoft.Extensions.Logging;

namespace Steadfast.Locks;

/// <summary>Options for <see cref="RedisLockProvider"/>.</summary>
public sealed class RedisLockProviderOptions
{
    /// <summary>
    /// Prefix of every key and channel. Default <c>steadfast:lock</c>. A lock named <c>orders</c> lives in
    /// <c>{steadfast:lock:orders}</c>, its fencing counter in <c>{steadfast:lock:orders}:fence</c> (same hash tag, so
    /// the same Redis Cluster slot) and its release notifications go to channel <c>steadfast:lock:orders:released</c>.
    /// </summary>
    public string KeyPrefix { get; init; } = "steadfast:lock";

    /// <summary>The Redis database number; -1 (default) for the multiplexer's default database.</summary>
    public int Database { get; init; } = -1;

    /// <summary>The clock for renewals, lost detection and wait timeouts; <see cref="TimeProvider.System"/> when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Where to log lost leases and failed releases; none when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>
    /// How long a lock name's fencing counter outlives its last acquisition. Default one day; positive. After it, the
    /// name leaves no key in Redis; the next acquisition re-creates the counter from the server's clock, above every
    /// token the old one issued (see docs/locks.md, "Fencing tokens").
    /// </summary>
    public TimeSpan FenceIdlePeriod { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How many replicas must acknowledge an acquisition (Redis <c>WAIT</c>) before it is reported; 0 (default) waits for
    /// none. When fewer acknowledge within <see cref="ReplicaAcknowledgementTimeout"/>, the lock is released again and the
    /// acquire throws <see cref="RedisLockException"/>; a renewal that is not acknowledged counts as a failed renewal.
    /// With it, an acquired lock survives the promotion of an acknowledging replica.
    /// </summary>
    /// <remarks>
    /// <c>WAIT</c> holds the multiplexer's connection to the primary while it waits (other commands queue behind it), so
    /// keep the timeout short and below the multiplexer's own timeouts.
    /// </remarks>
    public int ReplicaAcknowledgements { get; init; }

    /// <summary>How long an acquisition or renewal waits for <see cref="ReplicaAcknowledgements"/>. Default 1 s; positive.</summary>
    public TimeSpan ReplicaAcknowledgementTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws when an option is out of range: <see cref="ArgumentException"/> whose ParamName is the option's
    /// name.</summary>
    internal void Validate()
    {
        if (string.IsNullOrEmpty(KeyPrefix))
        {
            throw new ArgumentException("RedisLockProviderOptions.KeyPrefix must not be empty.", nameof(KeyPrefix));
        }

        if (FenceIdlePeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(FenceIdlePeriod), FenceIdlePeriod, "RedisLockProviderOptions.FenceIdlePeriod must be positive.");
        }

        if (ReplicaAcknowledgements < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplicaAcknowledgements), ReplicaAcknowledgements,
                "RedisLockProviderOptions.ReplicaAcknowledgements must not be negative.");
        }

        if (ReplicaAcknowledgementTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplicaAcknowledgementTimeout), ReplicaAcknowledgementTimeout,
                "RedisLockProviderOptions.ReplicaAcknowledgementTimeout must be positive.");
        }
    }
}
