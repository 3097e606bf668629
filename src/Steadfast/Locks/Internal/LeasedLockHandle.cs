using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Steadfast.Locks.Internal;

/// <summary>
/// The lease machinery every backend shares: one <see cref="ITimer"/> (from the provider's <see cref="TimeProvider"/>)
/// drives automatic renewal at a third of the lease and fires <see cref="Lost"/> when no renewal has been confirmed by
/// the lease minus the safety margin. A renewal counts from the moment it was <em>sent</em>, so the local view of the
/// lease never outlives the backend's. A renewal that fails (backend unreachable, timeout) is retried every fifteenth of
/// the lease; only a backend that says the lock is no longer ours, or the deadline, loses the lease. Backends supply
/// extend and release.
/// </summary>
internal abstract class LeasedLockHandle : ILockHandle
{
    private const int StateHeld = 0;
    private const int StateReleasing = 1;
    private const int StateReleased = 2;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly bool _autoExtend;
    private readonly long _acquiredAt;
    private readonly ILogger? _logger;
    private TimeSpan _lease;
    private long _confirmedAt;
    private TimeSpan _renewAt;
    private int _failedRenewals;
    private int _confirmedRenewals;
    private ITimer? _timer;
    private CancellationTokenSource? _lostSource;
    private bool _lost;
    private bool _renewing;
    private int _state;
    private bool _heldToEnd;
    private Activity? _lossReportedTo;

    protected LeasedLockHandle(string name, long fencingToken, TimeSpan lease, bool autoExtend, long confirmedAt,
        TimeProvider time, ILogger? logger)
    {
        Name = name;
        FencingToken = fencingToken;
        _lease = lease;
        _autoExtend = autoExtend;
        _confirmedAt = confirmedAt;
        _renewAt = lease / 3;
        _acquiredAt = confirmedAt;
        _time = time;
        _logger = logger;
    }

    public string Name { get; }

    public long FencingToken { get; }

    public CancellationToken Lost
    {
        get
        {
            CancellationTokenSource? source = Volatile.Read(ref _lostSource);
            if (source is null)
            {
                bool lost;
                lock (_gate)
                {
                    source = _lostSource ??= new CancellationTokenSource();
                    lost = _lost;
                }

                if (lost)
                {
                    CancelQuietly(source);
                }
            }

            return source.Token;
        }
    }

    /// <summary>The backend name used in metrics (<c>memory</c>, <c>redis</c>).</summary>
    protected abstract string Backend { get; }

    /// <summary>Whether the timer should also call <see cref="OnLeaseExpired"/> when the lease has run out.</summary>
    protected virtual bool TracksExpiry => false;

    protected TimeProvider Time => _time;

    /// <summary>Renewals (background or <see cref="ExtendAsync"/>) that failed without an answer from the backend.</summary>
    internal int FailedRenewals => Volatile.Read(ref _failedRenewals);

    /// <summary>Renewals the backend confirmed.</summary>
    internal int ConfirmedRenewals => Volatile.Read(ref _confirmedRenewals);

    internal bool IsLost
    {
        get
        {
            lock (_gate)
            {
                return _lost;
            }
        }
    }

    /// <summary>Whether the lease (as confirmed locally) has run out at <paramref name="now"/>.</summary>
    internal bool IsExpiredAt(long now)
    {
        lock (_gate)
        {
            return _time.GetElapsedTime(_confirmedAt, now) >= _lease;
        }
    }

    /// <summary>The span that gets the lost-lease event: the one current when the lock was acquired (only set while traced).</summary>
    internal void ReportLossTo(Activity? holder) => Volatile.Write(ref _lossReportedTo, holder);

    /// <summary>Starts the renewal / lost-detection timer. Call once the backend has registered the handle.</summary>
    internal void Start()
    {
        ITimer timer = _time.CreateDetached(static s => ((LeasedLockHandle)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            if (_state != StateHeld)
            {
                timer.Dispose();
                return;
            }

            _timer = timer;
            ScheduleLocked();
        }
    }

    public async ValueTask<bool> ExtendAsync(TimeSpan lease, CancellationToken cancellationToken = default)
    {
        LockArguments.ValidateLease(lease, nameof(lease));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_state != StateHeld || _lost)
            {
                return false;
            }
        }

