using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Redundancy;

namespace Steadfast.Tests.Redundancy;

public sealed class LoadBalancerTests
{
    private readonly FakeTimeProvider _time = new();

    private LoadBalancer<int> Create(LoadBalancingStrategy strategy, int replicas = 3, int ejectionThreshold = 5, string? name = null) =>
        new(Enumerable.Range(0, replicas).ToArray(), new LoadBalancerOptions
        {
            Strategy = strategy,
            EjectionThreshold = ejectionThreshold,
            EjectionCooldown = TimeSpan.FromSeconds(10),
            Name = name,
        }, _time);

    [Fact]
    public async Task Round_robin_spreads_concurrent_calls_exactly_evenly()
    {
        var balancer = Create(LoadBalancingStrategy.RoundRobin);
        var counts = new int[3];

        await Parallel.ForAsync(0, 3000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
            await balancer.ExecuteAsync(async (replica, _) =>
            {
                await Task.Yield();
                return Interlocked.Increment(ref counts[replica]);
            }, ct));

        Assert.Equal([1000, 1000, 1000], counts);
    }

    [Fact]
    public void Least_outstanding_picks_the_replica_with_the_fewest_requests_in_flight()
    {
        var balancer = Create(LoadBalancingStrategy.LeastOutstanding);
        var held = Enumerable.Range(0, 6).Select(_ => balancer.Acquire()).ToList();
        Assert.Equal([2, 2, 2], Enumerable.Range(0, 3).Select(balancer.Outstanding));

        foreach (var lease in held.Where(l => l.Index == 1))
        {
            lease.Dispose();
        }

        using var next = balancer.Acquire();
        Assert.Equal(1, next.Index); // 0 in flight against 2 and 2
        held.ForEach(l => l.Dispose());
    }

    [Fact]
    public async Task Least_outstanding_keeps_concurrent_load_balanced()
    {
        var balancer = Create(LoadBalancingStrategy.LeastOutstanding);
        var leases = new ConcurrentBag<ReplicaLease<int>>();

        await Parallel.ForAsync(0, 300, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (_, _) =>
        {
            leases.Add(balancer.Acquire());
            return ValueTask.CompletedTask;
        });

        var loads = Enumerable.Range(0, 3).Select(balancer.Outstanding).ToArray();
        Assert.Equal(300, loads.Sum());
        Assert.True(loads.Max() - loads.Min() <= 8, $"loads {string.Join(",", loads)}"); // at most one race per worker
        foreach (var lease in leases)
        {
            lease.Dispose();
        }

        Assert.Equal([0, 0, 0], Enumerable.Range(0, 3).Select(balancer.Outstanding));
    }

    [Fact]
    public async Task Power_of_two_choices_never_picks_the_busiest_replica_and_shares_the_rest()
    {
        var balancer = Create(LoadBalancingStrategy.PowerOfTwoChoices);
        var held = new List<ReplicaLease<int>>();
        while (held.Count(l => l.Index == 0) < 10)
        {
            held.Add(balancer.Acquire()); // loads stay balanced, so replica 0 reaches 10 in flight
        }

        var busy = held.Where(l => l.Index == 0).ToList();
        held.Where(l => l.Index != 0).ToList().ForEach(l => l.Dispose());

        var counts = new int[3];
        await Parallel.ForAsync(0, 3000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, (_, _) =>
        {
            using var lease = balancer.Acquire();
            Interlocked.Increment(ref counts[lease.Index]);
            return ValueTask.CompletedTask;
        });

        Assert.Equal(0, counts[0]); // 10 in flight beats at most 4 in flight on either other replica
        Assert.InRange(counts[1], 1000, 2000);
        Assert.InRange(counts[2], 1000, 2000);
        busy.ForEach(l => l.Dispose());
    }

