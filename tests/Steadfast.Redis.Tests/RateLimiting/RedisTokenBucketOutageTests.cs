using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Steadfast.Redis.RateLimiting;
using Steadfast.Redis.Tests.CircuitBreakers;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.RateLimiting;

/// <summary>
/// A Redis outage must not look like ordinary throttling: every lease decided without Redis is marked in its metadata,
/// counted with its reason, and logged — rate-limited, so an outage under load does not flood the log.
/// </summary>
public sealed class RedisTokenBucketOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static RedisTokenBucketOptions Options(ListLogger logger, RedisUnavailableBehavior whenUnavailable = RedisUnavailableBehavior.Reject) => new()
    {
        TokenLimit = 10,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        WhenUnavailable = whenUnavailable,
        Logger = logger,
    };

    /// <summary>
    /// Records the unavailable counter's measurements made on the calling thread only: the meter is process-wide and
    /// other test classes run beside this one. Synchronous acquires record on the thread that calls them.
    /// </summary>
    private sealed class UnavailableCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly int _thread = Environment.CurrentManagedThreadId;

        public UnavailableCounter()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RateLimitingTelemetry.MeterName && instrument.Name == RateLimitingTelemetry.Unavailable)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                if (Environment.CurrentManagedThreadId != _thread)
                {
                    return;
                }

                string? outcome = null, reason = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == RateLimitingTelemetry.OutcomeTag)
                    {
                        outcome = (string?)tag.Value;
                    }
                    else if (tag.Key == RateLimitingTelemetry.UnavailableReasonTag)
                    {
                        reason = (string?)tag.Value;
                    }
                }

                Counts.AddOrUpdate((outcome, reason), value, (_, sum) => sum + value);
            });
            _listener.Start();
        }

        public ConcurrentDictionary<(string? Outcome, string? Reason), long> Counts { get; } = new();

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Rejections_while_Redis_is_unreachable_are_marked_counted_and_logged_once_per_interval()
    {
        await using ConnectionMultiplexer connection = await UnreachableRedis.ConnectAsync();
        var logger = new ListLogger();
        var clock = new FakeTimeProvider();
        string key = "outage-" + Guid.NewGuid().ToString("N");
        using var limiter = new RedisTokenBucketRateLimiter(connection, key, Options(logger), clock);
        using var counter = new UnavailableCounter();

        for (int i = 0; i < 50; i++)
        {
            using RateLimitLease lease = limiter.AttemptAcquire();
            Assert.False(lease.IsAcquired);
            Assert.True(lease.TryGetMetadata(RedisRateLimiterMetadata.RedisUnavailable, out string? why));
            Assert.Equal("disconnected", why);
            Assert.True(lease.TryGetMetadata(MetadataName.ReasonPhrase, out string? phrase));
            Assert.Equal("Redis unavailable (disconnected): rejected (WhenUnavailable = Reject).", phrase);
            Assert.False(lease.TryGetMetadata(MetadataName.RetryAfter, out _)); // not throttling: there is nothing to wait for
            Assert.Contains(RedisRateLimiterMetadata.RedisUnavailable.Name, lease.MetadataNames);
        }

        Assert.Equal(50, counter.Counts[("rejected", "disconnected")]);
        Assert.Single(counter.Counts);
        string first = Assert.Single(logger.Messages);
        Assert.Equal($"Warning: Rate limiter {key}: Redis unavailable (disconnected); the acquire was rejected by WhenUnavailable. 0 more acquires were decided without Redis since the previous warning.", first);

        clock.Advance(RedisOutageLog.Interval - TimeSpan.FromTicks(1));
        limiter.AttemptAcquire().Dispose();
        Assert.Single(logger.Messages); // still inside the interval

        clock.Advance(TimeSpan.FromTicks(1));
        limiter.AttemptAcquire().Dispose();
        Assert.Equal(2, logger.Messages.Count);
        Assert.Contains("50 more acquires were decided without Redis", logger.Messages.Last());

        // The asynchronous path marks its leases the same way.
        using RateLimitLease asyncLease = await limiter.AcquireAsync();
        Assert.False(asyncLease.IsAcquired);
        Assert.True(asyncLease.TryGetMetadata(RedisRateLimiterMetadata.RedisUnavailable, out string? asyncWhy));
        Assert.Equal("disconnected", asyncWhy);
    }

    [Fact]
    public async Task Limiters_sharing_a_logger_share_the_throttle_so_partitions_do_not_flood_the_log()
    {
        await using ConnectionMultiplexer connection = await UnreachableRedis.ConnectAsync();
        var logger = new ListLogger();
        var clock = new FakeTimeProvider();
        var options = Options(logger, RedisUnavailableBehavior.Allow);
        var limiters = Enumerable.Range(0, 20).Select(i => new RedisTokenBucketRateLimiter(connection, $"user-{i}-{Guid.NewGuid():N}", options, clock)).ToList();
        using var counter = new UnavailableCounter();

        foreach (var limiter in limiters)
        {
            using RateLimitLease lease = limiter.AttemptAcquire();
            Assert.True(lease.IsAcquired); // fail open
            Assert.True(lease.TryGetMetadata(RedisRateLimiterMetadata.RedisUnavailable, out string? why));
            Assert.Equal("disconnected", why);
            limiter.Dispose();
        }

        Assert.Equal(20, counter.Counts[("acquired", "disconnected")]);
        Assert.Contains("the acquire was admitted by WhenUnavailable", Assert.Single(logger.Messages));
    }

    [Fact]
    public async Task A_command_that_times_out_is_marked_and_counted_as_a_timeout()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        await using ConnectionMultiplexer connection = await server.ConnectAsync(o => o.AsyncTimeout = o.SyncTimeout = 300);
        string name = "stall-" + Guid.NewGuid().ToString("N");
        // Connected and the script loaded: on a loaded machine the first round trip can outlast the 300 ms timeout, so a
        // warm-up limiter (its own logger) tries until Redis itself admits an acquire.
        using (var warmUp = new RedisTokenBucketRateLimiter(connection, name + "-warm-up", Options(new ListLogger()), new FakeTimeProvider()))
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (true)
            {
                using RateLimitLease warm = warmUp.AttemptAcquire();
                if (warm.IsAcquired && !warm.TryGetMetadata(RedisRateLimiterMetadata.RedisUnavailable, out string? _))
                    break;
                Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(30), "Redis never answered the warm-up");
                await Task.Delay(20);
            }
        }

        var logger = new ListLogger();
        using var limiter = new RedisTokenBucketRateLimiter(connection, name, Options(logger), new FakeTimeProvider());

        // A stall, not a disconnection: the server holds every client's commands for far longer than the command timeout.
        await connection.GetServer(server.EndPoint).ExecuteAsync("CLIENT", "PAUSE", "20000", "ALL");
        using var counter = new UnavailableCounter();
        using RateLimitLease lease = limiter.AttemptAcquire();

        Assert.False(lease.IsAcquired);
        Assert.True(lease.TryGetMetadata(RedisRateLimiterMetadata.RedisUnavailable, out string? why));
        Assert.Equal("timeout", why);
        Assert.Equal(1, counter.Counts[("rejected", "timeout")]);
        Assert.Contains("Redis unavailable (timeout)", Assert.Single(logger.Messages));
    }
}
