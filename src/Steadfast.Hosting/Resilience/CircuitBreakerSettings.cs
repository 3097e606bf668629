using Steadfast.CircuitBreakers;
using Steadfast.Hosting.Configuration;

namespace Steadfast.Hosting;

/// <summary>
/// The section <c>Steadfast:CircuitBreakers:NAME</c>. Every value reloads: a change builds a new breaker (closed, or
/// with the shared state on Redis) that <see cref="CircuitBreakerProvider.Get"/> hands out from then on; calls running
/// on the old one finish there.
/// </summary>
public sealed class CircuitBreakerSettings : IValidatedSettings
{
    private static readonly CircuitBreakerOptions Defaults = new();

    /// <summary>Share of failures in the window that opens the circuit. Default 0.5. Greater than 0, at most 1.</summary>
    public double FailureRatio { get; set; } = Defaults.FailureRatio;

    /// <summary>Calls the window must hold before the ratio counts. Default 10. At least 1.</summary>
    public int MinimumThroughput { get; set; } = Defaults.MinimumThroughput;

    /// <summary>The sliding sampling window. Default 30 s. At least 10 ms.</summary>
    public TimeSpan SamplingDuration { get; set; } = Defaults.SamplingDuration;

    /// <summary>How long the circuit stays open before probing. Default 5 s. Positive.</summary>
    public TimeSpan BreakDuration { get; set; } = Defaults.BreakDuration;

    /// <summary>Probe calls let through at once while half-open. Default 1. At least 1.</summary>
    public int HalfOpenProbes { get; set; } = Defaults.HalfOpenProbes;

    /// <summary>On the Redis backend, share trips and recoveries with the breakers of the same name in other processes. Default true.</summary>
    public bool ShareState { get; set; } = true;

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        if (!(FailureRatio is > 0 and <= 1))
        {
            errors.Add(nameof(FailureRatio), FailureRatio, "must be greater than 0 and at most 1");
        }

        errors.AtLeast(nameof(MinimumThroughput), MinimumThroughput, 1);
        if (SamplingDuration < TimeSpan.FromMilliseconds(10))
        {
            errors.Add(nameof(SamplingDuration), SamplingDuration, "must be at least 10 ms");
        }

        errors.Positive(nameof(BreakDuration), BreakDuration);
        errors.AtLeast(nameof(HalfOpenProbes), HalfOpenProbes, 1);
    }
}
