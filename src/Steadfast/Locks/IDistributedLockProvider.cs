namespace Steadfast.Locks;

/// <summary>
/// Hands out named, leased, mutually exclusive locks with fencing tokens.
/// </summary>
/// <remarks>
/// Implementations: <see cref="InMemoryLockProvider"/> (one process) and <c>Steadfast.Locks.RedisLockProvider (package Steadfast.Redis)</c>
/// (many processes). Every implementation validates its arguments the same way: a <see langword="null"/> name throws
/// <see cref="ArgumentNullException"/>, an empty or whitespace name <see cref="ArgumentException"/> (both with
/// <see cref="ArgumentException.ParamName"/> <c>"name"</c>); a zero or negative <see cref="LockOptions.Lease"/> throws
/// <see cref="ArgumentOutOfRangeException"/> with ParamName <c>"Lease"</c>, a negative <see cref="LockOptions.WaitTimeout"/>
/// other than <see cref="Timeout.InfiniteTimeSpan"/> one with ParamName <c>"WaitTimeout"</c>.
/// </remarks>
public interface IDistributedLockProvider
{
    /// <summary>Acquires the lock, waiting up to <see cref="LockOptions.WaitTimeout"/> (default: forever).</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="options">Lease, wait timeout and renewal; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The handle; dispose it to release the lock.</returns>
    /// <exception cref="LockTimeoutException">The wait timeout ran out.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ILockHandle Acquire(string name, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Tries to acquire the lock, waiting up to <see cref="LockOptions.WaitTimeout"/> (default: not at all).</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="options">Lease, wait timeout and renewal; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The handle, or <see langword="null"/> when the lock was not free within the wait timeout.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ILockHandle? TryAcquire(string name, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Acquires the lock, waiting up to <see cref="LockOptions.WaitTimeout"/> (default: forever).</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="options">Lease, wait timeout and renewal; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The handle; dispose it (<c>await using</c>) to release the lock.</returns>
    /// <exception cref="LockTimeoutException">The wait timeout ran out.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<ILockHandle> AcquireAsync(string name, LockOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Tries to acquire the lock, waiting up to <see cref="LockOptions.WaitTimeout"/> (default: not at all).</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="options">Lease, wait timeout and renewal; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The handle, or <see langword="null"/> when the lock was not free within the wait timeout.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<ILockHandle?> TryAcquireAsync(string name, LockOptions? options = null, CancellationToken cancellationToken = default);
}
