using StackExchange.Redis;
using Steadfast.Redis;

namespace Steadfast.Locks;

/// <summary>
/// Fencing at the resource: writes a Redis string only if the caller's fencing token is at least the highest token
/// this key has seen, and records the token — one Lua script, so check and write are atomic. A lock holder that was
/// paused (GC, VM, network) past its lease and wakes up after the lock moved on carries an older token, and its late
/// write is refused.
/// </summary>
/// <remarks>
/// The highest token of <c>key</c> is kept in <c>key + ":fence"</c> when the key has a hash tag, otherwise in
/// <c>{key}:fence</c>; either way it hashes to the key's cluster slot.
/// </remarks>
public sealed class RedisFencedWriter
{
    // KEYS[1] the resource, KEYS[2] its highest token; ARGV[1] value, ARGV[2] fencing token, ARGV[3] expiry ms (0 = none).
    internal static readonly RedisScript SetScript = new("""
        local highest = tonumber(redis.call('get', KEYS[2]) or '0')
        local token = tonumber(ARGV[2])
        if token < highest then
          return 0
        end
        redis.call('set', KEYS[2], ARGV[2])
        if tonumber(ARGV[3]) > 0 then
          redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
        else
          redis.call('set', KEYS[1], ARGV[1])
        end
        return 1
        """);

    private readonly IDatabase _database;

    /// <summary>Creates a writer over a database.</summary>
    /// <param name="database">The database holding the protected keys.</param>
    public RedisFencedWriter(IDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="value"/> if <paramref name="fencingToken"/> is at least the highest
    /// token seen for the key (the same holder may write repeatedly), and records it as the highest.
    /// </summary>
    /// <param name="key">The protected key.</param>
    /// <param name="value">The value to write.</param>
    /// <param name="fencingToken">The writer's <c>ILockHandle.FencingToken</c>.</param>
    /// <param name="expiry">Optional expiry of the value.</param>
    /// <param name="cancellationToken">Stops waiting for the reply (the write may still happen).</param>
    /// <returns><see langword="true"/> if written; <see langword="false"/> if a newer token had written before (stale holder).</returns>
    public async Task<bool> TrySetAsync(RedisKey key, RedisValue value, long fencingToken, TimeSpan? expiry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty((string?)key, nameof(key));

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fencingToken);
        long expiryMs = expiry is { } e ? RedisLockProvider.ToMilliseconds(e) : 0;
        cancellationToken.ThrowIfCancellationRequested();
        RedisResult result = await SetScript.EvaluateAsync(_database, [key, FenceKey(key)], [value, fencingToken, expiryMs], CommandFlags.DemandMaster)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The highest fencing token that has written <paramref name="key"/> (0 if none).</summary>
    /// <param name="key">The protected key.</param>
    /// <returns>The highest token seen.</returns>
    public async Task<long> GetHighestTokenAsync(RedisKey key)
    {
        RedisValue value = await _database.StringGetAsync(FenceKey(key)).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }

    internal static RedisKey FenceKey(RedisKey key)
    {
        string text = key.ToString();
        int open = text.IndexOf('{', StringComparison.Ordinal);
        int close = open < 0 ? -1 : text.IndexOf('}', open + 1);
        bool hasTag = open >= 0 && close > open + 1;
        return hasTag || text.Contains('}', StringComparison.Ordinal) ? text + ":fence" : "{" + text + "}:fence";
    }
}
