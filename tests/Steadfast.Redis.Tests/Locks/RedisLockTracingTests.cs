using System.Diagnostics;
using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Tracing;

namespace Steadfast.Redis.Tests.Locks;

[Collection(TracingTests.Name)]
public sealed class RedisLockTracingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static string NewName() => "lock-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Acquire_is_a_span_of_the_Steadfast_source_with_the_redis_backend_and_the_fencing_token()
    {
        var locks = new RedisLockProvider(redis.Connection);
        string name = NewName();
        using var traces = new ActivityCollector();

        long token;
        await using (var handle = await locks.AcquireAsync(name))
        {
            token = handle.FencingToken;
            Assert.Null(await locks.TryAcquireAsync(name));
        }

        Activity[] spans = traces.Stopped.ToArray();
        Assert.Equal(2, spans.Length);
        Assert.All(spans, span =>
        {
            Assert.Equal("steadfast.lock.acquire", span.OperationName);
            Assert.Equal(SteadfastTracing.ActivitySourceName, span.Source.Name);
            Assert.Equal(ActivityKind.Internal, span.Kind);
            Assert.Same(traces.Root, span.Parent);
            Assert.Equal("redis", span.Tag("steadfast.lock.backend"));
            Assert.Equal(name, span.Tag("steadfast.lock.name"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        });
        Assert.Equal("acquired", spans[0].Tag("steadfast.lock.outcome"));
        Assert.Equal(token, spans[0].Tag("steadfast.lock.fencing_token"));
        Assert.Equal("timeout", spans[1].Tag("steadfast.lock.outcome"));
        Assert.Null(spans[1].Tag("steadfast.lock.fencing_token"));
    }

    [Fact]
    public async Task A_lock_taken_over_after_its_lease_ran_out_is_reported_lost_on_the_holders_span_at_release()
    {
        var locks = new RedisLockProvider(redis.Connection);
        string name = NewName();
        using var traces = new ActivityCollector();
        var handle = await locks.AcquireAsync(name, new LockOptions { Lease = TimeSpan.FromSeconds(30), AutoExtend = false });

        // Another client takes the key over (as after an expiry the holder did not notice).
        await redis.Connection.GetDatabase().StringSetAsync(locks.GetKeys(name).Keys[0], "someone else");
        await handle.DisposeAsync();

        ActivityEvent lost = traces.Root.Event("steadfast.lock.lost");
        Assert.Equal("redis", lost.Tag("steadfast.lock.backend"));
        Assert.Equal(name, lost.Tag("steadfast.lock.name"));
        Assert.Equal(handle.FencingToken, lost.Tag("steadfast.lock.fencing_token"));
    }

    [Fact]
    public async Task A_redis_failure_fails_the_span_with_the_exception_type()
    {
        await using var connection = await UnreachableRedis.ConnectAsync();
        using var traces = new ActivityCollector();

        await Assert.ThrowsAsync<RedisLockException>(async () => await new RedisLockProvider(connection).AcquireAsync(NewName()));

        Activity span = traces.Single("steadfast.lock.acquire");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(RedisLockException).FullName, span.Tag("error.type"));
        Assert.Null(span.Tag("steadfast.lock.outcome"));
    }
}
