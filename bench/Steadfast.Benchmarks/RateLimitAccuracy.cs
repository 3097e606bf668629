using System.Diagnostics;
using System.Threading.RateLimiting;
using StackExchange.Redis;
using Steadfast.Redis.RateLimiting;

namespace Steadfast.Benchmarks;

/// <summary>
/// How close a contended Redis token bucket gets to its allowance: 8 clients (each its own connection) on one key at
/// 100 tokens/s with a burst of 20, for 5 s per trial. Even clients call AttemptAcquire on their own threads and sleep
/// the RetryAfter when refused; odd ones call AcquireAsync, queued (limit 1) until granted. The allowance is the burst
/// plus one token per period of Redis's own clock (TIME before the first and after the last acquire); a correct bucket
/// never exceeds it, and the shortfall is what the clients' scheduling and round trips cost. The test suite asserts
/// only the upper bound (it holds on any machine); the accuracy is reported here.
/// </summary>
internal static class RateLimitAccuracy
{
    private const int Clients = 8;
    private const int TokenLimit = 20;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(int trials)
    {
        Console.WriteLine($"Redis token bucket accuracy: {Clients} clients on one key, burst {TokenLimit}, 1 token / {Period.TotalMilliseconds} ms, " +
            $"{Duration.TotalSeconds} s per trial, {trials} trials. Allowance = burst + server time / period.");
        var deviations = new List<double>();
        for (int t = 0; t < trials; t++)
        {
            (int admitted, long allowance, TimeSpan serverSpan) = await TrialAsync();
            double deviation = (admitted - allowance) / (double)allowance;
            deviations.Add(deviation);
            Console.WriteLine($"  trial {t + 1}: admitted {admitted} of {allowance} over {serverSpan.TotalSeconds:F3} s of server time ({deviation:+0.00%;-0.00%})");
        }

        deviations.Sort();
        Console.WriteLine($"admitted vs allowance: min {deviations[0]:+0.00%;-0.00%}, median {deviations[deviations.Count / 2]:+0.00%;-0.00%}, " +
            $"max {deviations[^1]:+0.00%;-0.00%} (a correct bucket never goes above 0%)");
    }

    private static async Task<(int Admitted, long Allowance, TimeSpan ServerSpan)> TrialAsync()
    {
        string key = "accuracy-" + Guid.NewGuid().ToString("N");
        var connections = new ConnectionMultiplexer[Clients];
        for (int i = 0; i < Clients; i++)
        {
            connections[i] = BenchRedis.Connect();
        }

        var limiters = connections.Select((c, i) => new RedisTokenBucketRateLimiter(c, key, new RedisTokenBucketOptions
        {
            TokenLimit = TokenLimit,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = Period,
            QueueLimit = i % 2,
        })).ToArray();
        int admitted = 0;
        try
        {
            TimeSpan start = await ServerTimeAsync(connections[0]);
            using var stop = new CancellationTokenSource(Duration);
            await Task.WhenAll(limiters.Select((limiter, i) => i % 2 == 0
                ? Task.Factory.StartNew(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        using RateLimitLease lease = limiter.AttemptAcquire();
                        if (lease.IsAcquired)
                        {
                            Interlocked.Increment(ref admitted);
                        }
                        else if (lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter))
                        {
                            stop.Token.WaitHandle.WaitOne(retryAfter);
                        }
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        try
                        {
                            using RateLimitLease lease = await limiter.AcquireAsync(1, stop.Token);
                            if (lease.IsAcquired)
                            {
                                Interlocked.Increment(ref admitted);
                            }
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested)
                        {
                        }
                    }
                })));
            TimeSpan end = await ServerTimeAsync(connections[0]);
            return (admitted, TokenLimit + (long)Math.Floor((end - start) / Period), end - start);
        }
        finally
        {
            foreach (var limiter in limiters)
            {
                limiter.Dispose();
            }

            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task<TimeSpan> ServerTimeAsync(ConnectionMultiplexer connection)
    {
        var time = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("TIME"))!;
        return TimeSpan.FromTicks(((long)time[0] * 1_000_000 + (long)time[1]) * 10);
    }
}
