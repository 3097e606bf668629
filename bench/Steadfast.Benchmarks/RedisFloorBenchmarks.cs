using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;

namespace Steadfast.Benchmarks;

/// <summary>
/// The Redis floors every Steadfast Redis figure is divided by: one round trip (PING), one script by SHA
/// (EVALSHA, what a one-script primitive costs at best), and the two round trips any correct lock needs
/// (SET NX PX + compare-and-delete EVAL). Program adds this class to every run, so ratios always come
/// from the same run, machine and Redis.
/// </summary>
[MemoryDiagnoser]
public class RedisFloorBenchmarks
{
    private const string CompareAndDelete = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
    private const string ReturnOne = "return 1";
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private ConnectionMultiplexer _connection = null!;
    private IDatabase _db = null!;
    private LoadedLuaScript _returnOne = null!;
    private readonly RedisKey[] _keys = ["bench-floor-lock"];

    [GlobalSetup]
    public void Setup()
    {
        _connection = BenchRedis.Connect();
        _db = _connection.GetDatabase();
        _returnOne = LuaScript.Prepare(ReturnOne).Load(_connection.GetServer(_connection.GetEndPoints()[0]));
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose();

    [Benchmark(Baseline = true, Description = "Floor: PING")]
    public Task<TimeSpan> Ping() => _db.PingAsync();

    [Benchmark(Description = "Floor: bare EVALSHA")]
    public Task<RedisResult> EvalSha() => _returnOne.EvaluateAsync(_db);

    [Benchmark(Description = "Floor: SET NX PX + compare-and-delete EVAL")]
    public async Task SetNxPlusCompareAndDelete()
    {
        var token = new byte[16];
        RandomNumberGenerator.Fill(token);
        if (!await _db.StringSetAsync(_keys[0], token, Lease, When.NotExists).ConfigureAwait(false))
            throw new InvalidOperationException("floor lock busy");
        await _db.ScriptEvaluateAsync(CompareAndDelete, _keys, [token]).ConfigureAwait(false);
    }
}
