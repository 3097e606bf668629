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

    /// <summary>Throws when an option is out of range: <see cref="ArgumentException"/> whose ParamName is the option's
    /// name.</summary>
    internal void Validate()
    {
        if (string.IsNullOrEmpty(KeyPrefix))
        {
            throw new ArgumentException("RedisLockProviderOptions.KeyPrefix must not be empty.", nameof(KeyPrefix));
        }
    }
}
