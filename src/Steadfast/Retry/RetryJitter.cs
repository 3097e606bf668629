namespace Steadfast.Retry;

/// <summary>How a <see cref="RetryPolicy"/> spreads its exponential backoff so that many clients do not retry in step.</summary>
public enum RetryJitter
{
    /// <summary>"Full jitter": a uniform delay in [0, min(MaxDelay, BaseDelay × 2^(retry − 1))].</summary>
    Full,

    /// <summary>"Decorrelated jitter": a uniform delay in [BaseDelay, min(MaxDelay, previous delay × 3)].</summary>
    Decorrelated,
}
