using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>A redis-server that publishes key expiries, so a test can wait for the expiry itself instead of a guessed time.</summary>
public sealed class ExpiryEventsRedisFixture : RedisServerFixture
{
    protected override RedisServerOptions Options => new() { ExtraArgs = ["--notify-keyspace-events", "Ex"] };
}

/// <summary>Fence counters and fenced writers' records expire when idle, and tokens stay strictly increasing across it.</summary>
public sealed class RedisFenceExpiryTests(ExpiryEventsRedisFixture redis) : IClassFixture<ExpiryEventsRedisFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(200);

    private IDatabase Db => redis.Connection.GetDatabase();

    private static string NewName() => "idle-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task An_idle_lock_name_leaves_no_keys_and_its_next_token_is_above_every_token_the_old_counter_issued()
    {
        var locks = new RedisLockProvider(redis.Connection, new RedisLockProviderOptions { FenceIdlePeriod = Idle });
        var name = NewName();
        var fence = locks.GetKeys(name).Keys[1];
        long last = 0;
        for (int i = 0; i < 3; i++)
        {
            await using var handle = await locks.AcquireAsync(name);
            Assert.True(handle.FencingToken > last);
            last = handle.FencingToken;
        }

        await UntilExpiredAsync(fence);

        Assert.Empty(await KeysOfAsync(name));
        await using var again = await locks.AcquireAsync(name);
        // The old counter could only have expired once the server's clock passed its last token (in ms) by the idle period.
        Assert.True(again.FencingToken >= ((last / 1000) + (long)Idle.TotalMilliseconds) * 1000,
            $"re-created counter issued {again.FencingToken} after {last}");
    }

    [Fact]
    public async Task A_counter_ahead_of_the_server_clock_expires_only_after_the_clock_passes_its_tokens()
    {
        var locks = new RedisLockProvider(redis.Connection, new RedisLockProviderOptions { FenceIdlePeriod = Idle });
        var name = NewName();
        var fence = locks.GetKeys(name).Keys[1];
        long ahead = await ServerMicrosecondsAsync() + 3_600_000_000; // as if a clock step back of an hour had happened
        await Db.StringSetAsync(fence, ahead);

        await using var handle = await locks.AcquireAsync(name);

        Assert.Equal(ahead + 1, handle.FencingToken);
        long expiresAtMs = (long)await Db.ExecuteAsync("PEXPIRETIME", fence);
        Assert.Equal(((ahead + 1) / 1000) + (long)Idle.TotalMilliseconds, expiresAtMs);
    }

    [Fact]
    public async Task Tokens_follow_the_server_clock_and_an_old_small_counter_is_left_behind()
    {
        var locks = new RedisLockProvider(redis.Connection);
        var name = NewName();
        var fence = locks.GetKeys(name).Keys[1];
        await Db.StringSetAsync(fence, 41); // a counter written by an earlier version (INCR from 1, no expiry)

        long before = await ServerMicrosecondsAsync();
        await using var handle = await locks.AcquireAsync(name);
        long after = await ServerMicrosecondsAsync();

        Assert.InRange(handle.FencingToken, before, after);
        var ttl = await Db.KeyTimeToLiveAsync(fence);
        Assert.NotNull(ttl);
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1)); // the default idle period
    }

    [Fact]
    public async Task A_fenced_writer_with_an_idle_period_forgets_the_highest_token_and_still_refuses_the_stale_writer()
    {
        var locks = new RedisLockProvider(redis.Connection);
        var writer = new RedisFencedWriter(Db, Idle);
        var name = NewName();
        var resource = RedisServerFixture.UniqueKey("resource");
        var fence = RedisFencedWriter.FenceKey(resource);

        var stale = await locks.AcquireAsync(name);
        Assert.True(await writer.TrySetAsync(resource, "from-stale", stale.FencingToken));
        await stale.DisposeAsync();
        var current = await locks.AcquireAsync(name);
        Assert.True(await writer.TrySetAsync(resource, "from-current", current.FencingToken));
        Assert.False(await writer.TrySetAsync(resource, "late", stale.FencingToken));

        await UntilExpiredAsync(fence);

        Assert.Equal(0, await writer.GetHighestTokenAsync(resource));
        Assert.False(await writer.TrySetAsync(resource, "late", stale.FencingToken));
        // The documented price: a holder that first writes more than the idle period after acquiring is refused too.
        Assert.False(await writer.TrySetAsync(resource, "slow", current.FencingToken));
        // Tokens of a counter from 1 cannot be told from stale ones by such a writer.
        Assert.False(await writer.TrySetAsync(resource, "small", 1));
        Assert.Equal("from-current", (string?)await Db.StringGetAsync(resource));

        await current.DisposeAsync();
        await using var next = await locks.AcquireAsync(name);
        Assert.True(await writer.TrySetAsync(resource, "from-next", next.FencingToken));
        Assert.Equal(next.FencingToken, await writer.GetHighestTokenAsync(resource));
        Assert.NotNull(await Db.KeyTimeToLiveAsync(fence));
    }

    [Fact]
    public async Task A_fenced_writer_without_an_idle_period_keeps_the_highest_token()
    {
        var writer = new RedisFencedWriter(Db);
        var resource = RedisServerFixture.UniqueKey("resource");

        Assert.True(await writer.TrySetAsync(resource, "v", 3));

        Assert.Null(await Db.KeyTimeToLiveAsync(RedisFencedWriter.FenceKey(resource)));
        Assert.Equal("idlePeriod", Assert.Throws<ArgumentOutOfRangeException>(() => new RedisFencedWriter(Db, TimeSpan.Zero)).ParamName);
    }

    [Fact]
    public void Invalid_options_name_the_option()
    {
        Assert.Equal("FenceIdlePeriod", Assert.Throws<ArgumentOutOfRangeException>(
            () => new RedisLockProvider(redis.Connection, new() { FenceIdlePeriod = TimeSpan.Zero })).ParamName);
        Assert.Equal("ReplicaAcknowledgements", Assert.Throws<ArgumentOutOfRangeException>(
            () => new RedisLockProvider(redis.Connection, new() { ReplicaAcknowledgements = -1 })).ParamName);
        Assert.Equal("ReplicaAcknowledgementTimeout", Assert.Throws<ArgumentOutOfRangeException>(
            () => new RedisLockProvider(redis.Connection, new() { ReplicaAcknowledgementTimeout = TimeSpan.Zero })).ParamName);
    }

    /// <summary>Waits for the server's expired event of <paramref name="key"/> (subscribed before looking, so it cannot be missed).</summary>
    private async Task UntilExpiredAsync(RedisKey key)
    {
        var expired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = RedisChannel.Literal("__keyevent@0__:expired");
        Action<RedisChannel, RedisValue> handler = (_, expiredKey) =>
        {
            if (expiredKey == (string?)key)
            {
                expired.TrySetResult();
            }
        };
        var subscriber = redis.Connection.GetSubscriber();
        await subscriber.SubscribeAsync(channel, handler);
        try
        {
            if (await Db.KeyExistsAsync(key))
            {
                await expired.Task.WaitAsync(Prompt);
            }
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, handler);
        }
    }

    private async Task<List<RedisKey>> KeysOfAsync(string name)
    {
        var keys = new List<RedisKey>();
        await foreach (var key in redis.Connection.GetServer(redis.Server.EndPoint).KeysAsync(pattern: "*" + name + "*"))
        {
            keys.Add(key);
        }

        return keys;
    }

    private async Task<long> ServerMicrosecondsAsync()
    {
        var time = (RedisResult[])(await Db.ExecuteAsync("TIME"))!;
        return ((long)time[0] * 1_000_000) + (long)time[1];
    }
}
