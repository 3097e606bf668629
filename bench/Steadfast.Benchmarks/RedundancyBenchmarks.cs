using BenchmarkDotNet.Attributes;
using Polly;
using Polly.Hedging;
using Steadfast.Redundancy;

namespace Steadfast.Benchmarks;

/// <summary>
/// The Redundancy group: the cost each primitive adds to a call whose replica answers at once (no hedge fires, nothing
/// fails) — the common case that must stay cheap. Run with <c>--filter *Redundancy*</c>.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Redundancy")]
public class RedundancyBenchmarks
{
    private static readonly Func<int, CancellationToken, ValueTask<int>> Answer = static (replica, _) => new ValueTask<int>(replica);
    private HotHot<int> _hotHot = null!;
    private HotWarm<int> _hotWarm = null!;
    private LoadBalancer<int> _roundRobin = null!;
    private LoadBalancer<int> _leastOutstanding = null!;
    private LoadBalancer<int> _powerOfTwo = null!;
    private ResiliencePipeline<int> _pollyHedging = null!;

    [GlobalSetup]
    public void Setup()
    {
        int[] replicas = [0, 1];
        _hotHot = new HotHot<int>(replicas, new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(50) });
        _hotWarm = new HotWarm<int>(0, 1, new HotWarmOptions<int> { HealthCheck = static (_, _) => new ValueTask<bool>(true), HeartbeatInterval = TimeSpan.FromSeconds(10) });
        _roundRobin = new LoadBalancer<int>([0, 1, 2], new LoadBalancerOptions { Strategy = LoadBalancingStrategy.RoundRobin });
        _leastOutstanding = new LoadBalancer<int>([0, 1, 2], new LoadBalancerOptions { Strategy = LoadBalancingStrategy.LeastOutstanding });
        _powerOfTwo = new LoadBalancer<int>([0, 1, 2], new LoadBalancerOptions { Strategy = LoadBalancingStrategy.PowerOfTwoChoices });
        _pollyHedging = new ResiliencePipelineBuilder<int>()
            .AddHedging(new HedgingStrategyOptions<int> { Delay = TimeSpan.FromMilliseconds(50), MaxHedgedAttempts = 1 })
            .Build();
    }

    [GlobalCleanup]
    public ValueTask Cleanup() => _hotWarm.DisposeAsync();

    [Benchmark(Baseline = true, Description = "Direct call")]
    public ValueTask<int> Direct() => Answer(0, default);

    [Benchmark(Description = "HotHot.ExecuteAsync (hedge delay 50 ms, answer at once)")]
    public ValueTask<int> HotHotRead() => _hotHot.ExecuteAsync(Answer);

    [Benchmark(Description = "Polly.Core hedging pipeline (delay 50 ms, answer at once)")]
    public ValueTask<int> PollyHedgingRead() => _pollyHedging.ExecuteAsync(static _ => new ValueTask<int>(0));

    [Benchmark(Description = "HotWarm.ExecuteAsync")]
    public ValueTask<int> HotWarmCall() => _hotWarm.ExecuteAsync(Answer);

    [Benchmark(Description = "LoadBalancer round robin")]
    public ValueTask<int> RoundRobin() => _roundRobin.ExecuteAsync(Answer);

    [Benchmark(Description = "LoadBalancer least outstanding")]
    public ValueTask<int> LeastOutstanding() => _leastOutstanding.ExecuteAsync(Answer);

    [Benchmark(Description = "LoadBalancer power of two choices")]
    public ValueTask<int> PowerOfTwo() => _powerOfTwo.ExecuteAsync(Answer);

    [Benchmark(Description = "Fallback.ExecuteAsync (primary serves)")]
    public async ValueTask<int> FallbackPrimary() =>
        (await Fallback.ExecuteAsync(static _ => new ValueTask<int>(1), static (_, _) => new ValueTask<int>(0)).ConfigureAwait(false)).Value;
}
