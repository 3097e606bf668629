using Steadfast.Chaos.History;
using Steadfast.Locks;

namespace Steadfast.Chaos.Workloads;

/// <summary>
/// A deterministic witness of a fault that can forget a lock: one client takes a lock just before the fault (during a
/// promotion's lag, so without WAIT only the doomed primary knows it; or just before a kill) and keeps believing it
/// holds it; after the fault a second client tries to take the same lock. Where the lock was forgotten (no WAIT, no
/// persistence) it is granted again and the history shows it granted twice; with WAIT the first acquire is refused (the
/// replica never confirmed it), so there is nothing to grant twice.
/// </summary>
internal sealed class LostLockProbe(IDistributedLockProvider first, IDistributedLockProvider second, LockHistory history)
{
    private const string Name = "chaos-probe";

    // Long enough that the first holder still believes it holds the lock when the second asks (no renewal, no Lost).
    private static readonly LockOptions Held = new() { Lease = TimeSpan.FromSeconds(30), AutoExtend = false, WaitTimeout = TimeSpan.Zero };

    private ILockHandle? _held;
    private long _called;
    private long _acquired;

    /// <summary>Takes the lock before the fault; a refusal (WAIT not satisfied) is counted as a failed acquire.</summary>
    public async Task AcquireBeforeFaultAsync()
    {
        _called = Clock.Now;
        try
        {
            _held = await first.TryAcquireAsync(Name, Held).ConfigureAwait(false);
            _acquired = Clock.Now;
        }
        catch (RedisLockException)
        {
            history.AcquireFailed();
        }
    }

    /// <summary>After the fault: a second client tries for up to <paramref name="patience"/>; both holds are recorded.</summary>
    public async Task ContendAfterFaultAsync(TimeSpan patience)
    {
        long deadline = Clock.Now + Clock.Ticks(patience);
        while (Clock.Now < deadline)
        {
            long called = Clock.Now;
            ILockHandle? other;
            try
            {
                other = await second.TryAcquireAsync(Name, new LockOptions { Lease = TimeSpan.FromSeconds(1), WaitTimeout = TimeSpan.FromMilliseconds(200) })
                    .ConfigureAwait(false);
            }
            catch (RedisLockException)
            {
                history.AcquireFailed(); // Still reconnecting or moving to the promoted replica.
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            if (other is null)
            {
                history.AcquireTimedOut(); // The server knows the first hold: nothing granted twice.
                continue;
            }

            long acquired = Clock.Now;
            long end = Clock.Now;
            await ReleaseAsync(other).ConfigureAwait(false);
            history.Add(new LockHold(history.NewHoldId(), "probe-2", Name, other.FencingToken, called, acquired, end, false, null));
            break;
        }

        if (_held is not null)
        {
            // The first holder believed it held the lock until now: its lease has not run out and Lost never fired.
            long end = Clock.Now;
            long? lost = _held.Lost.IsCancellationRequested ? end : null;
            history.Add(new LockHold(history.NewHoldId(), "probe-1", Name, _held.FencingToken, _called, _acquired, end, false, lost));
            await ReleaseAsync(_held).ConfigureAwait(false);
        }
    }

    private async Task ReleaseAsync(ILockHandle handle)
    {
        try
        {
            await handle.DisposeAsync().ConfigureAwait(false);
        }
        catch (RedisLockException)
        {
            history.ReleaseFailed();
        }
    }
}