    [Theory]
    [InlineData(LoadBalancingStrategy.RoundRobin)]
    [InlineData(LoadBalancingStrategy.LeastOutstanding)]
    [InlineData(LoadBalancingStrategy.PowerOfTwoChoices)]
    public async Task A_failing_replica_is_ejected_then_probed_after_the_cooldown_and_readmitted_on_success(LoadBalancingStrategy strategy)
    {
        string name = $"eject-{strategy}";
        using var metrics = new MetricsCollector(name);
        var balancer = Create(strategy, ejectionThreshold: 3, name: name);
        bool replica1Broken = true;
        var calls = new int[3];
        async Task CallAsync()
        {
            try
            {
                await balancer.ExecuteAsync((replica, _) =>
                {
                    Interlocked.Increment(ref calls[replica]);
                    return replica == 1 && replica1Broken ? ValueTask.FromException<int>(new IOException("down")) : ValueTask.FromResult(replica);
                });
            }
            catch (IOException)
            {
            }
        }

        for (int i = 0; i < 200; i++)
        {
            await CallAsync();
        }

        Assert.Equal(3, calls[1]); // exactly the threshold, then ejected
        Assert.True(balancer.IsEjected(1));
        Assert.Equal(1, metrics.Sum(RedundancyTelemetry.Ejections));

        _time.Advance(TimeSpan.FromSeconds(10)); // cool-down over: one probe, which fails
        for (int i = 0; i < 50; i++)
        {
            await CallAsync();
        }

        Assert.Equal(4, calls[1]);
        Assert.True(balancer.IsEjected(1));
        Assert.Equal(2, metrics.Sum(RedundancyTelemetry.Ejections));

        replica1Broken = false;
        _time.Advance(TimeSpan.FromSeconds(9));
        await CallAsync();
        Assert.Equal(4, calls[1]); // still cooling down

        _time.Advance(TimeSpan.FromSeconds(1));
        await CallAsync(); // the probe succeeds
        Assert.Equal(5, calls[1]);
        Assert.False(balancer.IsEjected(1));
        for (int i = 0; i < 60; i++)
        {
            await CallAsync();
        }

        Assert.True(calls[1] > 5);
    }

    [Fact]
    public async Task Under_concurrency_an_ejected_replica_only_sees_requests_already_in_flight()
    {
        var balancer = Create(LoadBalancingStrategy.RoundRobin, ejectionThreshold: 5);
        int brokenCalls = 0;
        await Parallel.ForAsync(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            try
            {
                await balancer.ExecuteAsync(async (replica, _) =>
                {
                    await Task.Yield();
                    if (replica == 2)
                    {
                        Interlocked.Increment(ref brokenCalls);
                        throw new IOException("down");
                    }

                    return replica;
                }, ct);
            }
            catch (IOException)
            {
            }
        });

        Assert.True(balancer.IsEjected(2));
        Assert.InRange(brokenCalls, 5, 5 + 8); // the threshold plus at most one call per concurrent worker
    }

    [Fact]
    public async Task When_every_replica_is_ejected_it_fails_open()
    {
        var balancer = Create(LoadBalancingStrategy.RoundRobin, replicas: 2, ejectionThreshold: 1);
        for (int i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<IOException>(() => balancer.ExecuteAsync<int>((_, _) => throw new IOException("down")).AsTask());
        }

        Assert.True(balancer.IsEjected(0) && balancer.IsEjected(1));
        Assert.Equal(7, await balancer.ExecuteAsync((_, _) => ValueTask.FromResult(7)));
    }

    [Fact]
    public void Options_are_validated_by_the_constructor_naming_the_option()
    {
        AssertRejected("EjectionThreshold", new LoadBalancerOptions { EjectionThreshold = -1 });
        AssertRejected("EjectionCooldown", new LoadBalancerOptions { EjectionCooldown = TimeSpan.Zero });
        AssertRejected("Strategy", new LoadBalancerOptions { Strategy = (LoadBalancingStrategy)9 });
        var missing = Assert.Throws<ArgumentNullException>(() => new LoadBalancer<int>([1], new LoadBalancerOptions { ShouldHandle = null! }));
        Assert.Equal("ShouldHandle", missing.ParamName);
        Assert.Contains("LoadBalancerOptions.ShouldHandle", missing.Message);
        Assert.Throws<ArgumentException>(() => new LoadBalancer<int>([]));

        static void AssertRejected(string option, LoadBalancerOptions options)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LoadBalancer<int>([1], options));
            Assert.Equal(option, error.ParamName);
            Assert.Contains("LoadBalancerOptions." + option, error.Message);
        }
    }
}