        long sent = _time.GetTimestamp();
        bool extended;
        try
        {
            extended = await ExtendCoreAsync(lease, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // No answer is not a refusal: the lease still runs from the last confirmed renewal, and Lost fires at its deadline.
            Interlocked.Increment(ref _failedRenewals);
            LockMetrics.RecordRenewal(Backend, success: false);
            _logger?.LogWarning(ex, "Extending the lease of lock {LockName} failed; the lease stands until its last confirmed renewal runs out.", Name);
            throw;
        }

        LockMetrics.RecordRenewal(Backend, extended);
        return Confirm(extended, sent, lease);
    }

    public async ValueTask DisposeAsync() => await ReleaseAsync().ConfigureAwait(false);

    public void Dispose()
    {
        if (!BeginRelease())
        {
            return;
        }

        bool released;
        try
        {
            released = ReleaseCore();
        }
        catch (Exception ex)
        {
            _logger?.LogWarning(ex, "Releasing lock {LockName} failed; it will be free when its lease runs out.", Name);
            released = false;
        }

        EndRelease(released);
    }

    /// <summary>Releases and reports whether the lock was held to the end (the first answer on repeat calls).</summary>
    internal async ValueTask<bool> ReleaseAsync()
    {
        if (!BeginRelease())
        {
            return Volatile.Read(ref _heldToEnd);
        }

        bool released;
        try
        {
            released = await ReleaseCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger?.LogWarning(ex, "Releasing lock {LockName} failed; it will be free when its lease runs out.", Name);
            released = false;
        }

        return EndRelease(released);
    }

    /// <summary>Marks the lease lost (fires <see cref="Lost"/> once). Safe from any thread, never throws.</summary>
    internal void MarkLost()
    {
        CancellationTokenSource? source;
        lock (_gate)
        {
            if (_lost || _state == StateReleased)
            {
                return;
            }

            _lost = true;
            source = _lostSource;
            ScheduleLocked();
        }

        OnLost(source);
    }

    /// <summary>Extends the lease in the backend if this handle still owns the lock.</summary>
    protected abstract ValueTask<bool> ExtendCoreAsync(TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Releases the lock in the backend if this handle still owns it; true if it did.</summary>
    protected abstract ValueTask<bool> ReleaseCoreAsync();

    /// <summary>Synchronous <see cref="ReleaseCoreAsync"/>.</summary>
    protected abstract bool ReleaseCore();

    /// <summary>Called (outside any handle lock) once the lease has run out, when <see cref="TracksExpiry"/>.</summary>
    protected virtual void OnLeaseExpired()
    {
    }

    private bool Confirm(bool extended, long sent, TimeSpan lease)
    {
        CancellationTokenSource? fire = null;
        bool lostNow = false;
        lock (_gate)
        {
            if (_state != StateHeld)
            {
                return false;
            }

            if (extended && !_lost)
            {
                if (sent > _confirmedAt)
                {
                    _confirmedAt = sent;
                }

                _lease = lease;
                _renewAt = lease / 3;
                _confirmedRenewals++;
                ScheduleLocked();
                return true;
            }

            if (!_lost)
            {
                _lost = true;
                lostNow = true;
                fire = _lostSource;
                ScheduleLocked();
            }
        }

        if (lostNow)
        {
            OnLost(fire);
        }

        return false;
    }

    private bool BeginRelease()
    {
        if (Interlocked.CompareExchange(ref _state, StateReleasing, StateHeld) != StateHeld)
        {
            return false;
        }

        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }

        return true;
    }

    private bool EndRelease(bool released)
    {
        bool lost;
        lock (_gate)
        {
            lost = _lost;
            _heldToEnd = released && !lost;
            _state = StateReleased;
        }

        LockMetrics.RecordHold(Backend, _time.GetElapsedTime(_acquiredAt));
        if (!released && !lost)
        {
            // The lease ran out (or was taken over) without the holder noticing.
            LockMetrics.RecordLost(Backend);
            LockTracing.LeaseLost(Volatile.Read(ref _lossReportedTo), Backend, Name, FencingToken);
        }

        if (!_heldToEnd)
        {
            _logger?.LogWarning("Lock {LockName} (fencing token {FencingToken}) was not held to the end of its use.", Name, FencingToken);
        }

        return _heldToEnd;
    }

