using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Stops calling a failing dependency: opens when the share of handled failures over a sliding sampling window
/// reaches <see cref="CircuitBreakerOptions.FailureRatio"/> (once <see cref="CircuitBreakerOptions.MinimumThroughput"/>
/// calls were seen), rejects calls for <see cref="CircuitBreakerOptions.BreakDuration"/>, then lets
/// <see cref="CircuitBreakerOptions.HalfOpenProbes"/> probe calls decide between closing and opening again.
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe. Time comes only from the <see cref="TimeProvider"/>. A call that completes synchronously and
/// succeeds while the circuit is closed allocates nothing. With an <see cref="ICircuitStateStore"/>, trips and
/// recoveries are shared with breakers of the same <see cref="CircuitBreakerOptions.Name"/> in other processes;
/// calls never wait on the store; dispose the breaker to release its subscription to the store.
/// </para>
/// <para>
/// Delegates returning <see cref="ValueTask"/> / <see cref="ValueTask{TResult}"/> bind to the methods here;
/// <see cref="Task"/>-returning ones bind to <see cref="CircuitBreakerTaskExtensions"/> (the compiler looks there
/// only when no method here applies, so no lambda is ever ambiguous); synchronous ones go to <see cref="Execute{T}"/>
/// and <see cref="Execute(Action)"/>.
/// </para>
/// </remarks>
public sealed class CircuitBreaker : IAsyncDisposable
{
    // Store I/O runs in the background; this bounds each call in real time (the dependency is real, even in tests).
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(5);

    private readonly object _gate = new();
    private readonly CircuitBreakerOptions _options;
    private readonly ICircuitStateStore? _store;
    private readonly TimeProvider _time;
    private readonly long _breakLength;
    private readonly KeyValuePair<string, object?> _circuitTag;
    private readonly string _instanceId = Guid.NewGuid().ToString("N"); // tells our own store echoes from peers'

    // Everything below is guarded by _gate.
    private HealthWindow _window;
    private CircuitState _state = CircuitState.Closed;
    private long _generation;       // bumped on every transition, so late outcomes of an earlier state are ignored
    private long _blockedUntil;     // timestamp at which an open circuit turns half-open
    private int _probesInFlight;
    private bool _openedByPeer;     // open because another breaker tripped, not because of our own samples

    private long _nextStoreRefresh; // timestamp; read without the lock (a stale read only delays a refresh)
    private int _storeRefreshRunning;
    private long _storeMessages;    // guarded by _gate: notifications applied, so a read that raced one can be dropped

    private readonly Task _storeConnected = Task.CompletedTask;
    private IAsyncDisposable? _subscription; // set once subscribed; taken (exchanged for null) by DisposeAsync
    private int _disposed;

    /// <summary>Creates a closed breaker.</summary>
    /// <param name="options">Thresholds and callbacks.</param>
    /// <param name="store">Optional store sharing Open / Closed with other processes; requires <see cref="CircuitBreakerOptions.Name"/>.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> by default.</param>
    public CircuitBreaker(CircuitBreakerOptions options, ICircuitStateStore? store = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(shared: store is not null);

        _options = options;
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _breakLength = ToTimestampUnits(options.BreakDuration);
        _window = new HealthWindow(ToTimestampUnits(options.SamplingDuration));
        _circuitTag = new("circuit", options.Name);

        if (store is not null)
        {
            _storeConnected = ConnectToStoreAsync(store);
        }
    }

    /// <summary>The current state. An open circuit whose break has elapsed reports (and becomes) <see cref="CircuitState.HalfOpen"/>.</summary>
    public CircuitState State
    {
        get
        {
            CircuitStateChange? change = null;
            CircuitState state;
            lock (_gate)
            {
                if (_state == CircuitState.Open && _time.GetTimestamp() >= _blockedUntil)
                {
                    change = TransitionLocked(CircuitState.HalfOpen, fromPeer: false);
                }

                state = _state;
            }

            Raise(change);
            return state;
        }
    }

