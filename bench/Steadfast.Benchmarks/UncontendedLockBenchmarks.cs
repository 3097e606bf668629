using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Medallion.Threading.Redis;
using StackExchange.Redis;
using Steadfast.Locks;

namespace Steadfast.Benchmarks;

/// <summary>
/// One uncontended acquire + release per operation. The floor is what any correct Redis lock must send: SET NX PX with
/// a random token, then a compare-and-delete EVAL — two round trips through StackExchange.Redis.
/// </summary>
[MemoryDiagnoser]
public class UncontendedLockBenchmarks
{
    private const string CompareAndDelete = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _db = null!;
    private RedisLockProvider _steadfast = null!;
    private RedisDistributedLock _peer = null!;
    private RedisKey[] _floorKeys = null!;
    private readonly LockOptions _options = new() { Lease = Lease };

    [GlobalSetup]
    public void Setup()
    {
        _connection = BenchRedis.Connect();
        _db = _connection.GetDatabase();
        _steadfast = new RedisLockProvider(_connection);
        _peer = new RedisDistributedLock("bench-peer", _db);
        _floorKeys = ["bench-floor"];
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose();

    [Benchmark(Description = "Redis PING (one round trip)")]
    public Task<TimeSpan> Ping() => _db.PingAsync();

    [Benchmark(Baseline = true, Description = "Floor: SET NX PX + compare-and-delete EVAL")]
    public async Task Floor()
    {
        byte[] token = new byte[16];
        RandomNumberGenerator.Fill(token);
        if (!await _db.StringSetAsync(_floorKeys[0], token, Lease, When.NotExists).ConfigureAwait(false))
        {
            throw new InvalidOperationException("floor lock busy");
        }

        await _db.ScriptEvaluateAsync(CompareAndDelete, _floorKeys, [token]).ConfigureAwait(false);
    }

    [Benchmark(Description = "Steadfast AcquireAsync + DisposeAsync")]
    public async Task Steadfast()
    {
        await using ILockHandle handle = await _steadfast.AcquireAsync("bench-steadfast", _options).ConfigureAwait(false);
    }

    [Benchmark(Description = "DistributedLock.Redis AcquireAsync + DisposeAsync")]
    public async Task DistributedLockRedis()
    {
        await using RedisDistributedLockHandle handle = await _peer.AcquireAsync().ConfigureAwait(false);
    }
}