    private void OnTimer()
    {
        bool fireLost = false;
        bool renew = false;
        bool expired = false;
        TimeSpan lease;
        CancellationTokenSource? source;
        lock (_gate)
        {
            if (_state != StateHeld || _timer is null)
            {
                return;
            }

            lease = _lease;
            TimeSpan elapsed = _time.GetElapsedTime(_confirmedAt);
            if (!_lost && elapsed >= lease - LockArguments.SafetyMargin(lease))
            {
                _lost = true;
                fireLost = true;
            }

            if (_autoExtend && !_lost && !_renewing && elapsed >= _renewAt)
            {
                _renewing = true;
                renew = true;
            }

            if (TracksExpiry && elapsed >= lease)
            {
                expired = true;
            }

            source = _lostSource;
            ScheduleLocked();
        }

        if (fireLost)
        {
            OnLost(source);
        }

        if (expired)
        {
            OnLeaseExpired();
        }

        if (renew)
        {
            _ = RenewInBackgroundAsync(lease);
        }
    }

    private async Task RenewInBackgroundAsync(TimeSpan lease)
    {
        long sent = _time.GetTimestamp();
        bool extended;
        try
        {
            extended = await ExtendCoreAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // One timeout (a failover, a stall) must not cost the lease while most of it is left: try again shortly.
            // Lost still fires at the deadline when no renewal gets through.
            _logger?.LogWarning(ex, "Renewing the lease of lock {LockName} failed; retrying while the lease allows.", Name);
            LockMetrics.RecordRenewal(Backend, success: false);
            lock (_gate)
            {
                _renewing = false;
                Interlocked.Increment(ref _failedRenewals);
                _renewAt = _time.GetElapsedTime(_confirmedAt) + RenewalRetryDelay(_lease);
                ScheduleLocked();
            }

            return;
        }

        lock (_gate)
        {
            _renewing = false;
        }

        LockMetrics.RecordRenewal(Backend, extended);
        Confirm(extended, sent, lease);
    }

    private void ScheduleLocked()
    {
        if (_timer is null)
        {
            return;
        }

        TimeSpan elapsed = _time.GetElapsedTime(_confirmedAt);
        TimeSpan due = Timeout.InfiniteTimeSpan;
        if (!_lost)
        {
            due = Min(due, _lease - LockArguments.SafetyMargin(_lease) - elapsed);
            if (_autoExtend && !_renewing)
            {
                due = Min(due, _renewAt - elapsed);
            }
        }

        if (TracksExpiry)
        {
            // Once the lease has run out the expiry callback has run; never re-arm for it (no busy loop).
            TimeSpan toExpiry = _lease - elapsed;
            if (toExpiry > TimeSpan.Zero)
            {
                due = Min(due, toExpiry);
            }
        }

        if (due != Timeout.InfiniteTimeSpan && due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        _timer.Change(due, Timeout.InfiniteTimeSpan);

        static TimeSpan Min(TimeSpan current, TimeSpan candidate) =>
            current == Timeout.InfiniteTimeSpan || candidate < current ? candidate : current;
    }

    /// <summary>How long after a failed renewal the next attempt goes out: a fifteenth of the lease.</summary>
    internal static TimeSpan RenewalRetryDelay(TimeSpan lease) => lease / 15;

    private void OnLost(CancellationTokenSource? source)
    {
        LockMetrics.RecordLost(Backend);
        LockTracing.LeaseLost(Volatile.Read(ref _lossReportedTo), Backend, Name, FencingToken);
        _logger?.LogWarning("Lock {LockName} (fencing token {FencingToken}) lost its lease.", Name, FencingToken);
        if (source is not null)
        {
            CancelQuietly(source);
        }
    }

    private void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (Exception ex)
        {
            // A user's Lost callback threw; it must not reach the timer thread.
            _logger?.LogError(ex, "A callback registered on Lost of lock {LockName} threw.", Name);
        }
    }
}
