using BenchmarkDotNet.Attributes;
using Medallion.Threading.Redis;
using StackExchange.Redis;
using Steadfast.Locks;

namespace Steadfast.Benchmarks;

/// <summary>
/// Contended hand-off between two clients (each its own multiplexer): per operation the waiting client starts waiting
/// while the other holds the lock, the holder releases, and the operation ends when the waiter holds it. Roles swap
/// every operation. This is wait set-up plus release-to-next-holder latency; Program's <c>--handoff</c> mode measures
/// the release-to-next-holder part alone.
/// </summary>
[MemoryDiagnoser]
public class ContendedHandOffBenchmarks
{
    private ConnectionMultiplexer _c1 = null!, _c2 = null!;
    private RedisLockProvider[] _steadfast = null!;
    private RedisDistributedLock[] _peer = null!;
    private ILockHandle? _steadfastHeld;
    private int _steadfastTurn;
    private RedisDistributedLockHandle? _peerHeld;
    private int _peerTurn;

    [GlobalSetup]
    public async Task Setup()
    {
        _c1 = BenchRedis.Connect();
        _c2 = BenchRedis.Connect();
        _steadfast = [new RedisLockProvider(_c1), new RedisLockProvider(_c2)];
        _peer = [new RedisDistributedLock("bench-handoff-peer", _c1.GetDatabase()), new RedisDistributedLock("bench-handoff-peer", _c2.GetDatabase())];
        _steadfastHeld = await _steadfast[0].AcquireAsync("bench-handoff-steadfast");
        _peerHeld = await _peer[0].AcquireAsync();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_steadfastHeld is not null)
        {
            await _steadfastHeld.DisposeAsync();
        }

        if (_peerHeld is not null)
        {
            await _peerHeld.DisposeAsync();
        }

        _c1.Dispose();
        _c2.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Steadfast hand-off")]
    public async Task Steadfast()
    {
        _steadfastTurn ^= 1;
        var waiting = _steadfast[_steadfastTurn].AcquireAsync("bench-handoff-steadfast");
        await _steadfastHeld!.DisposeAsync().ConfigureAwait(false);
        _steadfastHeld = await waiting.ConfigureAwait(false);
    }

    [Benchmark(Description = "DistributedLock.Redis hand-off")]
    public async Task DistributedLockRedis()
    {
        _peerTurn ^= 1;
        var waiting = _peer[_peerTurn].AcquireAsync().AsTask();
        await _peerHeld!.DisposeAsync().ConfigureAwait(false);
        _peerHeld = await waiting.ConfigureAwait(false);
    }
}
