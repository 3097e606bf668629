using Steadfast.CircuitBreakers;

namespace Steadfast.Retry;

/// <summary>
/// Settings of a <see cref="RetryPolicy"/>. Every property is checked when it is set, with an exception naming it.
/// </summary>
public sealed class RetryOptions
{
    private int _maxAttempts = 3;
    private TimeSpan _baseDelay = TimeSpan.FromMilliseconds(200);
    private TimeSpan _maxDelay = TimeSpan.FromSeconds(30);
    private RetryJitter _jitter = RetryJitter.Full;
    private Func<Exception, bool> _shouldHandle = static ex => ex is not OperationCanceledException;

    /// <summary>Total attempts, the first call included (so 3 means up to 2 retries). At least 1. Default 3.</summary>
    public int MaxAttempts
    {
        get => _maxAttempts;
        init => _maxAttempts = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxAttempts), value, $"{nameof(MaxAttempts)} must be at least 1.");
    }

    /// <summary>The delay the backoff grows from. Positive. Default 200 ms.</summary>
    public TimeSpan BaseDelay
    {
        get => _baseDelay;
        init => _baseDelay = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(BaseDelay), value, $"{nameof(BaseDelay)} must be positive.");
    }

    /// <summary>
    /// The longest single delay, and the longest <see cref="CircuitBreakerOpenException.RetryAfter"/> worth waiting
    /// for (a longer one ends the retries). Positive. Default 30 s.
    /// </summary>
    public TimeSpan MaxDelay
    {
        get => _maxDelay;
        init => _maxDelay = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDelay), value, $"{nameof(MaxDelay)} must be positive.");
    }

    /// <summary>The jitter applied to the exponential backoff. Default <see cref="RetryJitter.Full"/>.</summary>
    public RetryJitter Jitter
    {
        get => _jitter;
        init => _jitter = Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Jitter), value, $"{nameof(Jitter)} must be a defined {nameof(RetryJitter)} value.");
    }

    /// <summary>
    /// Which exceptions are retried. Default: every exception except <see cref="OperationCanceledException"/>.
    /// A cancellation of the caller's own token is never retried.
    /// </summary>
    public Func<Exception, bool> ShouldHandle
    {
        get => _shouldHandle;
        init => _shouldHandle = value ?? throw new ArgumentNullException(nameof(ShouldHandle), $"{nameof(ShouldHandle)} must not be null.");
    }

    /// <summary>Called before each delay (keep it short; it runs on the retrying call's path).</summary>
    public Action<RetryAttempt>? OnRetry { get; init; }
}
