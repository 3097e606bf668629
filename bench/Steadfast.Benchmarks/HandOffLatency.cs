using System.Diagnostics;
using Medallion.Threading.Redis;
using Steadfast.Locks;

namespace Steadfast.Benchmarks;

/// <summary>
/// Release-to-next-holder latency: the waiter is parked (waiting for 20 ms) before the holder releases; the clock runs
/// from the release call to the waiter holding the lock. Printed as percentiles for both libraries.
/// </summary>
internal static class HandOffLatency
{
    public static async Task RunAsync(int rounds)
    {
        using var c1 = BenchRedis.Connect();
        using var c2 = BenchRedis.Connect();
        var steadfast = new[] { new RedisLockProvider(c1), new RedisLockProvider(c2) };
        var peer = new[] { new RedisDistributedLock("handoff-peer", c1.GetDatabase()), new RedisDistributedLock("handoff-peer", c2.GetDatabase()) };

        var s = await MeasureAsync(rounds, async i => await steadfast[i % 2].AcquireAsync("handoff-steadfast"), h => h.DisposeAsync());
        Report("Steadfast", s);
        var p = await MeasureAsync(rounds, async i => await peer[i % 2].AcquireAsync(), h => h.DisposeAsync());
        Report("DistributedLock.Redis", p);
    }

    private static async Task<double[]> MeasureAsync<THandle>(int rounds, Func<int, Task<THandle>> acquire, Func<THandle, ValueTask> release)
    {
        var samples = new double[rounds];
        THandle held = await acquire(0);
        for (int i = 1; i <= rounds; i++)
        {
            Task<THandle> waiting = acquire(i);
            await Task.Delay(20); // let the waiter park
            long start = Stopwatch.GetTimestamp();
            await release(held);
            held = await waiting;
            samples[i - 1] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        await release(held);
        Array.Sort(samples);
        return samples;
    }

    private static void Report(string name, double[] sorted)
    {
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine($"{name,-22} hand-off (release -> next holder), n={sorted.Length}: p50 {P(0.50):F2} ms, p90 {P(0.90):F2} ms, p99 {P(0.99):F2} ms, mean {sorted.Average():F2} ms");
    }
}
