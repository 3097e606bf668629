using BenchmarkDotNet.Attributes;
using Polly;
using Polly.CircuitBreaker;
using Steadfast.CircuitBreakers;

namespace Steadfast.Benchmarks;

/// <summary>
/// The cost a circuit breaker adds to every healthy call: the success path, closed circuit, an action that
/// completes synchronously — Steadfast against a Polly.Core pipeline holding only a circuit-breaker strategy
/// configured alike, and against calling the action directly.
/// </summary>
[MemoryDiagnoser]
public class CircuitBreakerBenchmarks
{
    private static readonly Func<CancellationToken, ValueTask<int>> Action = static _ => new ValueTask<int>(42);
    private CircuitBreaker _steadfast = null!;
    private ResiliencePipeline _polly = null!;

    [GlobalSetup]
    public void Setup()
    {
        _steadfast = new CircuitBreaker(new CircuitBreakerOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(5),
        });
        _polly = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(5),
            })
            .Build();
    }

    [Benchmark(Baseline = true, Description = "No breaker: the action itself")]
    public ValueTask<int> Direct() => Action(CancellationToken.None);

    [Benchmark(Description = "Steadfast CircuitBreaker.ExecuteAsync (closed, success)")]
    public ValueTask<int> Steadfast() => _steadfast.ExecuteAsync(Action, CancellationToken.None);

    [Benchmark(Description = "Polly.Core pipeline with a circuit breaker (closed, success)")]
    public ValueTask<int> Polly() => _polly.ExecuteAsync(Action, CancellationToken.None);
}
