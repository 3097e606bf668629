using Steadfast.Locks.Internal;

namespace Steadfast.Locks;

/// <summary>Helpers for <see cref="ILockHandle"/>.</summary>
public static class LockHandleExtensions
{
    /// <summary>
    /// Releases the lock (like <see cref="IAsyncDisposable.DisposeAsync"/>) and reports whether it was held to the end:
    /// <see langword="true"/> when this handle still owned the lock when it was released and its lease was never
    /// reported lost; <see langword="false"/> otherwise (the work done under the lock may have overlapped another holder).
    /// Calling it again returns the first answer.
    /// </summary>
    /// <param name="handle">The handle.</param>
    /// <returns>Whether the lock was held to the end.</returns>
    public static async ValueTask<bool> ReleaseAsync(this ILockHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (handle is LeasedLockHandle leased)
        {
            return await leased.ReleaseAsync().ConfigureAwait(false);
        }

        bool lost = handle.Lost.IsCancellationRequested;
        await handle.DisposeAsync().ConfigureAwait(false);
        return !lost;
    }
}
