using Steadfast.CircuitBreakers;
using Steadfast.Internal;

namespace Steadfast.Retry;

/// <summary>
/// Settings of a <see cref="RetryPolicy"/>. Checked when a policy is created: a bad value throws an exception whose
/// ParamName is the option's name.
/// </summary>
public sealed class RetryOptions
{
    /// <summary>Total attempts, the first call included (so 3 means up to 2 retries). At least 1. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The delay the backoff grows from. Positive. Default 200 ms.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest single delay, and the longest <see cref="CircuitBreakerOpenException.RetryAfter"/> worth waiting
    /// for (a longer one ends the retries). Positive, and not shorter than <see cref="BaseDelay"/>. Default 30 s.
    /// </summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The jitter applied to the exponential backoff. Default <see cref="RetryJitter.Full"/>.</summary>
    public RetryJitter Jitter { get; init; } = RetryJitter.Full;

    /// <summary>
    /// Which exceptions are retried. Default: every exception except <see cref="OperationCanceledException"/>.
    /// A cancellation of the caller's own token is never retried. Not null.
    /// </summary>
    public Func<Exception, bool> ShouldHandle { get; init; } = static ex => ex is not OperationCanceledException;

    /// <summary>Called before each delay (keep it short; it runs on the retrying call's path).</summary>
    public Action<RetryAttempt>? OnRetry { get; init; }

    /// <summary>Throws when an option is out of range; ParamName is the option's name.</summary>
    internal void Validate()
    {
        const string type = nameof(RetryOptions);
        if (MaxAttempts < 1)
        {
            throw OptionChecks.OutOfRange(type, nameof(MaxAttempts), MaxAttempts, "must be at least 1");
        }

        if (BaseDelay <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(BaseDelay), BaseDelay, "must be positive");
        }

        if (MaxDelay <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(MaxDelay), MaxDelay, "must be positive");
        }

        if (MaxDelay < BaseDelay)
        {
            throw OptionChecks.OutOfRange(type, nameof(MaxDelay), MaxDelay, $"must not be shorter than {type}.{nameof(BaseDelay)} ({BaseDelay})");
        }

        if (!Enum.IsDefined(Jitter))
        {
            throw OptionChecks.OutOfRange(type, nameof(Jitter), Jitter, $"must be a defined {nameof(RetryJitter)} value");
        }

        if (ShouldHandle is null)
        {
            throw OptionChecks.Missing(type, nameof(ShouldHandle));
        }
    }
}