    /// <summary>Runs <paramref name="action"/> through the breaker.</summary>
    /// <returns>The action's result; faulted with <see cref="CircuitBreakerOpenException"/> when the circuit rejected the call (the action did not run).</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> action, CancellationToken cancellationToken = default)
    {
        // Written without async so a synchronously successful call allocates nothing in any build configuration
        // (Debug builds turn async state machines into classes).
        ArgumentNullException.ThrowIfNull(action);
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        if (!TryAdmit(out var ticket, out var rejection))
        {
            return ValueTask.FromException<T>(rejection);
        }

        ValueTask<T> pending;
        try
        {
            pending = action(cancellationToken);
        }
        catch (Exception ex)
        {
            OnFailure(ticket, ex, cancellationToken);
            return ValueTask.FromException<T>(ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            OnSuccess(ticket);
            return new ValueTask<T>(result);
        }

        return AwaitOutcomeAsync(pending, ticket, cancellationToken);
    }

    /// <summary>Runs <paramref name="action"/> through the breaker.</summary>
    /// <returns>Completes when the action does; faulted with <see cref="CircuitBreakerOpenException"/> when the circuit rejected the call (the action did not run).</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        if (!TryAdmit(out var ticket, out var rejection))
        {
            return ValueTask.FromException(rejection);
        }

        ValueTask pending;
        try
        {
            pending = action(cancellationToken);
        }
        catch (Exception ex)
        {
            OnFailure(ticket, ex, cancellationToken);
            return ValueTask.FromException(ex);
        }

        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult(); // consumes the ValueTask (returns an IValueTaskSource to its pool)
            OnSuccess(ticket);
            return default;
        }

