using Microsoft.Extensions.Logging;

namespace Steadfast.Redundancy;

/// <summary>
/// Active-passive redundancy: every call goes to the active replica while a heartbeat health-checks both sides, so
/// the standby is known to be warm. After <see cref="HotWarmOptions{TReplica}.FailureThreshold"/> consecutive
/// failures of the active replica (failed health checks or handled call failures) the pair fails over to the other
/// side — only if that side's last health check passed. Failback is manual or automatic after a grace period.
/// </summary>
/// <typeparam name="TReplica">What a replica is: an HTTP client, a connection, an endpoint — anything callable.</typeparam>
/// <remarks>
/// <para>
/// The switchover time reported by <see cref="FailedOver"/> (and <see cref="FailedBack"/>) runs from the first failure of the streak that triggered
/// the failover to the first success on the new active replica (the retried call, any later call, or the
/// confirmation health check run right after the switch), measured with <see cref="TimeProvider.GetTimestamp"/>.
/// With heartbeats alone it is at most <c>HeartbeatInterval × (FailureThreshold − 1)</c> plus one health check
/// after the first detected failure (at most <see cref="HotWarmOptions{TReplica}.HealthCheckTimeout"/>, by default half
/// an interval, even when the check hangs); from the moment the active replica broke, at most one interval more.
/// </para>
/// <para>Thread-safe. Dispose it to stop the heartbeat.</para>
/// </remarks>
public sealed class HotWarm<TReplica> : IAsyncDisposable
{
    private const int PrimarySide = 0;
    private const int StandbySide = 1;

    private readonly object _gate = new();
    private readonly TReplica[] _replicas;
    private readonly Side[] _sides = [new(), new()];
    private readonly HotWarmOptions<TReplica> _options;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _disposed = new();
    private int _active;
    private Pending? _pending;
    private int _roundRunning;
    private Task _round = Task.CompletedTask;

