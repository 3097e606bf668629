namespace Steadfast.Locks.Internal;

/// <summary>Argument checks shared by every lock backend, so they all throw the same documented exceptions.</summary>
internal static class LockArguments
{
    public static LockOptions Validate(string name, LockOptions? options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= LockOptions.Default;
        if (options.Lease <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(LockOptions.Lease), options.Lease, "LockOptions.Lease must be positive.");
        }

        if (options.HasWaitTimeout && options.WaitTimeout < TimeSpan.Zero && options.WaitTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(LockOptions.WaitTimeout), options.WaitTimeout,
                "LockOptions.WaitTimeout must be zero, positive or Timeout.InfiniteTimeSpan.");
        }

        return options;
    }

    public static void ValidateLease(TimeSpan lease, string paramName)
    {
        if (lease <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, lease, "The lease must be positive.");
        }
    }

    /// <summary>The margin before the end of a lease at which an unconfirmed lease counts as lost: a tenth of it.</summary>
    public static TimeSpan SafetyMargin(TimeSpan lease) => lease / 10;

    /// <summary>Runs a value task to completion on the calling thread (for the synchronous API).</summary>
    public static T RunSync<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();
}
