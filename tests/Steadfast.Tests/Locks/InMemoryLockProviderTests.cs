using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Locks;

namespace Steadfast.Tests.Locks;

/// <summary>In-memory specifics, exact to the tick on a fake clock.</summary>
public sealed class InMemoryLockProviderTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryLockProvider _locks;

    public InMemoryLockProviderTests() => _locks = new InMemoryLockProvider(_time);

    private static LockOptions NoRenewal => new() { Lease = Lease, AutoExtend = false };

    [Fact]
    public async Task Lost_fires_exactly_a_tenth_of_the_lease_before_expiry_and_the_lock_frees_exactly_at_expiry()
    {
        var handle = await _locks.AcquireAsync("a", NoRenewal);

        _time.Advance(TimeSpan.FromSeconds(9) - Tick);
        Assert.False(handle.Lost.IsCancellationRequested);
        _time.Advance(Tick);
        Assert.True(handle.Lost.IsCancellationRequested);

        _time.Advance(TimeSpan.FromSeconds(1) - Tick);
        Assert.Null(await _locks.TryAcquireAsync("a"));
        _time.Advance(Tick);
        await using var next = await _locks.TryAcquireAsync("a");
        Assert.NotNull(next);
        Assert.Equal(handle.FencingToken + 1, next!.FencingToken);
        Assert.False(await handle.ReleaseAsync());
    }

    [Fact]
    public async Task A_waiter_is_handed_the_lock_exactly_when_a_stalled_holder_expires()
    {
        var stalled = await _locks.AcquireAsync("a", NoRenewal);
        var waiting = _locks.AcquireAsync("a").AsTask();

        _time.Advance(Lease - Tick);
        await Task.Delay(10);
        Assert.False(waiting.IsCompleted);
        _time.Advance(Tick);

        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(stalled.Lost.IsCancellationRequested);
        Assert.True(next.FencingToken > stalled.FencingToken);
    }

    [Fact]
    public async Task Wait_timeout_is_exact()
    {
        await using var held = await _locks.AcquireAsync("a");
        var waiting = _locks.TryAcquireAsync("a", new LockOptions { WaitTimeout = TimeSpan.FromSeconds(5) }).AsTask();

        _time.Advance(TimeSpan.FromSeconds(5) - Tick);
        await Task.Delay(10);
        Assert.False(waiting.IsCompleted);
        _time.Advance(Tick);

        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Waiters_are_served_first_come_first_served_and_TryAcquire_does_not_barge()
    {
        var held = await _locks.AcquireAsync("a");
        var first = _locks.AcquireAsync("a").AsTask();
        var second = _locks.AcquireAsync("a").AsTask();

        Assert.Null(await _locks.TryAcquireAsync("a"));
        await held.DisposeAsync();
        var one = await first.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second.IsCompleted);
        await one.DisposeAsync();
        await using var two = await second.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(held.FencingToken + 1, one.FencingToken);
        Assert.Equal(held.FencingToken + 2, two.FencingToken);
    }

    [Fact]
    public async Task A_cancelled_waiter_is_skipped_when_the_lock_is_released()
    {
        var held = await _locks.AcquireAsync("a");
        using var cts = new CancellationTokenSource();
        var cancelled = _locks.AcquireAsync("a", cancellationToken: cts.Token).AsTask();
        var next = _locks.AcquireAsync("a").AsTask();

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await held.DisposeAsync();

        await using var handle = await next.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(held.FencingToken + 1, handle.FencingToken);
    }

    [Fact]
    public async Task Auto_extend_renews_at_a_third_of_the_lease_for_as_long_as_the_handle_is_held()
    {
        var handle = await _locks.AcquireAsync("a", new LockOptions { Lease = Lease });

        for (int i = 0; i < 100; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(handle.Lost.IsCancellationRequested);
        Assert.Null(await _locks.TryAcquireAsync("a"));
        Assert.True(await handle.ReleaseAsync());
    }

    [Fact]
    public async Task ExtendAsync_moves_the_lost_deadline_and_expiry()
    {
        var handle = await _locks.AcquireAsync("a", NoRenewal);
        _time.Advance(TimeSpan.FromSeconds(8));

        Assert.True(await handle.ExtendAsync(TimeSpan.FromSeconds(20)));
        _time.Advance(TimeSpan.FromSeconds(18) - Tick);
        Assert.False(handle.Lost.IsCancellationRequested);
        _time.Advance(Tick);
        Assert.True(handle.Lost.IsCancellationRequested);
        Assert.False(await handle.ExtendAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Fencing_counters_are_per_name()
    {
        await using var a = await _locks.AcquireAsync("a");
        await using var b = await _locks.AcquireAsync("b");

        Assert.Equal(1, a.FencingToken);
        Assert.Equal(1, b.FencingToken);
    }

    [Fact]
    public async Task Sync_acquire_waits_for_a_release_on_another_thread()
    {
        var held = _locks.Acquire("a");

        var waiting = Task.Run(() => _locks.Acquire("a"));
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);
        held.Dispose();

        using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(2, next.FencingToken);
    }

    [Fact]
    public async Task Metrics_are_published_under_the_documented_names()
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == LockTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, _, _, _) => seen.AddOrUpdate(i.Name, 1, (_, n) => n + 1));
        listener.SetMeasurementEventCallback<long>((i, _, _, _) => seen.AddOrUpdate(i.Name, 1, (_, n) => n + 1));
        listener.Start();

        var handle = await _locks.AcquireAsync("m", new LockOptions { Lease = Lease });
        Assert.Null(await _locks.TryAcquireAsync("m"));
        _time.Advance(TimeSpan.FromSeconds(4));
        await handle.DisposeAsync();
        var stalled = await _locks.AcquireAsync("m", NoRenewal);
        _time.Advance(Lease);
        await stalled.DisposeAsync();

        Assert.Contains(LockTelemetry.WaitDuration, seen.Keys);
        Assert.Contains(LockTelemetry.HoldDuration, seen.Keys);
        Assert.Contains(LockTelemetry.Renewals, seen.Keys);
        Assert.Contains(LockTelemetry.LostLeases, seen.Keys);
        Assert.Contains(LockTelemetry.Contention, seen.Keys);
    }

    [Fact]
    public async Task Many_concurrent_callers_are_mutually_exclusive()
    {
        var locks = new InMemoryLockProvider();
        int inside = 0, max = 0, count = 0;
        long lastToken = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                await using var handle = await locks.AcquireAsync("hot");
                int now = Interlocked.Increment(ref inside);
                max = Math.Max(max, now);
                Assert.True(handle.FencingToken > lastToken);
                lastToken = handle.FencingToken;
                count++;
                Interlocked.Decrement(ref inside);
            }
        })));

        Assert.Equal(1, max);
        Assert.Equal(1600, count);
    }
}
