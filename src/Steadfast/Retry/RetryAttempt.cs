namespace Steadfast.Retry;

/// <summary>Describes a retry about to happen, passed to <see cref="RetryOptions.OnRetry"/>.</summary>
public readonly struct RetryAttempt
{
    internal RetryAttempt(int failedAttempt, Exception exception, TimeSpan delay)
    {
        FailedAttempt = failedAttempt;
        Exception = exception;
        Delay = delay;
    }

    /// <summary>The number of the attempt that just failed (1 for the first call).</summary>
    public int FailedAttempt { get; }

    /// <summary>Why it failed.</summary>
    public Exception Exception { get; }

    /// <summary>How long the policy waits before the next attempt.</summary>
    public TimeSpan Delay { get; }
}
