namespace Steadfast.Redundancy;

/// <summary>
/// Load balancing over a fixed set of replicas — round robin, least outstanding requests or power of two choices —
/// with health ejection: a replica that fails <see cref="LoadBalancerOptions.EjectionThreshold"/> times in a row gets
/// no traffic for <see cref="LoadBalancerOptions.EjectionCooldown"/>, then a single probe request decides whether it
/// is re-admitted or ejected again.
/// </summary>
/// <typeparam name="T">The replica type.</typeparam>
/// <remarks>
/// When every replica is ejected the balancer fails open (panic mode): it picks among all of them by the strategy,
/// since sending traffic to a possibly-failing replica beats sending it nowhere. Thread-safe; time comes only from the
/// <see cref="TimeProvider"/>.
/// </remarks>
public sealed class LoadBalancer<T> : ILoadBalancer<T>
{
    private readonly T[] _replicas;
    private readonly State[] _states;
    private readonly LoadBalancerOptions _options;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private int _ejectedCount;
    private int _rotation = -1;

    /// <summary>Creates the balancer.</summary>
    /// <param name="replicas">The replicas, at least one; the list is copied.</param>
    /// <param name="options">Strategy and ejection settings; defaults when null.</param>
    /// <param name="timeProvider">The clock for cool-downs; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="replicas"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="replicas"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (ParamName is its name).</exception>
    public LoadBalancer(IReadOnlyList<T> replicas, LoadBalancerOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
        {
            throw new ArgumentException("At least one replica is required.", nameof(replicas));
        }

        _replicas = replicas.ToArray();
        _states = new State[_replicas.Length];
        for (int i = 0; i < _states.Length; i++)
        {
            _states[i] = new State();
        }

        _options = options ?? new LoadBalancerOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public IReadOnlyList<T> Replicas => _replicas;

    /// <inheritdoc/>
    public bool IsEjected(int index)
    {
        lock (_gate)
        {
            return _states[index].Ejected;
        }
    }

    /// <inheritdoc/>
    public int Outstanding(int index) => Volatile.Read(ref _states[index].Outstanding);

    /// <inheritdoc/>
    public ReplicaLease<T> Acquire()
    {
        int index;
        bool probe = false;
        if (Volatile.Read(ref _ejectedCount) == 0)
        {
            index = Pick(default);
        }
        else
        {
            lock (_gate)
            {
                (index, probe) = PickWithEjectionLocked();
            }
        }

        Interlocked.Increment(ref _states[index].Outstanding);
        return new ReplicaLease<T>(this, index, _replicas[index], probe);
    }

    /// <inheritdoc/>
    public async ValueTask<TResult> ExecuteAsync<TResult>(Func<T, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        cancellationToken.ThrowIfCancellationRequested();
        using ReplicaLease<T> lease = Acquire();
        try
        {
            TResult result = await action(lease.Replica, cancellationToken).ConfigureAwait(false);
            lease.ReportSuccess();
            return result;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && _options.ShouldHandle(ex))
        {
            lease.ReportFailure();
            throw;
        }
    }

    internal void Report(ReplicaLease<T> lease, bool success)
    {
        State state = _states[lease.Index];
        bool ejected = false;
        bool readmitted = false;
        int failures;
        lock (_gate)
        {
            if (success)
            {
                state.ConsecutiveFailures = 0;
                if (lease.IsProbe && state.Ejected)
                {
                    state.Ejected = false;
                    state.Probing = false;
                    _ejectedCount--;
                    readmitted = true;
                }

                failures = 0;
            }
            else
            {
                failures = ++state.ConsecutiveFailures;
                if (lease.IsProbe && state.Ejected)
                {
                    state.Probing = false;
                    state.EjectedUntil = _time.GetTimestamp() + ToTimestamp(_options.EjectionCooldown);
                    ejected = true;
                }
                else if (!state.Ejected && _options.EjectionThreshold > 0 && failures >= _options.EjectionThreshold)
                {
                    state.Ejected = true;
                    state.Probing = false;
                    state.EjectedUntil = _time.GetTimestamp() + ToTimestamp(_options.EjectionCooldown);
                    _ejectedCount++;
                    ejected = true;
                }
            }
        }

        if (ejected)
        {
            RedundancyMetrics.RecordEjection(_options.Name);
            RedundancyLog.Ejected(_options.Logger, _options.Name, lease.Index, failures, _options.EjectionCooldown);
        }
        else if (readmitted)
        {
            RedundancyLog.Readmitted(_options.Logger, _options.Name, lease.Index);
        }
    }

    internal void Release(ReplicaLease<T> lease, bool reported)
    {
        Interlocked.Decrement(ref _states[lease.Index].Outstanding);
        if (lease.IsProbe && !reported)
        {
            lock (_gate)
            {
                _states[lease.Index].Probing = false; // Let another request probe.
            }
        }
    }

    private (int Index, bool Probe) PickWithEjectionLocked()
    {
        long now = _time.GetTimestamp();
        int n = _replicas.Length;
        Span<bool> admitted = n <= 256 ? stackalloc bool[n] : new bool[n];
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            State state = _states[i];
            if (!state.Ejected)
            {
                admitted[i] = true;
                count++;
            }
            else if (!state.Probing && now >= state.EjectedUntil)
            {
                // The cool-down is over: this request is the replica's probe.
                state.Probing = true;
                return (i, true);
            }
        }

        return (count == 0 ? Pick(default) : Pick(admitted), false);
    }

