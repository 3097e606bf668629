using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Testing.Locks;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Time;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>
/// The shared lock contract on Redis, on a fake clock. A Redis lock has two clocks: the provider's (renewals, Lost,
/// wait timeouts and re-checks: <see cref="RedisLockProviderOptions.TimeProvider"/>) and the server's, which expires the
/// lock's key. Passing time moves both, in steps: the fake clock, then the TTL of every contract lock key (shortened by
/// the step, deleted when it runs out). A renewal a step sets off goes out on the same connection before the next step's
/// commands, so it lands before time moves on. The lease is long, so the real time a test takes is a rounding error.
/// </summary>
public abstract class RedisLockContractTestsBase : DistributedLockContractTests
{
    // Shortens a key's TTL by ARGV[1] ms, deleting it when that is all it had left; keys without a TTL are left alone.
    private static readonly LuaScript PassTtl = LuaScript.Prepare("""
        local ttl = redis.call('PTTL', @key)
        if ttl < 0 then return 0 end
        if ttl <= tonumber(@ms) then redis.call('DEL', @key) return 1 end
        redis.call('PEXPIRE', @key, ttl - tonumber(@ms))
        return 2
        """);

    private readonly ObservedTimeProvider _time = new();

    /// <summary>The connection the providers and the clock use.</summary>
    protected abstract IConnectionMultiplexer Connection { get; }

    protected override IDistributedLockProvider CreateProvider() =>
        new RedisLockProvider(Connection, new RedisLockProviderOptions { TimeProvider = _time });

    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(60);

    protected override TimeSpan Step => ShortLease / 100;

    protected override async Task PassTimeAsync(TimeSpan duration)
    {
        for (TimeSpan passed = TimeSpan.Zero; passed < duration; passed += Step)
        {
            TimeSpan step = duration - passed < Step ? duration - passed : Step;
            _time.Advance(step);
            IDatabase db = Connection.GetDatabase();
            foreach (IServer server in Connection.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            {
                await foreach (RedisKey key in server.KeysAsync(pattern: "{steadfast:lock:contract-*"))
                {
                    await db.ScriptEvaluateAsync(PassTtl, new { key, ms = (long)step.TotalMilliseconds });
                }
            }
        }
    }

    // The waiter's re-check timer: lock handles start theirs unarmed (infinite), a waiter's has a due time.
    protected override async Task UntilWaitingAsync() =>
        await _time.WaitForTimerAsync(due => due != Timeout.InfiniteTimeSpan, Prompt);
}

/// <summary>The shared lock contract on a real redis-server.</summary>
public sealed class RedisLockContractTests(RedisServerFixture redis) : RedisLockContractTestsBase, IClassFixture<RedisServerFixture>
{
    protected override IConnectionMultiplexer Connection => redis.Connection;
}

/// <summary>The shared lock contract on the fixture's local 3-master Redis Cluster.</summary>
public sealed class RedisClusterLockContractTests(RedisClusterFixture cluster) : RedisLockContractTestsBase, IClassFixture<RedisClusterFixture>
{
    protected override IConnectionMultiplexer Connection => cluster.Connection;
}
