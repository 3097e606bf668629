using System.Diagnostics;
using Steadfast.Redundancy;

namespace Steadfast.Benchmarks;

/// <summary>
/// HotWarm switchover on the real clock: heartbeat every 50 ms, threshold 3, health checks and calls take 2 ms. The
/// primary breaks at a random phase of the heartbeat; each trial records the reported SwitchoverTime (first detected
/// failure to first success on the standby) and the time from the break to that success, beside the theoretical
/// bounds. Two cases: heartbeats alone, and with traffic (an idempotent call every 5 ms).
/// </summary>
internal static class SwitchoverTimes
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CallTime = TimeSpan.FromMilliseconds(2);
    private const int Threshold = 3;

    public static async Task RunAsync(int trials)
    {
        Console.WriteLine($"HotWarm switchover: heartbeat {Interval.TotalMilliseconds} ms, threshold {Threshold}, health check / call {CallTime.TotalMilliseconds} ms, {trials} trials per case.");
        double reportedBound = (Interval.TotalMilliseconds * (Threshold - 1)) + CallTime.TotalMilliseconds;
        double breakBound = (Interval.TotalMilliseconds * Threshold) + CallTime.TotalMilliseconds;
        Console.WriteLine($"Theoretical bounds (heartbeats alone): reported <= interval x (threshold - 1) + one check = {reportedBound} ms; " +
            $"from the break <= interval x threshold + one check = {breakBound} ms (plus timer slack).");
        foreach (bool traffic in new[] { false, true })
        {
            var reported = new List<double>();
            var fromBreak = new List<double>();
            var random = new Random(7);
            for (int t = 0; t < trials; t++)
            {
                (double r, double b) = await TrialAsync(traffic, TimeSpan.FromMilliseconds(random.NextDouble() * Interval.TotalMilliseconds));
                reported.Add(r);
                fromBreak.Add(b);
            }

            string name = traffic ? "with traffic (call every 5 ms)" : "heartbeats alone";
            Report($"{name}: reported SwitchoverTime", reported);
            Report($"{name}: break -> first success on standby", fromBreak);
        }
    }

    private static async Task<(double Reported, double FromBreak)> TrialAsync(bool traffic, TimeSpan phase)
    {
        var primary = new Node();
        var standby = new Node();
        var switched = new TaskCompletionSource<(FailoverEventArgs, long)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = new HotWarm<Node>(primary, standby, new HotWarmOptions<Node>
        {
            HealthCheck = async (node, ct) =>
            {
                await Task.Delay(CallTime, ct);
                return node.Healthy;
            },
            HeartbeatInterval = Interval,
            FailureThreshold = Threshold,
            Idempotent = true,
        });
        pair.FailedOver += (_, e) => switched.TrySetResult((e, Stopwatch.GetTimestamp()));
        using var stop = new CancellationTokenSource();
        Task client = traffic ? ClientAsync(pair, stop.Token) : Task.CompletedTask;

        await Task.Delay(Interval * 2 + phase);
        long broke = Stopwatch.GetTimestamp();
        primary.Healthy = false;
        (FailoverEventArgs args, long at) = await switched.Task.WaitAsync(TimeSpan.FromSeconds(10));
        stop.Cancel();
        await client;
        return (args.SwitchoverTime.TotalMilliseconds, Stopwatch.GetElapsedTime(broke, at).TotalMilliseconds);
    }

    private static async Task ClientAsync(HotWarm<Node> pair, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await pair.ExecuteAsync(async (node, ct) =>
                {
                    await Task.Delay(CallTime, ct);
                    return node.Healthy ? 1 : throw new IOException("down");
                });
                await Task.Delay(5, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                // An idempotent call fails only if both sides fail; not expected here.
            }
        }
    }

    private static void Report(string name, List<double> samples)
    {
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        Console.WriteLine($"  {name,-58} min {samples[0],6:F1}  p50 {P(0.5),6:F1}  p90 {P(0.9),6:F1}  max {samples[^1],6:F1} ms");
    }

    private sealed class Node
    {
        public volatile bool Healthy = true;
    }
}
