using System.Diagnostics;
using System.Threading.RateLimiting;
using StackExchange.Redis;
using Steadfast.Redis.RateLimiting;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Tracing;

namespace Steadfast.Redis.Tests.RateLimiting;

[Collection(TracingTests.Name)]
public sealed class RedisTokenBucketRateLimiterTracingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly string _key = "rl-" + Guid.NewGuid().ToString("N");

    private static RedisTokenBucketOptions Options(int queue = 0) => new()
    {
        TokenLimit = 1,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(200),
        QueueLimit = queue,
        WhenUnavailable = RedisUnavailableBehavior.Reject,
    };

    [Fact]
    public async Task Each_acquire_is_a_span_saying_whether_it_was_permitted()
    {
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, _key, Options());
        using var traces = new ActivityCollector();

        using (RateLimitLease first = limiter.AttemptAcquire())
        using (RateLimitLease second = await limiter.AcquireAsync())
        {
            Assert.True(first.IsAcquired);
            Assert.False(second.IsAcquired);
        }

        Assert.Equal(2, traces.Stopped.Count);
        Assert.All(traces.Stopped, span =>
        {
            Assert.Equal("steadfast.ratelimit.acquire", span.OperationName);
            Assert.Equal(SteadfastTracing.ActivitySourceName, span.Source.Name);
            Assert.Equal(ActivityKind.Internal, span.Kind);
            Assert.Same(traces.Root, span.Parent);
            Assert.Equal(_key, span.Tag("steadfast.ratelimit.key"));
            Assert.Equal(1, span.Tag("steadfast.ratelimit.permits"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        });
        Assert.Equal([true, false], traces.Stopped.Select(s => (bool)s.Tag("steadfast.ratelimit.permitted")!));
    }

    [Fact]
    public async Task A_queued_acquire_is_one_span_with_an_event_per_wait()
    {
        using var limiter = new RedisTokenBucketRateLimiter(redis.Connection, _key, Options(queue: 1));
        Assert.True(limiter.AttemptAcquire().IsAcquired); // the bucket is empty now
        using var traces = new ActivityCollector();

        using RateLimitLease lease = await limiter.AcquireAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(lease.IsAcquired);
        Activity span = traces.Single("steadfast.ratelimit.acquire");
        Assert.Equal(true, span.Tag("steadfast.ratelimit.permitted"));
        ActivityEvent[] waits = span.Events.ToArray();
        Assert.NotEmpty(waits);
        Assert.All(waits, e =>
        {
            Assert.Equal("steadfast.ratelimit.queued", e.Name);
            Assert.InRange((double)e.Tag("steadfast.ratelimit.retry_after")!, 0.0, 0.2);
        });
    }

    [Fact]
    public async Task Redis_out_of_reach_fails_the_span_whatever_lease_WhenUnavailable_hands_out()
    {
        await using var connection = await UnreachableRedis.ConnectAsync();
        using var limiter = new RedisTokenBucketRateLimiter(connection, _key, Options());
        using var traces = new ActivityCollector();

        using RateLimitLease lease = await limiter.AcquireAsync();

        Assert.False(lease.IsAcquired);
        Activity span = traces.Single("steadfast.ratelimit.acquire");
        Assert.Equal(false, span.Tag("steadfast.ratelimit.permitted"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("redis_not_connected", span.Tag("error.type"));
    }
}
