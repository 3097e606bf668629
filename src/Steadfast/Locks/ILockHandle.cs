namespace Steadfast.Locks;

/// <summary>
/// A held lock. Disposing it releases the lock (only if this handle still owns it); disposing twice is harmless.
/// </summary>
public interface ILockHandle : IAsyncDisposable, IDisposable
{
    /// <summary>The lock's name.</summary>
    string Name { get; }

    /// <summary>
    /// A number strictly greater than every fencing token handed out before for this lock name, across all clients
    /// of the same backend. Pass it to the resource you protect so that it can refuse writes from a stale holder.
    /// </summary>
    long FencingToken { get; }

    /// <summary>
    /// Fires when the lease can no longer be guaranteed: a renewal failed, another client took the lock over, or no
    /// renewal was confirmed by the lease minus a safety margin (a tenth of the lease) — that is, <em>before</em> the
    /// lease can have run out. Stop touching the protected resource when it fires. It does not fire on a normal release.
    /// </summary>
    CancellationToken Lost { get; }

    /// <summary>
    /// Extends the lease to <paramref name="lease"/> from now (and uses it for later automatic renewals).
    /// </summary>
    /// <param name="lease">The new lease; must be positive.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> if this handle still owned the lock and the lease was extended;
    /// <see langword="false"/> if it was released, lost or taken over (then <see cref="Lost"/> has fired).</returns>
    ValueTask<bool> ExtendAsync(TimeSpan lease, CancellationToken cancellationToken = default);
}
