using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Steadfast.Redundancy;

/// <summary>
/// Active-active redundancy: every replica serves. Reads are hedged — sent to the best replica, and if no answer
/// comes within the hedge delay, also to the next one; the first success wins and the other attempts are cancelled;
/// a failure moves on to the next replica at once. Writes fan out to every replica and succeed at a quorum.
/// </summary>
/// <typeparam name="TReplica">What a replica is: an HTTP client, a connection, an endpoint — anything callable.</typeparam>
/// <remarks>
/// <para>
/// "Best" is the replica with the lowest cost: its recent latency (an exponentially weighted moving average that
/// decays towards zero over about a second without samples, so an idle replica is tried again) times one plus its
/// outstanding attempts, with replicas that are failing ranked last; ties go round robin. Each replica is tried at
/// most once per read, and at most <see cref="HotHotOptions.MaxHedgedAttempts"/> attempts are started while another
/// is still running, which bounds the extra load.
/// </para>
/// <para>Thread-safe. Time (hedge delays, latencies) comes only from the <see cref="TimeProvider"/>.</para>
/// </remarks>
public sealed class HotHot<TReplica>
{
    private const double Alpha = 0.25;
    private const double DecayTicks = TimeSpan.TicksPerSecond;
    private const double FailurePenaltyTicks = TimeSpan.TicksPerHour;

    private readonly TReplica[] _replicas;
    private readonly ReplicaStats[] _stats;
    private readonly HotHotOptions _options;
    private readonly TimeProvider _time;
    private readonly LatencyTracker? _latencies; // only for the adaptive delay
    private readonly int _quorum;
    private int _rotation = -1;

    [ThreadStatic]
    private static CancellationTokenSource? t_source;

    /// <summary>Creates the group.</summary>
    /// <param name="replicas">The replicas, at least one; the list is copied.</param>
    /// <param name="options">Hedging and quorum settings.</param>
    /// <param name="timeProvider">The clock for hedge delays and latencies; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="replicas"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="replicas"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (ParamName is its name), for example
    /// <see cref="HotHotOptions.WriteQuorum"/> exceeds the number of replicas.</exception>
    public HotHot(IReadOnlyList<TReplica> replicas, HotHotOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        ArgumentNullException.ThrowIfNull(options);
        if (replicas.Count == 0)
        {
            throw new ArgumentException("At least one replica is required.", nameof(replicas));
        }

        options.Validate(replicas.Count);

        _replicas = replicas.ToArray();
        _stats = new ReplicaStats[_replicas.Length];
        for (int i = 0; i < _stats.Length; i++)
        {
            _stats[i] = new ReplicaStats();
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _latencies = options.HedgeDelay is null ? new LatencyTracker(options.HedgePercentile) : null;
        _quorum = options.WriteQuorum == 0 ? _replicas.Length : options.WriteQuorum;
    }

    /// <summary>The replicas, in the order given to the constructor (failures and results use these indexes).</summary>
    public IReadOnlyList<TReplica> Replicas => _replicas;

    /// <summary>The hedge delay the next read will use: the fixed <see cref="HotHotOptions.HedgeDelay"/>, or the adaptive one.</summary>
    public TimeSpan CurrentHedgeDelay
    {
        get
        {
            if (_options.HedgeDelay is { } fixedDelay)
            {
                return fixedDelay;
            }

            TimeSpan adaptive = _latencies!.Current ?? _options.InitialHedgeDelay;
            return adaptive < _options.MinimumHedgeDelay ? _options.MinimumHedgeDelay : adaptive;
        }
    }

    /// <summary>
    /// Runs a read against the best replica, hedging to the next ones when it is slow and moving on when it fails.
    /// </summary>
    /// <typeparam name="TResult">The read's result.</typeparam>
    /// <param name="action">The read; it receives a replica and a token that is cancelled when another attempt won
    /// (or the caller cancelled) — honour it so that losers stop.</param>
    /// <param name="cancellationToken">Cancels the read and every attempt.</param>
    /// <returns>The first successful attempt's result.</returns>
    /// <exception cref="AllReplicasFailedException">Every replica failed with a handled exception.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<TResult> ExecuteAsync<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<TResult>(cancellationToken);
        }