    /// <summary>Creates the pair with the primary active and starts the heartbeat (a first round runs at once).</summary>
    /// <param name="primary">The replica that serves while healthy.</param>
    /// <param name="standby">The replica kept warm to take over.</param>
    /// <param name="options">Health check, heartbeat, threshold and failback settings.</param>
    /// <param name="timeProvider">The clock for heartbeats, grace periods and switchover times; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> or its <see cref="HotWarmOptions{TReplica}.HealthCheck"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (ParamName is its name).</exception>
    public HotWarm(TReplica primary, TReplica standby, HotWarmOptions<TReplica> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        _replicas = [primary, standby];
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _timer = _time.CreateDetached(static s => ((HotWarm<TReplica>)s!).OnHeartbeat(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        OnHeartbeat();
        _timer.Change(options.HeartbeatInterval, options.HeartbeatInterval);
    }

    /// <summary>
    /// Raised once a failover (<see cref="FailoverReason.HealthCheckFailed"/> or <see cref="FailoverReason.CallFailed"/>)
    /// has completed, that is, when the new active replica served its first success. Not raised for a failback (see
    /// <see cref="FailedBack"/>). Handlers run synchronously on the thread that saw that success; exceptions they throw
    /// are logged and swallowed.
    /// </summary>
    public event EventHandler<FailoverEventArgs>? FailedOver;

    /// <summary>
    /// Raised once a switch back to the primary (<see cref="FailoverReason.AutomaticFailback"/> or
    /// <see cref="FailoverReason.ManualFailback"/>) has completed, that is, when the primary served its first success.
    /// Handlers run like those of <see cref="FailedOver"/>.
    /// </summary>
    public event EventHandler<FailoverEventArgs>? FailedBack;

    /// <summary>The replica calls go to now.</summary>
    public TReplica Active => _replicas[Volatile.Read(ref _active)];

    /// <summary>Which side is active now.</summary>
    public ReplicaRole ActiveRole => (ReplicaRole)Volatile.Read(ref _active);

    /// <summary>The primary replica.</summary>
    public TReplica Primary => _replicas[PrimarySide];

    /// <summary>The standby replica.</summary>
    public TReplica Standby => _replicas[StandbySide];

    /// <summary>Test seam: the latest heartbeat round (completed when none runs).</summary>
    internal Task HeartbeatRound => Volatile.Read(ref _round);

    /// <summary>Whether the last health check of <paramref name="role"/> passed (<see langword="false"/> before the first one).</summary>
    /// <param name="role">The side.</param>
    /// <returns>Whether it is known healthy.</returns>
    public bool IsHealthy(ReplicaRole role)
    {
        lock (_gate)
        {
            return _sides[(int)role].Healthy == true;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the active replica. A handled failure counts towards the failover threshold;
    /// with <see cref="HotWarmOptions{TReplica}.Idempotent"/> it is retried once on the other side when that side is
    /// active now or known healthy.
    /// </summary>
    /// <typeparam name="TResult">The call's result.</typeparam>
    /// <param name="action">The call; it receives the replica and the caller's token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The call's result.</returns>
    /// <exception cref="AllReplicasFailedException">An idempotent call failed on both sides (both failures inside).</exception>
    /// <exception cref="ObjectDisposedException">The pair was disposed.</exception>
    public async ValueTask<TResult> ExecuteAsync<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        int side = Volatile.Read(ref _active);
        TResult result;
        try
        {
            result = await action(_replicas[side], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception first) when (!cancellationToken.IsCancellationRequested && _options.ShouldHandle(first))
        {
            Record(side, success: false, isCall: true, first);
            int other = 1 - side;
            if (!_options.Idempotent || !(Volatile.Read(ref _active) == other || IsHealthy((ReplicaRole)other)))
            {
                throw;
            }

            try
            {
                result = await action(_replicas[other], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception second) when (!cancellationToken.IsCancellationRequested && _options.ShouldHandle(second))
            {
                Record(other, success: false, isCall: true, second);
                throw new AllReplicasFailedException([new ReplicaFailure(side, first), new ReplicaFailure(other, second)]);
            }

            Record(other, success: true, isCall: true, null);
            return result;
        }

        Record(side, success: true, isCall: true, null);
        return result;
    }

    /// <summary>
    /// Switches back to the primary if the standby is active and the primary passes a health check now. With
    /// <see cref="FailbackPolicy.Automatic"/> this happens by itself after the grace period.
    /// </summary>
    /// <param name="cancellationToken">Cancels the health check.</param>
    /// <returns><see langword="true"/> if the pair switched back; <see langword="false"/> if the primary was already
    /// active or failed the check.</returns>
    public async ValueTask<bool> FailbackAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        if (Volatile.Read(ref _active) == PrimarySide)
        {
            return false;
        }

        long decidedAt = _time.GetTimestamp();
        (bool healthy, Exception? error) = await CheckAsync(PrimarySide, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        Record(PrimarySide, healthy, isCall: false, error);
        if (!healthy)
        {
            return false;
        }

        Pending? switched;
        lock (_gate)
        {
            if (_active == PrimarySide)
            {
                return false;
            }

            switched = SwitchLocked(PrimarySide, FailoverReason.ManualFailback, decidedAt, 0, null);
        }

        AfterSwitch(switched);
        return true;
    }

    /// <summary>Stops the heartbeat and waits for a running health-check round to finish.</summary>
    /// <returns>Completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Volatile.Read(ref _round).ConfigureAwait(false);
        }
        catch
        {
            // Rounds never throw; nothing to report on dispose.
        }

        _disposed.Dispose();
    }

    private void OnHeartbeat()
    {
        if (_disposed.IsCancellationRequested || Interlocked.CompareExchange(ref _roundRunning, 1, 0) != 0)
        {
            return; // The previous round is still running (its checks are bounded by the timeout).
        }

        Volatile.Write(ref _round, RunRoundAsync());
    }

    private async Task RunRoundAsync()
    {
        try
        {
            ValueTask<(bool, Exception?)> primaryCheck = CheckAsync(PrimarySide, CancellationToken.None);
            ValueTask<(bool, Exception?)> standbyCheck = CheckAsync(StandbySide, CancellationToken.None);
            (bool primaryOk, Exception? primaryError) = await primaryCheck.ConfigureAwait(false);
            (bool standbyOk, Exception? standbyError) = await standbyCheck.ConfigureAwait(false);
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            // The passive side first, so that the active side's failure sees the standby's fresh health.
            int active = Volatile.Read(ref _active);
            if (active == PrimarySide)
            {
                Record(StandbySide, standbyOk, isCall: false, standbyError);
                Record(PrimarySide, primaryOk, isCall: false, primaryError);
            }
            else
            {
                Record(PrimarySide, primaryOk, isCall: false, primaryError);
                Record(StandbySide, standbyOk, isCall: false, standbyError);
            }

            ConsiderAutomaticFailback();
        }
        catch (Exception ex)
        {
            _options.Logger?.LogError(ex, "HotWarm {Name}: a heartbeat round failed.", _options.Name);
        }
        finally
        {
            Volatile.Write(ref _roundRunning, 0);
        }
    }

    private async ValueTask<(bool Healthy, Exception? Error)> CheckAsync(int side, CancellationToken cancellationToken)
    {
        TimeSpan timeout = _options.HealthCheckTimeout;
        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token)
            : null;
        CancellationToken token = linked?.Token ?? timeoutSource.Token;
        try
        {
            ValueTask<bool> check = _options.HealthCheck(_replicas[side], token);
            bool healthy = check.IsCompletedSuccessfully
                ? check.Result
                : await check.AsTask().WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            if (!healthy)
            {
                RedundancyLog.HealthCheckFailed(_options.Logger, _options.Name, (ReplicaRole)side, null);
            }

            return (healthy, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            RedundancyLog.HealthCheckFailed(_options.Logger, _options.Name, (ReplicaRole)side, ex);
            return (false, ex);
        }
    }

    private void Record(int side, bool success, bool isCall, Exception? error)
    {
        Pending? switched = null;
        FailoverEventArgs? completed = null;
        (int Failures, Exception? Error)? impossible = null;
        lock (_gate)
        {
            Side state = _sides[side];
            long now = _time.GetTimestamp();
            if (success)
            {
                state.ConsecutiveFailures = 0;
                state.Healthy = true;
                state.HealthySince ??= now;
                if (_pending is { } pending && pending.To == side && _active == side)
                {
                    _pending = null;
                    completed = new FailoverEventArgs((ReplicaRole)pending.From, (ReplicaRole)pending.To, pending.Reason,
                        _time.GetElapsedTime(pending.StartedAt, now), pending.Failures, pending.Error);
                }
            }
            else
            {
                if (state.ConsecutiveFailures == 0)
                {
                    state.FirstFailureAt = now;
                }

                state.ConsecutiveFailures++;
                state.LastError = error;
                state.Healthy = false;
                state.HealthySince = null;
                if (side == _active && state.ConsecutiveFailures >= _options.FailureThreshold)
                {
                    if (_sides[1 - side].Healthy == true)
                    {
                        switched = SwitchLocked(1 - side, isCall ? FailoverReason.CallFailed : FailoverReason.HealthCheckFailed,
                            state.FirstFailureAt, state.ConsecutiveFailures, error);
                    }
                    else if (state.ConsecutiveFailures == _options.FailureThreshold || !isCall)
                    {
                        impossible = (state.ConsecutiveFailures, error);
                    }
                }
            }
        }

        if (impossible is { } info)
        {
            RedundancyLog.FailoverImpossible(_options.Logger, _options.Name, (ReplicaRole)side, (ReplicaRole)(1 - side), info.Failures, info.Error);
        }

        if (completed is not null)
        {
            RedundancyMetrics.RecordSwitchover(RedundancyMetrics.HotWarm, _options.Name, ReasonTag(completed.Reason), completed.SwitchoverTime);
            RedundancyTracing.Failover(_options.Name, completed, ReasonTag(completed.Reason), _time.GetUtcNow());
            RedundancyLog.Switchover(_options.Logger, _options.Name, completed.To, completed.Reason, completed.SwitchoverTime);
            bool failback = completed.Reason is FailoverReason.AutomaticFailback or FailoverReason.ManualFailback;
            try
            {
                (failback ? FailedBack : FailedOver)?.Invoke(this, completed);
            }
            catch (Exception ex)
            {
                _options.Logger?.LogError(ex, "HotWarm {Name}: a {Event} handler threw.", _options.Name, failback ? nameof(FailedBack) : nameof(FailedOver));
            }
        }

        AfterSwitch(switched);
    }

    private void ConsiderAutomaticFailback()
    {
        if (_options.Failback != FailbackPolicy.Automatic)
        {
            return;
        }

        Pending? switched = null;
        lock (_gate)
        {
            Side primary = _sides[PrimarySide];
            long now = _time.GetTimestamp();
            if (_active == StandbySide && primary.Healthy == true && primary.HealthySince is { } since
                && _time.GetElapsedTime(since, now) >= _options.FailbackGracePeriod)
            {
                switched = SwitchLocked(PrimarySide, FailoverReason.AutomaticFailback, now, 0, null);
            }
        }

        AfterSwitch(switched);
    }

    private Pending SwitchLocked(int to, FailoverReason reason, long startedAt, int failures, Exception? error)
    {
        var pending = new Pending(_active, to, reason, startedAt, failures, error);
        _active = to;
        _pending = pending;
        return pending;
    }

    private void AfterSwitch(Pending? switched)
    {
        if (switched is null)
        {
            return;
        }

        RedundancyMetrics.RecordFailover(RedundancyMetrics.HotWarm, _options.Name, ReasonTag(switched.Reason));
        RedundancyLog.Failover(_options.Logger, _options.Name, (ReplicaRole)switched.From, (ReplicaRole)switched.To, switched.Reason,
            switched.Failures, switched.Error);
        if (!_disposed.IsCancellationRequested)
        {
            _ = ConfirmAsync(switched.To);
        }
    }

    /// <summary>Checks the new active side right after a switch, so the switchover completes without waiting for traffic.</summary>
    private async Task ConfirmAsync(int side)
    {
        try
        {
            (bool healthy, Exception? error) = await CheckAsync(side, CancellationToken.None).ConfigureAwait(false);
            if (!_disposed.IsCancellationRequested)
            {
                Record(side, healthy, isCall: false, error);
            }
        }
        catch (Exception ex)
        {
            _options.Logger?.LogError(ex, "HotWarm {Name}: the confirmation check failed unexpectedly.", _options.Name);
        }
    }

    private static string ReasonTag(FailoverReason reason) => reason switch
    {
        FailoverReason.HealthCheckFailed => "health_check_failed",
        FailoverReason.CallFailed => "call_failed",
        FailoverReason.AutomaticFailback => "automatic_failback",
        _ => "manual_failback",
    };

    private sealed class Side
    {
        public bool? Healthy;
        public int ConsecutiveFailures;
        public long FirstFailureAt;
        public long? HealthySince;
        public Exception? LastError;
    }

    private sealed record Pending(int From, int To, FailoverReason Reason, long StartedAt, int Failures, Exception? Error);
}
