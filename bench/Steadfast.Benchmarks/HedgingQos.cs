using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Hedging;
using Steadfast.Redundancy;

namespace Steadfast.Benchmarks;

/// <summary>
/// Hedging quality of service as a deterministic simulation on a virtual clock (FakeTimeProvider): the real HotHot and
/// the real Polly.Core pipeline run against two simulated replicas whose latencies are drawn from seeded generators —
/// 5 ms + 10 ms × lognormal(0, 0.5) (median ≈ 15 ms, p99 ≈ 37 ms); the "slow" replica adds 200 ms to 5% of its calls.
/// Requests arrive as a seeded Poisson process (one per ms on average, about 16 in flight). The clock advances in 0.5 ms
/// steps (FakeTimeProvider timers, like real ones, have 1 ms resolution) and the thread pool is drained before each
/// step, so a run is unaffected by machine load and reproducible to within a millisecond or two at the tail.
/// </summary>
internal static class HedgingQos
{
    private static readonly TimeSpan Step = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 2);
    private const double MeanInterArrivalMs = 1.0;
    private const double SlowShare = 0.05;
    private const double SlowExtraMs = 200;

    public static void Run(int requests)
    {
        Console.WriteLine($"Hedging QoS (virtual clock): {requests} requests per scenario, Poisson arrivals every {MeanInterArrivalMs} ms on average,");
        Console.WriteLine($"replica latency 5 ms + 10 ms x lognormal(0, 0.5); the slow replica adds {SlowExtraMs} ms to {SlowShare:P0} of its calls.");
        Console.WriteLine($"{"scenario",-46} {"p50",7} {"p90",7} {"p95",7} {"p99",7} {"p99.9",7} {"max",7} {"extra req",10} {"to slow",8}");

        var healthy = Simulate("healthy replica alone (baseline)", requests, time => [new Replica("healthy", 0, 1, time)],
            (replicas, _) => (r, ct) => r[0].CallAsync(ct));
        TimeSpan fixedDelay = TimeSpan.FromMilliseconds(healthy.Percentile(0.95));

        Replica[] Pair(FakeTimeProvider time) => [new Replica("healthy", 0, 1, time), new Replica("slow", SlowShare, 2, time)];

        var noHedging = Simulate("HotHot, no hedging (MaxHedgedAttempts = 0)", requests, Pair, (replicas, time) =>
        {
            var group = new HotHot<Replica>(replicas, new HotHotOptions { MaxHedgedAttempts = 0 }, time);
            return (_, ct) => group.ExecuteAsync((r, t) => r.CallAsync(t), ct);
        });

        var adaptive = Simulate("HotHot, adaptive delay (p95 of recent)", requests, Pair, (replicas, time) =>
        {
            var group = new HotHot<Replica>(replicas, new HotHotOptions { MaxHedgedAttempts = 1, HedgePercentile = 0.95 }, time);
            return (_, ct) => group.ExecuteAsync((r, t) => r.CallAsync(t), ct);
        });

        var fixedResult = Simulate($"HotHot, fixed delay {fixedDelay.TotalMilliseconds:F1} ms", requests, Pair, (replicas, time) =>
        {
            var group = new HotHot<Replica>(replicas, new HotHotOptions { MaxHedgedAttempts = 1, HedgeDelay = fixedDelay }, time);
            return (_, ct) => group.ExecuteAsync((r, t) => r.CallAsync(t), ct);
        });

        var polly = Simulate($"Polly.Core 8.9.1 hedging, delay {fixedDelay.TotalMilliseconds:F1} ms", requests, Pair, (replicas, time) =>
        {
            // Configured the same: fixed delay, one hedged attempt, the hedge goes to the other replica; the primary
            // attempt alternates between the replicas (Polly has no replica ranking).
            var primaryKey = new ResiliencePropertyKey<int>("primary");
            int rotation = -1;
            ResiliencePipeline<string> pipeline = new ResiliencePipelineBuilder<string> { TimeProvider = time }
                .AddHedging(new HedgingStrategyOptions<string>
                {
                    Delay = fixedDelay,
                    MaxHedgedAttempts = 1,
                    ActionGenerator = args =>
                    {
                        Replica next = replicas[(args.PrimaryContext.Properties.GetValue(primaryKey, 0) + args.AttemptNumber) % replicas.Length];
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
            return async (_, ct) =>
            {
                ResilienceContext context = ResilienceContextPool.Shared.Get(ct);
                try
                {
                    context.Properties.Set(primaryKey, (int)((uint)Interlocked.Increment(ref rotation) % (uint)replicas.Length));
                    return await pipeline.ExecuteAsync(
                        static async (c, state) => await state.Replicas[c.Properties.GetValue(state.Key, 0)].CallAsync(c.CancellationToken),
                        context, (Replicas: replicas, Key: primaryKey));
                }
                finally
                {
                    ResilienceContextPool.Shared.Return(context);
                }
            };
        });

        Console.WriteLine();
        double healthyP99 = healthy.Percentile(0.99);
        Console.WriteLine($"healthy replica p99 = {healthyP99:F1} ms; target: p99 <= 1.3x = {healthyP99 * 1.3:F1} ms with <= 10% extra requests");
        foreach (var (name, r) in new[] { ("no hedging", noHedging), ("HotHot adaptive", adaptive), ("HotHot fixed", fixedResult), ("Polly fixed", polly) })
        {
            bool meets = r.Percentile(0.99) <= healthyP99 * 1.3 && r.ExtraPercent <= 10;
            Console.WriteLine($"  {name,-16} p99 {r.Percentile(0.99),6:F1} ms = {r.Percentile(0.99) / healthyP99:F2}x, extra requests {r.ExtraPercent,4:F1}%  {(meets ? "meets" : "misses")} the target");
        }
    }

    private static Result Simulate(string name, int requests, Func<FakeTimeProvider, Replica[]> createReplicas,
        Func<Replica[], FakeTimeProvider, Func<Replica[], CancellationToken, ValueTask<string>>> createCaller)
    {
        Result? result = null;
        // A dedicated thread drives the clock: continuations run inline on it when a timer fires.
        var thread = new Thread(() => result = SimulateCore(requests, createReplicas, createCaller)) { IsBackground = true };
        thread.Start();
        thread.Join();
        result!.Print(name);
        return result;
    }

    private static Result SimulateCore(int requests, Func<FakeTimeProvider, Replica[]> createReplicas,
        Func<Replica[], FakeTimeProvider, Func<Replica[], CancellationToken, ValueTask<string>>> createCaller)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Replica[] replicas = createReplicas(time);
        Func<Replica[], CancellationToken, ValueTask<string>> call = createCaller(replicas, time);
        var arrivals = new Random(42);
        var latencies = new double[requests];
        int started = 0;
        int completed = 0;
        long nextArrival = time.GetTimestamp();
        while (completed < requests)
        {
            long now = time.GetTimestamp();
            while (started < requests && nextArrival <= now)
            {
                int index = started++;
                long start = time.GetTimestamp();
                ValueTask<string> pending = call(replicas, CancellationToken.None);
                _ = Complete(pending, index, start);
                double gapMs = -MeanInterArrivalMs * Math.Log(1.0 - arrivals.NextDouble());
                nextArrival += (long)(gapMs * time.TimestampFrequency / 1000.0);
            }

            Settle();
            time.Advance(Step);
            Settle();
        }

        long attempts = replicas.Sum(r => r.Attempts);
        Array.Sort(latencies);
        return new Result(latencies, (attempts - requests) * 100.0 / requests,
            replicas.Length > 1 ? replicas[^1].Attempts * 100.0 / attempts : double.NaN);

        async Task Complete(ValueTask<string> pending, int index, long start)
        {
            await pending;
            latencies[index] = time.GetElapsedTime(start).TotalMilliseconds;
            completed++;
        }
    }

    /// <summary>
    /// Returns once no thread-pool work has been queued, started or finished for two 100 µs windows (continuations
    /// normally run inline on the driving thread; this catches the few that do not).
    /// </summary>
    private static void Settle()
    {
        int quiet = 0;
        long last = ThreadPool.CompletedWorkItemCount;
        while (quiet < 2)
        {
            long windowStart = System.Diagnostics.Stopwatch.GetTimestamp();
            while (System.Diagnostics.Stopwatch.GetElapsedTime(windowStart).Ticks < 1000)
            {
                Thread.SpinWait(20);
            }

            long completedItems = ThreadPool.CompletedWorkItemCount;
            quiet = ThreadPool.PendingWorkItemCount == 0 && completedItems == last ? quiet + 1 : 0;
            last = completedItems;
        }
    }

    private sealed record Result(double[] Sorted, double ExtraPercent, double SlowSharePercent)
    {
        public double Percentile(double q) => Sorted[Math.Min(Sorted.Length - 1, (int)Math.Ceiling(q * Sorted.Length) - 1)];

        public void Print(string name)
        {
            string slow = double.IsNaN(SlowSharePercent) ? "-" : $"{SlowSharePercent:F0}%";
            Console.WriteLine($"{name,-46} {Percentile(0.5),7:F1} {Percentile(0.9),7:F1} {Percentile(0.95),7:F1} {Percentile(0.99),7:F1} {Percentile(0.999),7:F1} {Sorted[^1],7:F1} {ExtraPercent,9:F1}% {slow,8}");
        }
    }

    /// <summary>A simulated replica: waits a drawn latency on the virtual clock, honouring cancellation.</summary>
    private sealed class Replica(string name, double slowShare, int seed, TimeProvider time)
    {
        private readonly Random _random = new(seed);
        public long Attempts;

        public async ValueTask<string> CallAsync(CancellationToken cancellationToken)
        {
            Attempts++;
            await Task.Delay(NextLatency(), time, cancellationToken).ConfigureAwait(false);
            return name;
        }

        private TimeSpan NextLatency()
        {
            double u1 = 1.0 - _random.NextDouble();
            double u2 = _random.NextDouble();
            double normal = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            double ms = 5 + (10 * Math.Exp(0.5 * normal));
            if (slowShare > 0 && _random.NextDouble() < slowShare)
            {
                ms += SlowExtraMs;
            }

            return TimeSpan.FromMilliseconds(ms);
        }
    }
}
