using System.Diagnostics;
using System.Threading.RateLimiting;
using StackExchange.Redis;
using Steadfast.Redis.RateLimiting;
using Steadfast.Testing.Redis;
using Xunit.Abstractions;
using Steadfast.Testing.Conditions;

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

    /// <summary>The real-time bound on anything that should happen; it only bounds a failure, never a success.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);

    // RetryAfter comes from Redis's clock (TIME: the server's wall clock, in microseconds) and is checked against a local
    // Stopwatch (monotonic): two clocks, which can disagree by tens of microseconds over a few milliseconds (seen once:
    // 49 us). Lower bounds built from the Stopwatch allow this much.
    private static readonly TimeSpan TwoClocks = TimeSpan.FromMilliseconds(1);

    /// <summary>The Redis server's clock (TIME), the one the bucket's script replenishes by.</summary>
    private async Task<TimeSpan> ServerTimeAsync()
    {
        var time = (RedisResult[])(await redis.Connection.GetDatabase().ExecuteAsync("TIME"))!;
        return TimeSpan.FromTicks(((long)time[0] * 1_000_000 + (long)time[1]) * 10);
    }

    // Accuracy (how close to the allowance a busy key gets) depends on how fast the clients can ask, so it is measured
    // by the benchmark harness (`-- ratelimit-accuracy`), not asserted here. What holds on any machine, however loaded:
    // the clients never get more than the bucket allows over the span of Redis's own clock that the run covered, and
    // the bucket refills while they compete (more than the initial burst gets through).
    [Fact]
    public async Task Eight_clients_on_one_key_never_get_more_than_the_allowance_of_the_server_time_they_ran_for()
    {
        const int Clients = 8, TokenLimit = 20;
        TimeSpan duration = TimeSpan.FromSeconds(2), period = TimeSpan.FromMilliseconds(10); // 1 token / 10 ms = 100/s
        string key = NewKey();
        ConnectionMultiplexer[] connections = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => redis.Server.ConnectAsync()));
        var limiters = connections.Select((c, i) => new RedisTokenBucketRateLimiter(c, key, Options(TokenLimit, 1, period, queue: i % 2))).ToArray();
        int admitted = 0;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        TimeSpan serverStart = await ServerTimeAsync(); // before the first acquire
        TimeSpan serverEnd;
        try
        {
            // Even clients: AttemptAcquire on their own threads (a synchronous caller blocks its thread for the round
            // trip; thread-pool threads would starve the multiplexer's reads), sleeping the lease's RetryAfter when
            // refused. Odd clients: AcquireAsync, queued (limit 1) until granted.
            Task clients = Task.WhenAll(limiters.Select((limiter, i) => i % 2 == 0
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

            // Compete for at least `duration`, and until the bucket has refilled under contention.
            await Until.TrueAsync(() => clock.Elapsed >= duration && Volatile.Read(ref admitted) > TokenLimit, "a refill under contention", Prompt);
            stop.Cancel();
            await clients.WaitAsync(Prompt);
            serverEnd = await ServerTimeAsync(); // after the last acquire
        }
        finally
        {
            stop.Cancel();
            foreach (var limiter in limiters)
            {
                limiter.Dispose();
            }

            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }

        // Every grant happened within [serverStart, serverEnd] on the server's clock, and the bucket started full.
        long allowance = TokenLimit + (long)Math.Floor((serverEnd - serverStart) / period);
        output.WriteLine($"admitted {admitted}; allowance over {serverEnd - serverStart} of server time: {allowance} ({(admitted - allowance) / (double)allowance:P2})");
        Assert.InRange(admitted, TokenLimit + 1, allowance);
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
        // A period far longer than any test step, so the bucket cannot refill in between; the RetryAfter is then the
        // period less the server time since the bucket was emptied, which is at most the time this test measured.
        TimeSpan period = TimeSpan.FromMinutes(2);
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), Options(2, 1, period));
        var sinceEmptied = Stopwatch.StartNew();
        using RateLimitLease first = await limiter.AcquireAsync(2);
        Assert.True(first.IsAcquired);
        Assert.False(first.TryGetMetadata(MetadataName.RetryAfter, out _));

        using RateLimitLease one = limiter.AttemptAcquire();
        Assert.False(one.IsAcquired);
        Assert.Contains(MetadataName.RetryAfter.Name, one.MetadataNames);
        Assert.InRange(RetryAfter(one), period - sinceEmptied.Elapsed - TwoClocks, period);

        // Two permits need two periods.
        using RateLimitLease two = await limiter.AcquireAsync(2);
        Assert.False(two.IsAcquired);
        Assert.InRange(RetryAfter(two), (2 * period) - sinceEmptied.Elapsed - TwoClocks, 2 * period);

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
        TimeSpan period = TimeSpan.FromMilliseconds(500);
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), Options(1, 1, period, queue: 2));
        var sinceEmptied = Stopwatch.StartNew(); // started before the bucket was emptied: never less than the server's span
        Assert.True(limiter.AttemptAcquire().IsAcquired);

        Task<RateLimitLease> queued = limiter.AcquireAsync().AsTask();
        await Until.TrueAsync(() => limiter.GetStatistics()!.CurrentQueuedCount == 1 || queued.IsCompleted, "queueing", Prompt);
        if (sinceEmptied.Elapsed < period - TwoClocks)
        {
            // No token can exist yet, so the request must still be waiting, as a queued one (and the limiter is not idle).
            Assert.False(queued.IsCompleted);
            Assert.Equal(1, limiter.GetStatistics()!.CurrentQueuedCount);
            Assert.Null(limiter.IdleDuration);
        }

        using RateLimitLease lease = await queued.WaitAsync(Prompt);
        Assert.True(lease.IsAcquired);
        // Granted only once Redis's clock had moved a whole period past the emptying.
        Assert.True(sinceEmptied.Elapsed >= period - TwoClocks, $"granted after {sinceEmptied.Elapsed}");
        Assert.Equal(0, limiter.GetStatistics()!.CurrentQueuedCount);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_cancellation_and_dispose_release_waiters()
    {
        // The queued requests sleep for the period (minutes) before asking again, so each of the waits below ends
        // within Prompt only through what it checks: the refusal, the cancellation, the dispose.
        TimeSpan period = TimeSpan.FromMinutes(5);
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, NewKey(), Options(2, 1, period, queue: 2));
        var sinceEmptied = Stopwatch.StartNew();
        Assert.True(limiter.AttemptAcquire(2).IsAcquired);

        using var cancel = new CancellationTokenSource();
        Task<RateLimitLease> cancelled = limiter.AcquireAsync(1, cancel.Token).AsTask();
        Task<RateLimitLease> disposed = limiter.AcquireAsync(1).AsTask();
        await Until.TrueAsync(() => limiter.GetStatistics()!.CurrentQueuedCount == 2, "two queued permits", Prompt);

        // Queue full (2 permits waiting): refused at once (not queued), with the bucket's RetryAfter.
        using RateLimitLease full = await limiter.AcquireAsync(1).AsTask().WaitAsync(Prompt);
        Assert.False(full.IsAcquired);
        Assert.InRange(RetryAfter(full), period - sinceEmptied.Elapsed - TwoClocks, period);
        Assert.Equal(2, limiter.GetStatistics()!.CurrentQueuedCount);

        // Cancellation ends the wait (not the period-long sleep) with OperationCanceledException and frees the queue slot.
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Prompt));
        Assert.Equal(1, limiter.GetStatistics()!.CurrentQueuedCount);

        // An already-cancelled token does not even ask.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await limiter.AcquireAsync(1, cancel.Token));

        // Dispose completes the remaining waiter with a failed lease; the limiter then refuses to be used.
        limiter.Dispose();
        using RateLimitLease afterDispose = await disposed.WaitAsync(Prompt);
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
        // Command timeouts far beyond Prompt: a call that waited on the stopped server instead of answering from the
        // connection state would take a minute, so "quickly" is checked without a tight bound on a busy machine.
        TimeSpan commandTimeout = TimeSpan.FromMinutes(1);
        await using ConnectionMultiplexer connection = await server.ConnectAsync(o =>
        {
            o.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
            o.AsyncTimeout = (int)commandTimeout.TotalMilliseconds;
        });
        string key = NewKey();
        using var reject = new RedisTokenBucketRateLimiter(connection, key, Options(1, 1, TimeSpan.FromSeconds(1), queue: 1));
        using var allow = new RedisTokenBucketRateLimiter(connection, key, Options(1, 1, TimeSpan.FromSeconds(1), queue: 1, RedisUnavailableBehavior.Allow));
        Assert.True(reject.AttemptAcquire().IsAcquired);
        Assert.False(allow.AttemptAcquire().IsAcquired);

        // A request queued while Redis goes away is not left hanging.
        ValueTask<RateLimitLease> queued = reject.AcquireAsync();
        await server.StopAsync();

        using RateLimitLease queuedLease = await queued.AsTask().WaitAsync(Prompt);
        Assert.False(queuedLease.IsAcquired);

        for (int i = 0; i < 3; i++)
        {
            var call = Stopwatch.StartNew();
            using RateLimitLease rejected = reject.AttemptAcquire();
            Assert.False(rejected.IsAcquired);
            Assert.True(rejected.TryGetMetadata(MetadataName.ReasonPhrase, out string? reason));
            Assert.Contains("unavailable", reason, StringComparison.OrdinalIgnoreCase);
            using RateLimitLease rejectedAsync = await reject.AcquireAsync().AsTask().WaitAsync(Prompt);
            Assert.False(rejectedAsync.IsAcquired);
            using RateLimitLease allowed = allow.AttemptAcquire();
            Assert.True(allowed.IsAcquired);
            using RateLimitLease allowedAsync = await allow.AcquireAsync().AsTask().WaitAsync(Prompt);
            Assert.True(allowedAsync.IsAcquired);
            Assert.True(call.Elapsed < Prompt, $"round {i} took {call.Elapsed}: it waited for Redis (command timeout {commandTimeout})");
        }

        // Back up (empty: nothing persisted, so the bucket starts full again): Redis decides again.
        await server.RestartAsync();
        var deadline = Stopwatch.StartNew();
        bool acquired = false;
        while (!acquired && deadline.Elapsed < Prompt)
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
        Assert.Equal(option, ex.ParamName);

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
