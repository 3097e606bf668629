using System.Diagnostics;
using System.Threading.RateLimiting;
using StackExchange.Redis;
using Steadfast.Redis.RateLimiting;
using Steadfast.Testing.Redis;
using Xunit.Abstractions;

namespace Steadfast.Redis.Tests.RateLimiting;

/// <summary>The Redis token bucket on a real redis-server.</summary>
public sealed class RedisTokenBucketRateLimiterTests(RedisServerFixture redis, ITestOutputHelper output) : IClassFixture<RedisServerFixture>
{
    private static string NewKey() => "rl-" + Guid.NewGuid().ToString("N");

    private static RedisTokenBucketOptions Options(int limit, int perPeriod, TimeSpan period, int queue = 0,
        RedisUnavailableBehavior whenUnavailable = RedisUnavailableBehavior.Reject) => new()
        {
            TokenLimit = limit,
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = queue,
            WhenUnavailable = whenUnavailable,
        };

    private static TimeSpan RetryAfter(RateLimitLease lease)
    {
        Assert.True(lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter),
            $"no RetryAfter metadata; reason: {(lease.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason) ? reason : "none")}");
        return retryAfter;
    }

    [Fact]
    public async Task Eight_clients_on_one_key_for_5_s_at_100_per_second_admit_within_5_percent_of_the_allowance()
    {
        const int Clients = 8, TokenLimit = 20;
        TimeSpan duration = TimeSpan.FromSeconds(5), period = TimeSpan.FromMilliseconds(10); // 1 token / 10 ms = 100/s
        string key = NewKey();
        ConnectionMultiplexer[] connections = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => redis.Server.ConnectAsync()));
        var limiters = connections.Select((c, i) => new RedisTokenBucketRateLimiter(c, key, Options(TokenLimit, 1, period, queue: i % 2))).ToArray();
        int admitted = 0;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        try
        {
            // Even clients: AttemptAcquire on their own threads (a synchronous caller blocks its thread for the round
            // trip; thread-pool threads would starve the multiplexer's reads), sleeping the lease's RetryAfter when
            // refused. Odd clients: AcquireAsync, queued (limit 1) until granted.
            await Task.WhenAll(limiters.Select((limiter, i) => i % 2 == 0
                ? Task.Factory.StartNew(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        using RateLimitLease lease = limiter.AttemptAcquire();
                        if (lease.IsAcquired)
                        {
                            Interlocked.Increment(ref admitted);
                        }
                        else
                        {
                            stop.Token.WaitHandle.WaitOne(RetryAfter(lease));
                        }
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            using RateLimitLease lease = await limiter.AcquireAsync(1, stop.Token);
                            if (lease.IsAcquired)
                            {
                                Interlocked.Increment(ref admitted);
                            }
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                        }
                    }
                })));
        }
        finally
        {
            foreach (var limiter in limiters)
            {
                limiter.Dispose();
            }

            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        double allowance = TokenLimit + duration / period;
        output.WriteLine($"admitted {admitted} of an allowance of {allowance} ({(admitted - allowance) / allowance:P2}) in {clock.Elapsed}");
        Assert.InRange(admitted, allowance * 0.95, allowance * 1.05);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.All(limiters, l => Assert.Throws<ObjectDisposedException>(() => l.GetStatistics()));
    }

    [Fact]
    public void Partitions_are_independent_and_shared_across_connections()
    {
        string prefix = NewKey();
        var options = Options(3, 1, TimeSpan.FromMinutes(1));
        using PartitionedRateLimiter<string> limiter = RedisRateLimiter.CreatePartitioned<string>(redis.Connection, user => $"{prefix}:{user}", options);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(limiter.AttemptAcquire("alice").IsAcquired);
        }

        Assert.False(limiter.AttemptAcquire("alice").IsAcquired);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(limiter.AttemptAcquire("bob").IsAcquired, $"bob #{i} was limited by alice's bucket");
        }

        Assert.False(limiter.AttemptAcquire("bob").IsAcquired);
        Assert.True(limiter.AttemptAcquire("carol").IsAcquired);

        // Another partitioned limiter (another process, say) on the same keys sees the same buckets.
        using PartitionedRateLimiter<string> other = RedisRateLimiter.CreatePartitioned<string>(redis.Connection, user => $"{prefix}:{user}", _ => options);
        Assert.False(other.AttemptAcquire("alice").IsAcquired);
        Assert.True(other.AttemptAcquire("carol").IsAcquired);
        Assert.Equal(1, other.GetStatistics("carol")?.CurrentAvailablePermits);
    }

    [Fact]
    public async Task Rejected_leases_carry_a_sane_RetryAfter_and_acquired_ones_none()
    {
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), Options(2, 1, TimeSpan.FromSeconds(2)));
        using RateLimitLease first = await limiter.AcquireAsync(2);
        Assert.True(first.IsAcquired);
        Assert.False(first.TryGetMetadata(MetadataName.RetryAfter, out _));

        using RateLimitLease one = limiter.AttemptAcquire();
        Assert.False(one.IsAcquired);
        Assert.Contains(MetadataName.RetryAfter.Name, one.MetadataNames);
        Assert.InRange(RetryAfter(one), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2));

        // Two permits need two periods.
        using RateLimitLease two = await limiter.AcquireAsync(2);
        Assert.False(two.IsAcquired);
        Assert.InRange(RetryAfter(two), TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(4));

        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.AttemptAcquire(3));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await limiter.AcquireAsync(3));
    }

    [Fact]
    public void Statistics_and_idle_duration_are_filled_in()
    {
        string key = NewKey();
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, key, Options(5, 1, TimeSpan.FromMinutes(1)));
        Assert.Equal(5, limiter.GetStatistics()!.CurrentAvailablePermits);
        Assert.True(limiter.AttemptAcquire(2).IsAcquired);
        Assert.True(limiter.AttemptAcquire(3).IsAcquired);
        Assert.False(limiter.AttemptAcquire(1).IsAcquired);
        Assert.True(limiter.AttemptAcquire(0).IsAcquired is false, "0 permits on an empty bucket is not acquired");

        RateLimiterStatistics stats = limiter.GetStatistics()!;
        Assert.Equal(0, stats.CurrentAvailablePermits);
        Assert.Equal(0, stats.CurrentQueuedCount);
        Assert.Equal(2, stats.TotalSuccessfulLeases);
        Assert.Equal(2, stats.TotalFailedLeases);
        Assert.NotNull(limiter.IdleDuration);

        // The bucket: a hash-tagged key with a TTL, so idle buckets go away.
        Assert.Equal("{steadfast:ratelimit:" + key + "}", limiter.RedisKey.ToString());
        TimeSpan? ttl = redis.Connection.GetDatabase().KeyTimeToLive(limiter.RedisKey);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(7));
    }

    [Fact]
    public async Task DeferAttemptAcquire_answers_AttemptAcquire_without_a_round_trip_and_leaves_AcquireAsync_to_decide()
    {
        string key = NewKey();
        var options = new RedisTokenBucketOptions
        {
            TokenLimit = 1, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromMinutes(1), DeferAttemptAcquire = true,
        };
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, key, options);
        using RateLimitLease deferred = limiter.AttemptAcquire();
        Assert.False(deferred.IsAcquired);
        Assert.False(deferred.TryGetMetadata(MetadataName.RetryAfter, out _));
        Assert.True(deferred.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason));
        Assert.Contains("AcquireAsync", reason);
        Assert.False(await redis.Connection.GetDatabase().KeyExistsAsync(limiter.RedisKey));
        Assert.Equal(0, limiter.GetStatistics()!.TotalFailedLeases);

        using RateLimitLease first = await limiter.AcquireAsync();
        Assert.True(first.IsAcquired);
        using RateLimitLease second = await limiter.AcquireAsync();
        Assert.False(second.IsAcquired);
        Assert.True(second.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan _));
    }

    [Fact]
    public async Task AcquireAsync_queues_until_a_token_is_replenished()
    {
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), Options(1, 1, TimeSpan.FromMilliseconds(500), queue: 2));
        Assert.True(limiter.AttemptAcquire().IsAcquired);

        var clock = Stopwatch.StartNew();
        ValueTask<RateLimitLease> queued = limiter.AcquireAsync();
        await Task.Delay(100);
        Assert.False(queued.IsCompleted);
        Assert.Equal(1, limiter.GetStatistics()!.CurrentQueuedCount);
        Assert.Null(limiter.IdleDuration);

        using RateLimitLease lease = await queued;
        Assert.True(lease.IsAcquired);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2));
        Assert.Equal(0, limiter.GetStatistics()!.CurrentQueuedCount);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_cancellation_and_dispose_release_waiters()
    {
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), Options(2, 1, TimeSpan.FromSeconds(30), queue: 2));
        Assert.True(limiter.AttemptAcquire(2).IsAcquired);

        using var cancel = new CancellationTokenSource();
        ValueTask<RateLimitLease> cancelled = limiter.AcquireAsync(1, cancel.Token);
        ValueTask<RateLimitLease> disposed = limiter.AcquireAsync(1);
        await Task.Delay(100);
        Assert.Equal(2, limiter.GetStatistics()!.CurrentQueuedCount);

        // Queue full (2 permits waiting): refused at once, with the bucket's RetryAfter.
        var clock = Stopwatch.StartNew();
        using RateLimitLease full = await limiter.AcquireAsync(1);
        Assert.False(full.IsAcquired);
        Assert.InRange(RetryAfter(full), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));

        // Cancellation ends the wait promptly with OperationCanceledException and frees the queue slot.
        clock.Restart();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cancelled);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"cancellation took {clock.Elapsed}");
        Assert.Equal(1, limiter.GetStatistics()!.CurrentQueuedCount);

        // An already-cancelled token does not even ask.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await limiter.AcquireAsync(1, cancel.Token));

        // Dispose completes the remaining waiter with a failed lease; the limiter then refuses to be used.
        limiter.Dispose();
        using RateLimitLease afterDispose = await disposed.AsTask().WaitAsync(TimeSpan.FromSeconds(1));
        Assert.False(afterDispose.IsAcquired);
        Assert.Throws<ObjectDisposedException>(() => limiter.AttemptAcquire());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await limiter.AcquireAsync());
    }

    [Fact]
    public async Task Script_cache_flushed_on_the_server_is_reloaded()
    {
        string key = NewKey();
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, key, Options(10, 1, TimeSpan.FromMinutes(1)));
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        await redis.Connection.GetServer(redis.Server.EndPoint).ScriptFlushAsync();
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        await redis.Connection.GetServer(redis.Server.EndPoint).ScriptFlushAsync();
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.Equal(7, limiter.GetStatistics()!.CurrentAvailablePermits);
    }

    [Fact]
    public async Task Redis_stopped_gives_the_configured_behaviour_quickly_and_recovers_after_restart()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await using ConnectionMultiplexer connection = await server.ConnectAsync();
        string key = NewKey();
        using var reject = new RedisTokenBucketRateLimiter(connection, key, Options(1, 1, TimeSpan.FromSeconds(1), queue: 1));
        using var allow = new RedisTokenBucketRateLimiter(connection, key, Options(1, 1, TimeSpan.FromSeconds(1), queue: 1, RedisUnavailableBehavior.Allow));
        Assert.True(reject.AttemptAcquire().IsAcquired);
        Assert.False(allow.AttemptAcquire().IsAcquired);

        // A request queued while Redis goes away is not left hanging.
        ValueTask<RateLimitLease> queued = reject.AcquireAsync();
        await server.StopAsync();

        var clock = Stopwatch.StartNew();
        using RateLimitLease queuedLease = await queued.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(queuedLease.IsAcquired);

        for (int i = 0; i < 3; i++)
        {
            var call = Stopwatch.StartNew();
            using RateLimitLease rejected = reject.AttemptAcquire();
            Assert.False(rejected.IsAcquired);
            Assert.True(rejected.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason));
            Assert.Contains("unavailable", reason, StringComparison.OrdinalIgnoreCase);
            using RateLimitLease rejectedAsync = await reject.AcquireAsync();
            Assert.False(rejectedAsync.IsAcquired);
            using RateLimitLease allowed = allow.AttemptAcquire();
            Assert.True(allowed.IsAcquired);
            using RateLimitLease allowedAsync = await allow.AcquireAsync();
            Assert.True(allowedAsync.IsAcquired);
            Assert.True(call.Elapsed < TimeSpan.FromSeconds(3), $"round {i} took {call.Elapsed} (command timeout 2 s)");
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");

        // Back up (empty: nothing persisted, so the bucket starts full again): Redis decides again.
        await server.RestartAsync();
        var deadline = Stopwatch.StartNew();
        bool acquired = false;
        while (!acquired && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            using RateLimitLease lease = await reject.AcquireAsync();
            acquired = lease.IsAcquired;
            if (!acquired)
            {
                await Task.Delay(100);
            }
        }

        Assert.True(acquired, "the limiter did not recover after Redis restarted");
        using RateLimitLease afterRecovery = allow.AttemptAcquire();
        Assert.False(afterRecovery.IsAcquired);
        Assert.True(afterRecovery.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan _));
    }

    public static TheoryData<RedisTokenBucketOptions, string> BadOptions => new()
    {
        { Options(0, 1, TimeSpan.FromSeconds(1)), nameof(RedisTokenBucketOptions.TokenLimit) },
        { Options(-5, 1, TimeSpan.FromSeconds(1)), nameof(RedisTokenBucketOptions.TokenLimit) },
        { Options(10, 0, TimeSpan.FromSeconds(1)), nameof(RedisTokenBucketOptions.TokensPerPeriod) },
        { Options(10, 1, TimeSpan.Zero), nameof(RedisTokenBucketOptions.ReplenishmentPeriod) },
        { Options(10, 1, TimeSpan.FromTicks(5_000)), nameof(RedisTokenBucketOptions.ReplenishmentPeriod) },
        { Options(10, 1, TimeSpan.FromDays(400)), nameof(RedisTokenBucketOptions.ReplenishmentPeriod) },
        { Options(10, 1, TimeSpan.FromSeconds(-1)), nameof(RedisTokenBucketOptions.ReplenishmentPeriod) },
        { Options(10, 1, TimeSpan.FromSeconds(1), queue: -1), nameof(RedisTokenBucketOptions.QueueLimit) },
        { Options(10, 1, TimeSpan.FromSeconds(1), whenUnavailable: (RedisUnavailableBehavior)7), nameof(RedisTokenBucketOptions.WhenUnavailable) },
        { new RedisTokenBucketOptions(), nameof(RedisTokenBucketOptions.TokenLimit) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_rejected_at_construction_with_a_message_naming_the_option(RedisTokenBucketOptions options, string option)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), options));
        Assert.Contains($"RedisTokenBucketOptions.{option} must", ex.Message);
        Assert.Equal("options", ex.ParamName);

        var partitioned = Assert.Throws<ArgumentOutOfRangeException>(() => RedisRateLimiter.CreatePartitioned<string>(redis.Connection, r => r, options));
        Assert.Contains(option, partitioned.Message);
    }

    [Fact]
    public void Bad_arguments_are_rejected_at_construction()
    {
        var options = Options(10, 1, TimeSpan.FromSeconds(1));
        Assert.Equal("multiplexer", Assert.Throws<ArgumentNullException>(() => new RedisTokenBucketRateLimiter(null!, "k", options)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => new RedisTokenBucketRateLimiter(redis.Connection, null!, options)).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => new RedisTokenBucketRateLimiter(redis.Connection, "", options)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new RedisTokenBucketRateLimiter(redis.Connection, "k", null!)).ParamName);
        Assert.Throws<ArgumentNullException>(() => RedisRateLimiter.CreatePartitioned<string>(redis.Connection, null!, options));
        Assert.Throws<ArgumentNullException>(() => RedisRateLimiter.CreatePartitioned<string>(null!, r => r, options));
    }
}
