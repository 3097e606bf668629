using System.Diagnostics;
using Polly;
using Polly.Hedging;
using Steadfast.Redundancy;

namespace Steadfast.Benchmarks;

/// <summary>
/// Hedging quality of service, on the real clock: two replicas with the same latency distribution (5 ms + 10 ms ×
/// lognormal(0, 0.5): median ≈ 15 ms, p99 ≈ 37 ms); the "slow" one adds 200 ms to 5% of its calls. Requests arrive from
/// 16 concurrent callers. Each scenario reports latency percentiles and the extra requests it sent. Latencies are drawn
/// from seeded generators, so every scenario sees the same sequence per replica.
/// </summary>
internal static class HedgingQosRealClock
{
    private const int Concurrency = 16;
    private static readonly TimeSpan SlowExtra = TimeSpan.FromMilliseconds(200);

    public static async Task RunAsync(int requests)
    {
        Console.WriteLine($"Hedging QoS (real clock): {requests} requests per scenario, {Concurrency} concurrent callers, one replica +200 ms on 5% of calls.");
        Console.WriteLine($"{"scenario",-44} {"p50",8} {"p90",8} {"p99",8} {"p99.9",8} {"max",8} {"extra req",10} {"hedge wins",11} {"to slow",11}");

        // Warm-up (JIT, thread pool).
        await MeasureAsync("warm-up", Math.Min(500, requests), new Replica("h", 0, seed: 99), null, (r, ct) => r.CallAsync(ct), print: false);

        var healthy = await MeasureAsync("healthy replica alone (baseline)", requests, new Replica("healthy", 0, seed: 1), null,
            (r, ct) => r.CallAsync(ct));
        TimeSpan fixedDelay = TimeSpan.FromMilliseconds(healthy.Percentile(0.95));

        Replica[] Pair() => [new Replica("healthy", 0, seed: 1), new Replica("slow", 0.05, seed: 2)];

        var noHedge = Pair();
        var none = new HotHot<Replica>(noHedge, new HotHotOptions { MaxHedgedAttempts = 0 });
        var noHedging = await MeasureAsync("HotHot, no hedging", requests, noHedge[0], noHedge, (_, ct) => none.ExecuteAsync((r, t) => r.CallAsync(t), ct));

        var adaptivePair = Pair();
        var adaptive = new HotHot<Replica>(adaptivePair, new HotHotOptions { MaxHedgedAttempts = 1, HedgePercentile = 0.95 });
        var adaptiveResult = await MeasureAsync("HotHot, adaptive delay (p95)", requests, adaptivePair[0], adaptivePair,
            (_, ct) => adaptive.ExecuteAsync((r, t) => r.CallAsync(t), ct));

        var fixedPair = Pair();
        var fixedGroup = new HotHot<Replica>(fixedPair, new HotHotOptions { MaxHedgedAttempts = 1, HedgeDelay = fixedDelay });
        var fixedResult = await MeasureAsync($"HotHot, fixed delay {fixedDelay.TotalMilliseconds:F1} ms", requests, fixedPair[0], fixedPair,
            (_, ct) => fixedGroup.ExecuteAsync((r, t) => r.CallAsync(t), ct));

        var pollyPair = Pair();
        int rotation = 0;
        ResiliencePipeline<string> polly = new ResiliencePipelineBuilder<string>()
            .AddHedging(new HedgingStrategyOptions<string>
            {
                Delay = fixedDelay,
                MaxHedgedAttempts = 1,
                ActionGenerator = args =>
                {
                    // The hedge goes to the other replica than the primary attempt.
                    int primary = args.PrimaryContext.Properties.GetValue(PrimaryKey, 0);
                    Replica next = pollyPair[(primary + args.AttemptNumber) % pollyPair.Length];
                    CancellationToken token = args.ActionContext.CancellationToken;
                    return async () =>
                    {
                        try
                        {
                            return Outcome.FromResult(await next.CallAsync(token));
                        }
                        catch (Exception ex)
                        {
                            return Outcome.FromException<string>(ex);
                        }
                    };
                },
            })
            .Build();
        var pollyResult = await MeasureAsync($"Polly.Core 8.9.1 hedging, delay {fixedDelay.TotalMilliseconds:F1} ms", requests, pollyPair[0], pollyPair,
            async (_, ct) =>
            {
                ResilienceContext context = ResilienceContextPool.Shared.Get(ct);
                try
                {
                    int primary = (int)((uint)Interlocked.Increment(ref rotation) % (uint)pollyPair.Length);
                    context.Properties.Set(PrimaryKey, primary);
                    return await polly.ExecuteAsync(static async (c, state) => await state[c.Properties.GetValue(PrimaryKey, 0)].CallAsync(c.CancellationToken),
                        context, pollyPair);
                }
                finally
                {
                    ResilienceContextPool.Shared.Return(context);
                }
            });

        Console.WriteLine();
        double bound = healthy.Percentile(0.99) * 1.3;
        foreach (var (name, r) in new[] { ("no hedging", noHedging), ("adaptive", adaptiveResult), ("fixed", fixedResult), ("Polly", pollyResult) })
        {
            Console.WriteLine($"{name,-12} p99 / healthy p99 = {r.Percentile(0.99) / healthy.Percentile(0.99):F2}x (target <= 1.30x, i.e. <= {bound:F1} ms); extra requests {r.ExtraPercent:F1}% (target <= 10%)");
        }
    }

