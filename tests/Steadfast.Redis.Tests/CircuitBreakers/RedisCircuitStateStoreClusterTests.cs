using System.Diagnostics;
using Steadfast.CircuitBreakers;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.CircuitBreakers;

public sealed class RedisCircuitStateStoreClusterTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Publish_read_and_notify_work_on_a_cluster()
    {
        var store = new RedisCircuitStateStore(cluster.Connection);
        var heard = new TaskCompletionSource<SharedCircuitState>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await store.SubscribeAsync("cluster-circuit", s => heard.TrySetResult(s), CancellationToken.None);

        var sincePublished = Stopwatch.StartNew();
        await store.PublishAsync("cluster-circuit", new SharedCircuitState(CircuitState.Open, TimeSpan.FromSeconds(30), "node-a"), CancellationToken.None);

        var stored = await store.ReadAsync("cluster-circuit", CancellationToken.None);
        Assert.Equal(CircuitState.Open, stored?.State);
        Assert.InRange(stored!.Value.RemainingBreak, TimeSpan.FromSeconds(30) - sincePublished.Elapsed - TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(30)); // PTTL: whole ms
        Assert.Equal("node-a", stored.Value.Source);
        Assert.Equal(new SharedCircuitState(CircuitState.Open, TimeSpan.FromSeconds(30), "node-a"), await heard.Task.WaitAsync(TimeSpan.FromSeconds(30)));

        await store.PublishAsync("cluster-circuit", new SharedCircuitState(CircuitState.Closed, TimeSpan.Zero, "node-a"), CancellationToken.None);
        Assert.Null(await store.ReadAsync("cluster-circuit", CancellationToken.None));
    }
}
