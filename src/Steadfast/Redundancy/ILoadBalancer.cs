namespace Steadfast.Redundancy;

/// <summary>Spreads calls over a set of replicas and keeps failing ones out of rotation.</summary>
/// <typeparam name="T">The replica type.</typeparam>
public interface ILoadBalancer<T>
{
    /// <summary>The replicas, in the order given (indexes refer to it).</summary>
    IReadOnlyList<T> Replicas { get; }

    /// <summary>
    /// Picks a replica and counts a request in flight on it until the lease is disposed. Report the outcome with
    /// <see cref="ReplicaLease{T}.ReportSuccess"/> / <see cref="ReplicaLease{T}.ReportFailure"/> so ejection works.
    /// </summary>
    /// <returns>The lease on the picked replica.</returns>
    ReplicaLease<T> Acquire();

    /// <summary>Runs <paramref name="action"/> on a picked replica and records its outcome.</summary>
    /// <typeparam name="TResult">The call's result.</typeparam>
    /// <param name="action">The call.</param>
    /// <param name="cancellationToken">Passed to the call.</param>
    /// <returns>The call's result.</returns>
    ValueTask<TResult> ExecuteAsync<TResult>(Func<T, CancellationToken, ValueTask<TResult>> action, CancellationToken cancellationToken = default);

    /// <summary>Whether the replica at <paramref name="index"/> is ejected now (cooling down or being probed).</summary>
    /// <param name="index">The replica's index.</param>
    /// <returns>Whether it is out of rotation.</returns>
    bool IsEjected(int index);

    /// <summary>Requests in flight on the replica at <paramref name="index"/>.</summary>
    /// <param name="index">The replica's index.</param>
    /// <returns>The count.</returns>
    int Outstanding(int index);
}

/// <summary>A picked replica with one request counted in flight until disposed.</summary>
/// <typeparam name="T">The replica type.</typeparam>
public sealed class ReplicaLease<T> : IDisposable
{
    private readonly LoadBalancer<T> _owner;
    private int _state; // 0 open, 1 outcome reported, 2 disposed

    internal ReplicaLease(LoadBalancer<T> owner, int index, T replica, bool isProbe)
    {
        _owner = owner;
        Index = index;
        Replica = replica;
        IsProbe = isProbe;
    }

    /// <summary>The picked replica.</summary>
    public T Replica { get; }

    /// <summary>Its index in <see cref="ILoadBalancer{T}.Replicas"/>.</summary>
    public int Index { get; }

    /// <summary>Whether this request is the probe that decides an ejected replica's re-admission.</summary>
    public bool IsProbe { get; }

    /// <summary>Records a success (resets the replica's failure count; re-admits it if this was its probe). First report wins.</summary>
    public void ReportSuccess()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            _owner.Report(this, success: true);
        }
    }

    /// <summary>Records a failure (counts towards ejection; ejects again if this was its probe). First report wins.</summary>
    public void ReportFailure()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            _owner.Report(this, success: false);
        }
    }

    /// <summary>Ends the request. Without a report it has no effect on health (a probe without a report is released for another probe).</summary>
    public void Dispose()
    {
        int previous = Interlocked.Exchange(ref _state, 2);
        if (previous != 2)
        {
            _owner.Release(this, reported: previous == 1);
        }
    }
}
