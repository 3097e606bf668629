using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using StackExchange.Redis;
using Steadfast.Redis.RateLimiting;
using PeerLimiter = RedisRateLimiting.RedisTokenBucketRateLimiter<string>;
using PeerOptions = RedisRateLimiting.RedisTokenBucketRateLimiterOptions;

namespace Steadfast.Benchmarks;

/// <summary>
/// One admitted acquire per operation, on buckets too large to ever refuse (the admission path, not the refusal).
/// The floor is what any Redis limiter must send: one EVALSHA round trip (of a script that only returns 1). The BCL's
/// in-process TokenBucketRateLimiter is the reference for what a limiter costs without a network.
/// <c>Latency</c>: one call at a time. <c>Throughput</c>: <see cref="InFlight"/> calls in flight, cost per call.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RateLimitingBenchmarks
{
    private const int InFlight = 32;
    private const string ReturnOne = "return 1";

    private ConnectionMultiplexer _connection = null!;
    private IDatabase _db = null!;
    private byte[] _returnOneSha = null!;
    private RedisKey[] _floorKeys = null!;
    private RedisTokenBucketRateLimiter _steadfast = null!;
    private PeerLimiter _peer = null!;
    private TokenBucketRateLimiter _bcl = null!;

    [GlobalSetup]
    public void Setup()
    {
        _connection = BenchRedis.Connect();
        _db = _connection.GetDatabase();
        _returnOneSha = _connection.GetServer(_connection.GetEndPoints()[0]).ScriptLoad(ReturnOne);
        _floorKeys = ["{bench-rl-floor}"];
        _steadfast = new RedisTokenBucketRateLimiter(_connection, "bench-rl-steadfast", new RedisTokenBucketOptions
        {
            TokenLimit = int.MaxValue,
            TokensPerPeriod = int.MaxValue,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        });
        _peer = new PeerLimiter("bench-rl-peer", new PeerOptions
        {
            ConnectionMultiplexerFactory = () => _connection,
            TokenLimit = int.MaxValue,
            TokensPerPeriod = int.MaxValue,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        });
        _bcl = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = int.MaxValue,
            TokensPerPeriod = int.MaxValue,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _steadfast.Dispose();
        _peer.Dispose();
        _bcl.Dispose();
        _connection.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Floor: EVALSHA 'return 1'")]
    [BenchmarkCategory("Latency")]
    public Task<RedisResult> Floor() => _db.ScriptEvaluateAsync(_returnOneSha, _floorKeys);

    [Benchmark(Description = "Steadfast AcquireAsync")]
    [BenchmarkCategory("Latency")]
    public async Task<bool> SteadfastAcquireAsync()
    {
        using RateLimitLease lease = await _steadfast.AcquireAsync().ConfigureAwait(false);
        return Admitted(lease);
    }

    [Benchmark(Description = "Steadfast AttemptAcquire (sync)")]
    [BenchmarkCategory("Latency")]
    public bool SteadfastAttemptAcquire()
    {
        using RateLimitLease lease = _steadfast.AttemptAcquire();
        return Admitted(lease);
    }

    [Benchmark(Description = "RedisRateLimiting AcquireAsync")]
    [BenchmarkCategory("Latency")]
    public async Task<bool> PeerAcquireAsync()
    {
        using RateLimitLease lease = await _peer.AcquireAsync().ConfigureAwait(false);
        return Admitted(lease);
    }

    [Benchmark(Description = "BCL TokenBucket AttemptAcquire (in-process)")]
    [BenchmarkCategory("Latency")]
    public bool BclAttemptAcquire()
    {
        using RateLimitLease lease = _bcl.AttemptAcquire();
        return Admitted(lease);
    }

    [Benchmark(Description = "BCL TokenBucket AcquireAsync (in-process)")]
    [BenchmarkCategory("Latency")]
    public async Task<bool> BclAcquireAsync()
    {
        using RateLimitLease lease = await _bcl.AcquireAsync().ConfigureAwait(false);
        return Admitted(lease);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = InFlight, Description = "Floor: EVALSHA 'return 1' x32 in flight")]
    [BenchmarkCategory("Throughput")]
    public Task FloorInFlight()
    {
        var calls = new Task[InFlight];
        for (int i = 0; i < calls.Length; i++)
        {
            calls[i] = _db.ScriptEvaluateAsync(_returnOneSha, _floorKeys);
        }

        return Task.WhenAll(calls);
    }

    [Benchmark(OperationsPerInvoke = InFlight, Description = "Steadfast AcquireAsync x32 in flight")]
    [BenchmarkCategory("Throughput")]
    public Task SteadfastInFlight() => InFlightAsync(_steadfast);

    [Benchmark(OperationsPerInvoke = InFlight, Description = "RedisRateLimiting AcquireAsync x32 in flight")]
    [BenchmarkCategory("Throughput")]
    public Task PeerInFlight() => InFlightAsync(_peer);

    private static async Task InFlightAsync(RateLimiter limiter)
    {
        var calls = new Task<bool>[InFlight];
        for (int i = 0; i < calls.Length; i++)
        {
            calls[i] = AcquireOnceAsync(limiter);
        }

        foreach (Task<bool> call in calls)
        {
            if (!await call.ConfigureAwait(false))
            {
                throw new InvalidOperationException("a benchmark bucket refused a permit");
            }
        }
    }

    private static async Task<bool> AcquireOnceAsync(RateLimiter limiter)
    {
        using RateLimitLease lease = await limiter.AcquireAsync().ConfigureAwait(false);
        return lease.IsAcquired;
    }

    private static bool Admitted(RateLimitLease lease) =>
        lease.IsAcquired ? true : throw new InvalidOperationException("a benchmark bucket refused a permit");
}