        // Untraced, a fast replica's answer is returned synchronously with no async state machine.
        return SteadfastTracing.Source.HasListeners()
            ? ExecuteTracedAsync(action, cancellationToken)
            : Execute(action, activity: null, cancellationToken);
    }

    private async ValueTask<TResult> ExecuteTracedAsync<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action,
        CancellationToken cancellationToken)
    {
        using Activity? activity = RedundancyTracing.StartHotHot(RedundancyTracing.HotHotReadActivity, _options.Name);
        try
        {
            return await Execute(action, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            RedundancyTracing.Failed(activity, ex, cancellationToken);
            throw;
        }
    }

    private ValueTask<TResult> Execute<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action, Activity? activity,
        CancellationToken cancellationToken)
    {
        int[] order = Rank();
        CancellationTokenSource call = RentSource();
        CancellationTokenRegistration link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), call)
            : default;
        int replica = order[0];
        long start = _time.GetTimestamp();
        Interlocked.Increment(ref _stats[replica].Outstanding);
        ValueTask<TResult> first;
        try
        {
            first = action(_replicas[replica], call.Token);
        }
        catch (Exception ex)
        {
            first = ValueTask.FromException<TResult>(ex);
        }

        if (first.IsCompletedSuccessfully)
        {
            // The common case on a fast replica: no hedge timer, no attempt bookkeeping, nothing allocated but the ranking.
            TResult result = first.Result;
            RecordSuccess(replica, start);
            Interlocked.Decrement(ref _stats[replica].Outstanding);
            link.Dispose();
            ReturnSource(call);
            RedundancyTracing.Won(activity, replica, hedged: false, attempts: 1);
            return new ValueTask<TResult>(result);
        }

        var firstAttempt = new Attempt<TResult>(replica, isHedge: false, ObserveAsync(first, replica, start, call.Token));
        return ExecuteCoreAsync(action, order, firstAttempt, call, link, activity, cancellationToken);
    }

    /// <summary>
    /// Fans a write out to every replica at once, waits for all of them, and succeeds when at least
    /// <see cref="HotHotOptions.WriteQuorum"/> (default: all) accepted it. Failed replicas are logged (event 7004);
    /// use <see cref="WriteAsync"/> to get them as a result.
    /// </summary>
    /// <param name="action">The write; it receives a replica and the caller's token.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Completes when every replica has answered and the quorum was reached.</returns>
    /// <exception cref="WriteQuorumException">Fewer replicas than the quorum accepted the write; it lists which failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask WriteAllAsync(Func<TReplica, CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        QuorumWriteResult result = await WriteAsync(action, cancellationToken).ConfigureAwait(false);
        if (!result.QuorumReached)
        {
            throw new WriteQuorumException(result);
        }
    }

    /// <summary>
    /// Fans a write out to every replica at once, waits for all of them, and reports which accepted it and which failed
    /// (handled failures only; any other exception propagates once every replica has answered).
    /// </summary>
    /// <param name="action">The write; it receives a replica and the caller's token.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The outcome; <see cref="QuorumWriteResult.QuorumReached"/> says whether the write succeeded.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<QuorumWriteResult> WriteAsync(Func<TReplica, CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        cancellationToken.ThrowIfCancellationRequested();
        using Activity? activity = RedundancyTracing.StartHotHot(RedundancyTracing.HotHotWriteActivity, _options.Name);
        try
        {
            QuorumWriteResult result = await WriteCoreAsync(action, cancellationToken).ConfigureAwait(false);
            RedundancyTracing.Written(activity, result);
            return result;
        }
        catch (Exception ex) when (activity is not null)
        {
            RedundancyTracing.Failed(activity, ex, cancellationToken);
            throw;
        }
    }

    private async ValueTask<QuorumWriteResult> WriteCoreAsync(Func<TReplica, CancellationToken, ValueTask> action, CancellationToken cancellationToken)
    {
        var tasks = new Task[_replicas.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            tasks[i] = WriteOneAsync(action, i, cancellationToken);
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Examined one by one below.
        }

        cancellationToken.ThrowIfCancellationRequested();
        var succeeded = new List<int>(tasks.Length);
        var failures = new List<ReplicaFailure>();
        Exception? unhandled = null;
        for (int i = 0; i < tasks.Length; i++)
        {
            Task task = tasks[i];
            if (task.IsCompletedSuccessfully)
            {
                succeeded.Add(i);
                continue;
            }

            Exception exception = task.IsCanceled ? new TaskCanceledException(task) : task.Exception!.InnerException!;
            if (_options.ShouldHandle(exception))
            {
                failures.Add(new ReplicaFailure(i, exception));
            }
            else
            {
                unhandled ??= exception;
            }
        }

        if (unhandled is not null)
        {
            ExceptionDispatchInfo.Throw(unhandled);
        }

        var result = new QuorumWriteResult(_quorum, succeeded, failures);
        if (!result.QuorumReached)
        {
            RedundancyLog.QuorumMissed(_options.Logger, _options.Name, result);
        }
        else if (failures.Count > 0)
        {
            RedundancyLog.QuorumWithFailures(_options.Logger, _options.Name, result);
        }

        return result;
    }

    private static async Task WriteOneAsync(Func<TReplica, CancellationToken, ValueTask> action, TReplica replica, CancellationToken cancellationToken) =>
        await action(replica, cancellationToken).ConfigureAwait(false);

    private Task WriteOneAsync(Func<TReplica, CancellationToken, ValueTask> action, int index, CancellationToken cancellationToken) =>
        WriteOneAsync(action, _replicas[index], cancellationToken);

    private async ValueTask<TResult> ExecuteCoreAsync<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action, int[] order,
        Attempt<TResult> firstAttempt, CancellationTokenSource call, CancellationTokenRegistration link, Activity? activity,
        CancellationToken cancellationToken)
    {
        int n = order.Length;
        var running = new List<Attempt<TResult>>(Math.Min(n, _options.MaxHedgedAttempts + 1));
        List<ReplicaFailure>? failures = null;
        int next = 1;
        int hedges = 0;
        Task? delay = null;
        bool timerArmed = false;
        TimeSpan delayLength = default;
        TaskCompletionSource? cancelled = null;
        CancellationTokenRegistration registration = default;
        try
        {
            running.Add(firstAttempt);
            while (true)
            {
                // An attempt that has already finished (often: the first one, synchronously) needs no timer or wait.
                Attempt<TResult>? attempt = running.Find(static a => a.Task.IsCompleted);
                if (attempt is null)
                {
                    while (delay is null && hedges < _options.MaxHedgedAttempts && next < n)
                    {
                        delayLength = CurrentHedgeDelay;
                        if (delayLength > TimeSpan.Zero)
                        {
                            delay = Task.Delay(delayLength, _time, call.Token);
                            timerArmed = true;
                            break;
                        }

                        hedges++;
                        running.Add(StartHedge(action, order[next++], hedges, delayLength, activity, call.Token));
                    }

                    if (cancelled is null && cancellationToken.CanBeCanceled)
                    {
                        cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        registration = cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), cancelled);
                    }

                    var waitOn = new Task[running.Count + (delay is null ? 0 : 1) + (cancelled is null ? 0 : 1)];
                    for (int i = 0; i < running.Count; i++)
                    {
                        waitOn[i] = running[i].Task;
                    }

                    int extra = running.Count;
                    if (delay is not null)
                    {
                        waitOn[extra++] = delay;
                    }

                    if (cancelled is not null)
                    {
                        waitOn[extra] = cancelled.Task;
                    }

                    Task done = await Task.WhenAny(waitOn).ConfigureAwait(false);
                    cancellationToken.ThrowIfCancellationRequested();
                    if (done == delay)
                    {
                        delay = null;
                        hedges++;
                        running.Add(StartHedge(action, order[next++], hedges, delayLength, activity, call.Token));
                        continue;
                    }

                    attempt = running.Find(a => a.Task == done)!;
                }

                running.Remove(attempt);
                Task<TResult> task = attempt.Task;
                if (task.IsCompletedSuccessfully)
                {
                    if (attempt.IsHedge)
                    {
                        RedundancyMetrics.RecordHedgeWin(_options.Name);
                    }

                    RedundancyTracing.Won(activity, attempt.Replica, attempt.IsHedge, attempts: next);
                    return task.Result;
                }

                Exception exception = task.IsCanceled ? new TaskCanceledException(task) : task.Exception!.InnerException!;
                if (!_options.ShouldHandle(exception))
                {
                    ExceptionDispatchInfo.Throw(exception);
                }

                (failures ??= new List<ReplicaFailure>(n)).Add(new ReplicaFailure(attempt.Replica, exception));
                RedundancyLog.ReplicaFailed(_options.Logger, _options.Name, attempt.Replica, exception);
                RedundancyTracing.ReplicaFailed(activity, attempt.Replica, exception);
                if (next < n)
                {
                    // A replacement, not a hedge: the hedge clock starts again from it.
                    delay = null;
                    running.Add(Start(action, order[next++], isHedge: false, call.Token));
                }
                else if (running.Count == 0)
                {
                    RedundancyLog.AllFailed(_options.Logger, _options.Name, failures.Count);
                    throw new AllReplicasFailedException(failures);
                }
            }
        }
        finally
        {
            registration.Dispose();
            link.Dispose();
            if (running.Count > 0 || timerArmed)
            {
                call.Cancel(); // the losers stop, and no hedge timer outlives the read
            }

            call.Dispose(); // only the synchronous fast path reuses its source

            foreach (Attempt<TResult> loser in running)
            {
                RedundancyTracing.LoserCancelled(activity, loser.Replica);

                // Observe the loser's outcome so a late fault is not reported as unobserved.
                _ = loser.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private Attempt<TResult> StartHedge<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action, int replica, int hedge,
        TimeSpan delay, Activity? activity, CancellationToken token)
    {
        RedundancyMetrics.RecordHedgeSent(_options.Name);
        RedundancyLog.HedgeSent(_options.Logger, _options.Name, replica, hedge + 1, delay);
        RedundancyTracing.HedgeSent(activity, replica, delay);
        return Start(action, replica, isHedge: true, token);
    }

    private Attempt<TResult> Start<TResult>(Func<TReplica, CancellationToken, ValueTask<TResult>> action, int replica, bool isHedge,
        CancellationToken token)
    {
        long start = _time.GetTimestamp();
        Interlocked.Increment(ref _stats[replica].Outstanding);
        ValueTask<TResult> pending;
        try
        {
            pending = action(_replicas[replica], token);
        }
        catch (Exception ex)
        {
            pending = ValueTask.FromException<TResult>(ex);
        }

        return new Attempt<TResult>(replica, isHedge, ObserveAsync(pending, replica, start, token));
    }

    /// <summary>Awaits an attempt, records its latency and outcome, and ends its in-flight count.</summary>
    private async Task<TResult> ObserveAsync<TResult>(ValueTask<TResult> pending, int replica, long start, CancellationToken token)
    {
        ReplicaStats stats = _stats[replica];
        try
        {
            TResult result = await pending.ConfigureAwait(false);
            RecordSuccess(replica, start);
            return result;
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // A loser (or the caller gave up): it took at least this long. Recording the lower bound keeps the adaptive
            // delay honest: leaving cancelled attempts out would hide exactly the slow tail the percentile must see,
            // and the delay would ratchet down, hedging more and more.
            long now = _time.GetTimestamp();
            TimeSpan elapsed = _time.GetElapsedTime(start, now);
            _latencies?.Record(elapsed);
            stats.Observe(elapsed, now, success: null);
            throw;
        }
        catch (Exception)
        {
            long now = _time.GetTimestamp();
            stats.Observe(_time.GetElapsedTime(start, now), now, success: false);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref stats.Outstanding);
        }
    }

    private void RecordSuccess(int replica, long start)
    {
        long now = _time.GetTimestamp();
        TimeSpan latency = _time.GetElapsedTime(start, now);
        _latencies?.Record(latency);
        _stats[replica].Observe(latency, now, success: true);
    }

    /// <summary>A cancellation source for one read; reused (per thread) when the read ended without cancelling it.</summary>
    private static CancellationTokenSource RentSource()
    {
        CancellationTokenSource? source = t_source;
        if (source is not null)
        {
            t_source = null;
            return source;
        }

        return new CancellationTokenSource();
    }

    private static void ReturnSource(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            t_source = source;
        }
        else
        {
            source.Dispose();
        }
    }

    /// <summary>Replica indexes from best to worst; equal costs keep a rotating order (round robin).</summary>
    private int[] Rank()
    {
        int n = _replicas.Length;
        var order = new int[n];
        int start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)n);
        if (n == 1)
        {
            return order;
        }

        long now = _time.GetTimestamp();
        Span<double> costs = n <= 64 ? stackalloc double[n] : new double[n];
        for (int k = 0; k < n; k++)
        {
            int index = (start + k) % n;
            order[k] = index;
            costs[k] = _stats[index].Cost(now, _time);
        }

        // Stable insertion sort: n is small.
        for (int i = 1; i < n; i++)
        {
            double cost = costs[i];
            int index = order[i];
            int j = i - 1;
            while (j >= 0 && costs[j] > cost)
            {
                costs[j + 1] = costs[j];
                order[j + 1] = order[j];
                j--;
            }

            costs[j + 1] = cost;
            order[j + 1] = index;
        }

        return order;
    }

    private sealed class Attempt<TResult>(int replica, bool isHedge, Task<TResult> task)
    {
        public int Replica { get; } = replica;

        public bool IsHedge { get; } = isHedge;

        public Task<TResult> Task { get; } = task;
    }

    private sealed class ReplicaStats
    {
        public int Outstanding;
        private readonly object _gate = new();
        private double _ewmaTicks;
        private long _updatedAt;
        private bool _hasSample;
        private int _consecutiveFailures;

        /// <summary>Records an attempt: <paramref name="success"/> null for a cancelled loser (latency only).</summary>
        public void Observe(TimeSpan latency, long now, bool? success)
        {
            lock (_gate)
            {
                double sample = latency.Ticks;
                if (success is null && sample <= _ewmaTicks)
                {
                    return; // A lower bound below the estimate says nothing.
                }

                _ewmaTicks = _hasSample ? _ewmaTicks + (Alpha * (sample - _ewmaTicks)) : sample;
                _hasSample = true;
                _updatedAt = now;
                if (success == true)
                {
                    _consecutiveFailures = 0;
                }
                else if (success == false)
                {
                    _consecutiveFailures++;
                }
            }
        }

        public double Cost(long now, TimeProvider time)
        {
            double ewma;
            long updatedAt;
            int failures;
            bool hasSample;
            lock (_gate)
            {
                ewma = _ewmaTicks;
                updatedAt = _updatedAt;
                failures = _consecutiveFailures;
                hasSample = _hasSample;
            }

            if (hasSample)
            {
                double idle = time.GetElapsedTime(updatedAt, now).Ticks;
                ewma *= Math.Exp(-idle / DecayTicks);
            }

            return (ewma * (Volatile.Read(ref Outstanding) + 1)) + (failures * FailurePenaltyTicks);
        }
    }
}