    private static readonly ResiliencePropertyKey<int> PrimaryKey = new("primary");

    private static async Task<Result> MeasureAsync(string name, int requests, Replica single, Replica[]? group,
        Func<Replica, CancellationToken, ValueTask<string>> call, bool print = true)
    {
        var latencies = new double[requests];
        int next = -1;
        long attemptsBefore = group?.Sum(r => r.Attempts) ?? single.Attempts;
        long slowBefore = group?[^1].Attempts ?? 0;
        long winsBefore = 0;
        using var wins = new HedgeWinCounter();
        var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                long start = Stopwatch.GetTimestamp();
                await call(single, CancellationToken.None);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }).ToArray();
        await Task.WhenAll(workers);
        long attempts = (group?.Sum(r => r.Attempts) ?? single.Attempts) - attemptsBefore;
        Array.Sort(latencies);
        var result = new Result(latencies, (attempts - requests) * 100.0 / requests);
        if (print)
        {
            string hedgeWins = group is null ? "-" : wins.Count - winsBefore > 0 ? (wins.Count - winsBefore).ToString() : "-";
            string slowShare = group is null ? "-" : $"{(group[^1].Attempts - slowBefore) * 100.0 / Math.Max(1, attempts):F0}%";
            Console.WriteLine($"{name,-44} {result.Percentile(0.5),8:F1} {result.Percentile(0.9),8:F1} {result.Percentile(0.99),8:F1} {result.Percentile(0.999),8:F1} {latencies[^1],8:F1} {result.ExtraPercent,9:F1}% {hedgeWins,11} {slowShare,11}");
        }

        return result;
    }

    private sealed record Result(double[] Sorted, double ExtraPercent)
    {
        public double Percentile(double q) => Sorted[Math.Min(Sorted.Length - 1, (int)Math.Ceiling(q * Sorted.Length) - 1)];
    }

    /// <summary>A simulated replica: Task.Delay for a drawn latency, honouring cancellation.</summary>
    private sealed class Replica(string name, double slowShare, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly object _gate = new();
        public long Attempts;

        public string Name { get; } = name;

        public async ValueTask<string> CallAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            await Task.Delay(NextLatency(), cancellationToken).ConfigureAwait(false);
            return Name;
        }

        private TimeSpan NextLatency()
        {
            lock (_gate)
            {
                // Box-Muller normal -> lognormal(0, 0.5).
                double u1 = 1.0 - _random.NextDouble();
                double u2 = _random.NextDouble();
                double normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                double ms = 5 + (10 * Math.Exp(0.5 * normal));
                if (slowShare > 0 && _random.NextDouble() < slowShare)
                {
                    ms += SlowExtra.TotalMilliseconds;
                }

                return TimeSpan.FromMilliseconds(ms);
            }
        }
    }

    /// <summary>Counts steadfast.redundancy.hedges.wins through a MeterListener.</summary>
    private sealed class HedgeWinCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _count;

        public HedgeWinCounter()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RedundancyTelemetry.MeterName && instrument.Name == RedundancyTelemetry.HedgeWins)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