        return AwaitOutcomeAsync(pending, ticket, cancellationToken);
    }

    /// <summary>Runs a synchronous <paramref name="action"/> through the breaker.</summary>
    /// <exception cref="CircuitBreakerOpenException">The circuit rejected the call; <paramref name="action"/> did not run.</exception>
    public T Execute<T>(Func<T> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ThrowIfDisposed();
        if (!TryAdmit(out var ticket, out var rejection))
        {
            throw rejection;
        }

        T result;
        try
        {
            result = action();
        }
        catch (Exception ex)
        {
            OnFailure(ticket, ex, CancellationToken.None);
            throw;
        }

        OnSuccess(ticket);
        return result;
    }

    /// <summary>Runs a synchronous <paramref name="action"/> that returns nothing through the breaker.</summary>
    /// <exception cref="CircuitBreakerOpenException">The circuit rejected the call; <paramref name="action"/> did not run.</exception>
    public void Execute(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ThrowIfDisposed();
        if (!TryAdmit(out var ticket, out var rejection))
        {
            throw rejection;
        }

        try
        {
            action();
        }
        catch (Exception ex)
        {
            OnFailure(ticket, ex, CancellationToken.None);
            throw;
        }

        OnSuccess(ticket);
    }

    /// <summary>
    /// Releases the subscription to the state store (waiting for a subscription still being made) and stops all
    /// store traffic. Later calls through the breaker throw <see cref="ObjectDisposedException"/>. Idempotent.
    /// </summary>
    /// <returns>Completes once the subscription is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _storeConnected.ConfigureAwait(false); // never faults: it reports its own errors
        if (Interlocked.Exchange(ref _subscription, null) is { } subscription)
        {
            try
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ReportStoreError(ex, "unsubscribe from");
            }
        }
    }

    /// <summary>Holds the circuit open (every call rejected) until <see cref="Reset"/>. Local to this breaker.</summary>
    public void Isolate()
    {
        CircuitStateChange? change = null;
        lock (_gate)
        {
            if (_state != CircuitState.Isolated)
            {
                change = TransitionLocked(CircuitState.Isolated, fromPeer: false);
            }
        }

        Raise(change);
    }

    /// <summary>Closes the circuit and forgets the sampled outcomes, from any state. Local to this breaker.</summary>
    public void Reset()
    {
        CircuitStateChange? change = null;
        lock (_gate)
        {
            if (_state != CircuitState.Closed)
            {
                change = TransitionLocked(CircuitState.Closed, fromPeer: false);
            }
            else
            {
                _window.Reset();
            }
        }

        Raise(change);
    }

    private async ValueTask<T> AwaitOutcomeAsync<T>(ValueTask<T> pending, CallTicket ticket, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnFailure(ticket, ex, cancellationToken);
            throw;
        }

        OnSuccess(ticket);
        return result;
    }

    private async ValueTask AwaitOutcomeAsync(ValueTask pending, CallTicket ticket, CancellationToken cancellationToken)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            OnFailure(ticket, ex, cancellationToken);
            throw;
        }

        OnSuccess(ticket);
    }

    /// <summary>Lets a call through (as a normal call or a half-open probe) or builds the rejection.</summary>
    private bool TryAdmit(out CallTicket ticket, [NotNullWhen(false)] out CircuitBreakerOpenException? rejection)
    {
        var now = _time.GetTimestamp();
        if (_store is not null && now >= Volatile.Read(ref _nextStoreRefresh))
        {
            StartStoreRefresh(now);
        }

        CircuitStateChange? change = null;
        lock (_gate)
        {
            if (_state == CircuitState.Closed)
            {
                ticket = new CallTicket(_generation, isProbe: false);
                rejection = null;
                return true;
            }

            if (_state == CircuitState.Open && now >= _blockedUntil)
            {
                change = TransitionLocked(CircuitState.HalfOpen, fromPeer: false);
            }

            if (_state == CircuitState.HalfOpen && _probesInFlight < _options.HalfOpenProbes)
            {
                _probesInFlight++;
                ticket = new CallTicket(_generation, isProbe: true);
                rejection = null;
            }
            else
            {
                ticket = default;
                var retryAfter = _state switch
                {
                    CircuitState.Open => _time.GetElapsedTime(now, _blockedUntil),
                    CircuitState.Isolated => Timeout.InfiniteTimeSpan,
                    _ => _options.BreakDuration, // half-open, probes busy: a failing probe re-opens for this long
                };
                rejection = new CircuitBreakerOpenException(_options.Name, _state, retryAfter);
            }
        }

        Raise(change);
        if (rejection is not null)
        {
            CircuitBreakerTelemetry.Rejected.Add(1, _circuitTag);
            CircuitBreakerTracing.Rejected(_options.Name, rejection.State);
            return false;
        }

        return true;
    }

    private void OnSuccess(CallTicket ticket)
    {
        CircuitStateChange? change = null;
        lock (_gate)
        {
            if (ticket.Generation != _generation)
            {
                return; // admitted before a transition: says nothing about the current state
            }

            if (ticket.IsProbe)
            {
                change = TransitionLocked(CircuitState.Closed, fromPeer: false);
            }
            else
            {
                _window.RecordSuccess(_time.GetTimestamp());
                return;
            }
        }

        Raise(change);
        Publish(CircuitState.Closed, default);
    }

    private void OnFailure(CallTicket ticket, Exception exception, CancellationToken cancellationToken)
    {
        bool handled;
        try
        {
            // The caller giving up is not a failure of the dependency.
            handled = !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
                && _options.ShouldHandle(exception);
        }
        catch
        {
            Release(ticket); // a throwing predicate must not leak a probe slot
            throw;
        }

        if (!handled)
        {
            Release(ticket);
            return;
        }

        CircuitStateChange? change = null;
        lock (_gate)
        {
            if (ticket.Generation != _generation)
            {
                return;
            }

            var now = _time.GetTimestamp();
            if (ticket.IsProbe)
            {
                change = TransitionLocked(CircuitState.Open, fromPeer: false);
                _blockedUntil = now + _breakLength;
            }
            else
            {
                var (total, failures) = _window.RecordFailure(now);
                // Division keeps the boundary exact: 3/10 and the literal 0.3 round to the same double.
                if (total >= _options.MinimumThroughput && (double)failures / total >= _options.FailureRatio)
                {
                    change = TransitionLocked(CircuitState.Open, fromPeer: false);
                    _blockedUntil = now + _breakLength;
                }
            }
        }

        if (change is not null)
        {
            Raise(change);
            Publish(CircuitState.Open, _options.BreakDuration);
        }
    }

    /// <summary>Gives back a probe slot after an outcome that decides nothing (unhandled exception, cancellation).</summary>
    private void Release(CallTicket ticket)
    {
        if (!ticket.IsProbe)
        {
            return;
        }

        lock (_gate)
        {
            if (ticket.Generation == _generation && _probesInFlight > 0)
            {
                _probesInFlight--;
            }
        }
    }

    private CircuitStateChange TransitionLocked(CircuitState to, bool fromPeer)
    {
        var from = _state;
        _state = to;
        _generation++;
        _probesInFlight = 0;
        _openedByPeer = fromPeer && to == CircuitState.Open;
        if (to == CircuitState.Closed)
        {
            _window.Reset();
        }

        return new CircuitStateChange(_options.Name, from, to, fromPeer);
    }

    /// <summary>Reports a transition; called outside the lock so callbacks may call back into the breaker.</summary>
    private void Raise(CircuitStateChange? change)
    {
        if (change is not { } c)
        {
            return;
        }

        CircuitBreakerTelemetry.Transitions.Add(1, _circuitTag, new KeyValuePair<string, object?>("state", c.CurrentState.ToString()));
        CircuitBreakerTracing.StateChanged(c);
        try
        {
            _options.OnStateChanged?.Invoke(c);
        }
        catch (Exception ex)
        {
            _options.Logger?.LogWarning(ex, "OnStateChanged of circuit {Circuit} threw on {Transition}; ignored.", _options.Name, c);
        }
    }

    // ---- shared state -------------------------------------------------------------------------

    private async Task ConnectToStoreAsync(ICircuitStateStore store)
    {
        // The store keeps our callback; a weak reference lets an abandoned breaker be collected.
        var self = new WeakReference<CircuitBreaker>(this);
        try
        {
            using var timeout = new CancellationTokenSource(StoreTimeout);
            var subscription = await store.SubscribeAsync(
                _options.Name!,
                shared =>
                {
                    if (self.TryGetTarget(out var breaker))
                    {
                        breaker.ApplyShared(shared, readAfterMessage: null);
                    }
                },
                timeout.Token).ConfigureAwait(false);
            Volatile.Write(ref _subscription, subscription);
            if (Volatile.Read(ref _disposed) != 0)
            {
                return; // DisposeAsync waits for this method, then releases the subscription
            }
        }
        catch (Exception ex)
        {
            ReportStoreError(ex, "subscribe to");
        }

        StartStoreRefresh(_time.GetTimestamp());
    }

    private void StartStoreRefresh(long now)
    {
        if (Volatile.Read(ref _disposed) != 0 || Interlocked.CompareExchange(ref _storeRefreshRunning, 1, 0) != 0)
        {
            return;
        }

        // One read per window tick at most, so a missed notification is caught up within one tick.
        Volatile.Write(ref _nextStoreRefresh, now + _window.SliceLength);
        _ = RefreshFromStoreAsync();
    }

    private async Task RefreshFromStoreAsync()
    {
        try
        {
            long messagesBefore;
            lock (_gate)
            {
                messagesBefore = _storeMessages;
            }

            using var timeout = new CancellationTokenSource(StoreTimeout);
            var shared = await _store!.ReadAsync(_options.Name!, timeout.Token).ConfigureAwait(false);
            if (shared is { } state)
            {
                ApplyShared(state, readAfterMessage: messagesBefore);
            }
        }
        catch (Exception ex)
        {
            ReportStoreError(ex, "read from");
        }
        finally
        {
            Volatile.Write(ref _storeRefreshRunning, 0);
        }
    }

    /// <summary>
    /// Applies a state heard from the store: a peer's trip opens a closed or half-open circuit; a peer's recovery
    /// closes a circuit that a peer opened. An open circuit keeps its own break (this also makes our own echo harmless).
    /// </summary>
    /// <param name="shared">The state heard.</param>
    /// <param name="readAfterMessage">For a read: the notification count when it started (a notification since then is newer); null for a notification.</param>
    private void ApplyShared(SharedCircuitState shared, long? readAfterMessage)
    {
        CircuitStateChange? change = null;
        lock (_gate)
        {
            if (shared.Source == _instanceId)
            {
                return; // our own trip or recovery coming back
            }

            if (readAfterMessage is null)
            {
                _storeMessages++;
            }
            else if (readAfterMessage != _storeMessages)
            {
                return; // the read may predate a notification we already applied
            }

            if (shared.State == CircuitState.Open)
            {
                if (shared.RemainingBreak <= TimeSpan.Zero)
                {
                    return;
                }

                if (_state is CircuitState.Closed or CircuitState.HalfOpen)
                {
                    change = TransitionLocked(CircuitState.Open, fromPeer: true);
                    _blockedUntil = _time.GetTimestamp() + ToTimestampUnits(shared.RemainingBreak);
                }
            }
            else if (shared.State == CircuitState.Closed && _state == CircuitState.Open && _openedByPeer)
            {
                change = TransitionLocked(CircuitState.Closed, fromPeer: true);
            }
        }

        Raise(change);
    }

    private void Publish(CircuitState state, TimeSpan breakDuration)
    {
        if (_store is not null && Volatile.Read(ref _disposed) == 0)
        {
            _ = PublishAsync(_store, state, breakDuration);
        }
    }

    private async Task PublishAsync(ICircuitStateStore store, CircuitState state, TimeSpan breakDuration)
    {
        try
        {
            using var timeout = new CancellationTokenSource(StoreTimeout);
            await store.PublishAsync(_options.Name!, new SharedCircuitState(state, breakDuration, _instanceId), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ReportStoreError(ex, "publish to");
        }
    }

    private void ReportStoreError(Exception exception, string operation)
    {
        CircuitBreakerTelemetry.StoreErrors.Add(1, _circuitTag);
        _options.Logger?.LogWarning(exception, "Circuit {Circuit} could not {Operation} its state store; carrying on in-process.", _options.Name, operation);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private long ToTimestampUnits(TimeSpan duration) =>
        (long)(duration.Ticks * ((double)_time.TimestampFrequency / TimeSpan.TicksPerSecond));
}
