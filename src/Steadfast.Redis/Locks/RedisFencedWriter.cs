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
/// The highest token of <c>key</c> is kept in <c>key + ":fence"</c> when the key has a hash tag, in <c>{key}:fence</c>
/// when it has none and no <c>}</c>, and otherwise (<c>user}42</c>, <c>{}x</c>) in <c>{tag}:key:fence</c> with a short
/// tag chosen to hash to the key's slot: always the key's cluster slot. Created with an idle period, the writer lets that
/// key expire (see <see cref="RedisFencedWriter(IDatabase, TimeSpan)"/>); without one it is kept forever.
/// </remarks>
public sealed class RedisFencedWriter
{
    // KEYS[1] the resource, KEYS[2] its highest token; ARGV[1] value, ARGV[2] fencing token, ARGV[3] expiry ms (0 = none),
    // ARGV[4] idle period ms (0 = keep the highest token forever).
    // With an idle period the highest token h expires at max(h in ms, now) + idle on the server's clock. So when it is
    // gone, every token it held is more than the idle period older than the clock: a token older than that is refused.
    internal static readonly RedisScript SetScript = new("""
        local token = tonumber(ARGV[2])
        local idle = tonumber(ARGV[4])
        local highest = tonumber(redis.call('get', KEYS[2]))
        local nowMs = 0
        if idle > 0 then
          local now = redis.call('time')
          nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        end
        if highest then
          if token < highest then
            return 0
          end
        elseif idle > 0 and token < (nowMs - idle) * 1000 then
          return 0
        end
        redis.call('set', KEYS[2], ARGV[2])
        if idle > 0 then
          local base = math.floor(token / 1000)
          if base < nowMs then base = nowMs end
          redis.call('pexpireat', KEYS[2], string.format('%.0f', base + idle))
        end
        if tonumber(ARGV[3]) > 0 then
          redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
        else
          redis.call('set', KEYS[1], ARGV[1])
        end
        return 1
        """);

    private readonly IDatabase _database;
    private readonly long _idleMs;

    /// <summary>Creates a writer over a database; the highest token of each key is kept forever.</summary>
    /// <param name="database">The database holding the protected keys.</param>
    public RedisFencedWriter(IDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>
    /// Creates a writer whose record of a key's highest token expires after <paramref name="idlePeriod"/> without writes
    /// (and not before the server's clock has passed that token, read as microseconds, by the idle period). Once it is
    /// gone, a write is refused if its token is older than the idle period on the server's clock: a stale holder is still
    /// refused, but so is a holder that waited longer than the idle period since acquiring before it first writes.
    /// </summary>
    /// <remarks>
    /// Only for tokens from <see cref="RedisLockProvider"/>, which are the lock server's clock in microseconds (or a little
    /// above). Tokens from a counter starting at 1 (<c>InMemoryLockProvider</c>) would all be refused: use the other
    /// constructor for them.
    /// </remarks>
    /// <param name="database">The database holding the protected keys.</param>
    /// <param name="idlePeriod">How long the highest token is kept after the last write; at least a millisecond.</param>
    public RedisFencedWriter(IDatabase database, TimeSpan idlePeriod)
        : this(database)
    {
        if (idlePeriod < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(idlePeriod), idlePeriod, "The idle period must be at least one millisecond.");
        }

        _idleMs = RedisLockProvider.ToMilliseconds(idlePeriod);
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
        RedisResult result = await SetScript.EvaluateAsync(_database, [key, FenceKey(key)], [value, fencingToken, expiryMs, _idleMs],
                CommandFlags.DemandMaster)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The highest fencing token that has written <paramref name="key"/> (0 if none, or forgotten after the idle period).</summary>
    /// <param name="key">The protected key.</param>
    /// <returns>The highest token seen.</returns>
    public async Task<long> GetHighestTokenAsync(RedisKey key)
    {
        RedisValue value = await _database.StringGetAsync(FenceKey(key)).ConfigureAwait(false);
        return value.IsNull ? 0 : (long)value;
    }

    internal static RedisKey FenceKey(RedisKey key) => RedisHashSlot.DerivedKey(key, ":fence");
}
