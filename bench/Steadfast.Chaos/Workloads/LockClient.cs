using Steadfast.Chaos.History;
using Steadfast.Locks;

namespace Steadfast.Chaos.Workloads;

/// <summary>
/// A lock client: acquires one of a few contended names, writes to the fenced register a few times while it holds
/// the lock (stopping when <c>Lost</c> fires), releases, and records the hold. A share of its holds are zombies: no
/// renewal, a pause longer than the lease (a GC pause, a frozen VM), then a write regardless — the writer fencing exists
/// to refuse.
/// </summary>
internal sealed class LockClient(
    string client, IDistributedLockProvider provider, LockHistory history, ChaosSettings settings, int seed)
{
    private readonly Random _random = new(seed);

    public async Task RunAsync(CancellationToken stop)
    {
        var honest = new LockOptions { Lease = settings.Lease, WaitTimeout = settings.LockWait, AutoExtend = true };
        var zombie = new LockOptions { Lease = settings.ZombieLease, WaitTimeout = settings.LockWait, AutoExtend = false };
        while (!stop.IsCancellationRequested)
        {
            string name = settings.LockNames[_random.Next(settings.LockNames.Count)];
            bool isZombie = _random.NextDouble() < settings.ZombieShare;
            long called = Clock.Now;
            ILockHandle? handle;
            try
            {
                handle = await provider.TryAcquireAsync(name, isZombie ? zombie : honest, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RedisLockException)
            {
                history.AcquireFailed();
                await PauseAsync(TimeSpan.FromMilliseconds(50), stop).ConfigureAwait(false);
                continue;
            }

            if (handle is null)
            {
                history.AcquireTimedOut();
                continue;
            }

            await HoldAsync(handle, name, isZombie, called).ConfigureAwait(false);
            await PauseAsync(TimeSpan.FromMilliseconds(_random.Next(0, 5)), stop).ConfigureAwait(false);
        }
    }

    private async Task HoldAsync(ILockHandle handle, string name, bool isZombie, long called)
    {
        long acquired = Clock.Now;
        long id = history.NewHoldId();
        long lostAt = 0;
        using (handle.Lost.Register(() => Interlocked.CompareExchange(ref lostAt, Clock.Now, 0)))
        {
            if (isZombie)
            {
                // Frozen past the lease, then writes as if nothing happened; the hold is not cut short by the run's end.
                await Task.Delay(settings.ZombieLease * 1.5).ConfigureAwait(false);
                history.Register.TryWrite(name, id, handle.FencingToken);
            }
            else if (settings.HoldFor > TimeSpan.Zero)
            {
                // A long hold (a leader, a long job): writes until the time is up or the lock is lost.
                long until = acquired + Clock.Ticks(settings.HoldFor);
                while (Clock.Now < until && !handle.Lost.IsCancellationRequested)
                {
                    history.Register.TryWrite(name, id, handle.FencingToken);
                    await PauseAsync(TimeSpan.FromMilliseconds(50), handle.Lost).ConfigureAwait(false);
                }
            }
            else
            {
                for (int i = 0; i < settings.WritesPerHold && !handle.Lost.IsCancellationRequested; i++)
                {
                    history.Register.TryWrite(name, id, handle.FencingToken);
                    await Task.Delay(_random.Next(1, 6)).ConfigureAwait(false);
                }
            }

            long end = Clock.Now;
            try
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }
            catch (RedisLockException)
            {
                history.ReleaseFailed();
            }

            long lost = Interlocked.Read(ref lostAt);
            history.Add(new LockHold(id, client, name, handle.FencingToken, called, acquired, end, isZombie, lost == 0 ? null : lost));
        }
    }

    private static async Task PauseAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
