using Microsoft.Extensions.Logging;
using Steadfast.Internal;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Settings of a <see cref="CircuitBreaker"/>. Checked when a breaker is created: a bad value throws an exception whose
/// ParamName is the option's name.
/// </summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>
    /// The share of handled failures among sampled calls at which the circuit opens (failures / total ≥ ratio).
    /// Greater than 0, at most 1. Default 0.5.
    /// </summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>
    /// How many calls the sampling window must have seen before the ratio is considered, so a single early failure
    /// does not open the circuit. At least 1. Default 10.
    /// </summary>
    public int MinimumThroughput { get; init; } = 10;

    /// <summary>
    /// The sliding window over which outcomes are sampled, kept as 10 buckets (so the oldest tenth expires at once).
    /// At least 10 ms. Default 30 s.
    /// </summary>
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before letting probes through. Positive. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many probe calls may run at once while half-open; the rest are rejected. At least 1. Default 1.</summary>
    public int HalfOpenProbes { get; init; } = 1;

    /// <summary>
    /// Which exceptions count as failures. Others pass through untouched and are not sampled.
    /// Default: every exception except <see cref="OperationCanceledException"/>. A cancellation of the caller's
    /// own token is never counted, whatever this returns. Not null.
    /// </summary>
    public Func<Exception, bool> ShouldHandle { get; init; } = static ex => ex is not OperationCanceledException;

    /// <summary>
    /// Called synchronously after every transition (keep it short). Exceptions it throws are logged and swallowed
    /// so that a faulty callback cannot wedge the circuit.
    /// </summary>
    public Action<CircuitStateChange>? OnStateChanged { get; init; }

    /// <summary>
    /// The circuit's name: the metrics tag, and the key under which an <see cref="ICircuitStateStore"/> shares it
    /// (required when a store is used).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>Receives warnings (failing state store, throwing callbacks). Optional.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is out of range; ParamName is the option's name. A <paramref name="shared"/>
    /// circuit (one with a state store) needs a <see cref="Name"/>.</summary>
    internal void Validate(bool shared)
    {
        const string type = nameof(CircuitBreakerOptions);
        if (FailureRatio is not (> 0 and <= 1))
        {
            throw OptionChecks.OutOfRange(type, nameof(FailureRatio), FailureRatio, "must be greater than 0 and at most 1");
        }

        if (MinimumThroughput < 1)
        {
            throw OptionChecks.OutOfRange(type, nameof(MinimumThroughput), MinimumThroughput, "must be at least 1");
        }

        if (SamplingDuration < TimeSpan.FromMilliseconds(10))
        {
            throw OptionChecks.OutOfRange(type, nameof(SamplingDuration), SamplingDuration, "must be at least 10 ms");
        }

        if (BreakDuration <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(BreakDuration), BreakDuration, "must be positive");
        }

        if (HalfOpenProbes < 1)
        {
            throw OptionChecks.OutOfRange(type, nameof(HalfOpenProbes), HalfOpenProbes, "must be at least 1");
        }

        if (ShouldHandle is null)
        {
            throw OptionChecks.Missing(type, nameof(ShouldHandle));
        }

        if (shared && string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException(
                $"{type}.{nameof(Name)} must be set for a circuit shared through an {nameof(ICircuitStateStore)}.", nameof(Name));
        }
    }
}