    private int Pick(ReadOnlySpan<bool> admitted)
    {
        int n = _replicas.Length;
        if (n == 1)
        {
            return 0;
        }

        switch (_options.Strategy)
        {
            case LoadBalancingStrategy.LeastOutstanding:
            {
                int start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)n);
                int best = -1;
                int bestLoad = int.MaxValue;
                for (int k = 0; k < n; k++)
                {
                    int i = (start + k) % n;
                    if (admitted.IsEmpty || admitted[i])
                    {
                        int load = Volatile.Read(ref _states[i].Outstanding);
                        if (load < bestLoad)
                        {
                            best = i;
                            bestLoad = load;
                        }
                    }
                }

                return best;
            }

            case LoadBalancingStrategy.PowerOfTwoChoices:
            {
                int count = admitted.IsEmpty ? n : Count(admitted);
                if (count == 1)
                {
                    return Nth(admitted, 0);
                }

                int a = Random.Shared.Next(count);
                int b = Random.Shared.Next(count - 1);
                if (b >= a)
                {
                    b++;
                }

                int first = Nth(admitted, a);
                int second = Nth(admitted, b);
                return Volatile.Read(ref _states[second].Outstanding) < Volatile.Read(ref _states[first].Outstanding) ? second : first;
            }

            default:
            {
                int count = admitted.IsEmpty ? n : Count(admitted);
                int turn = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)count);
                return Nth(admitted, turn);
            }
        }
    }

    private static int Count(ReadOnlySpan<bool> admitted)
    {
        int count = 0;
        foreach (bool ok in admitted)
        {
            if (ok)
            {
                count++;
            }
        }

        return count;
    }

    private static int Nth(ReadOnlySpan<bool> admitted, int nth)
    {
        if (admitted.IsEmpty)
        {
            return nth;
        }

        for (int i = 0; i < admitted.Length; i++)
        {
            if (admitted[i] && nth-- == 0)
            {
                return i;
            }
        }

        throw new InvalidOperationException("Unreachable: fewer admitted replicas than counted.");
    }

    private long ToTimestamp(TimeSpan span) => (long)(span.Ticks * ((double)_time.TimestampFrequency / TimeSpan.TicksPerSecond));

    private sealed class State
    {
        public int Outstanding;
        public int ConsecutiveFailures;
        public bool Ejected;
        public bool Probing;
        public long EjectedUntil;
    }
}
