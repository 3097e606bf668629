using Microsoft.Extensions.Logging;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Settings of a <see cref="CircuitBreaker"/>. Every property is checked when it is set, so a bad value fails
/// where the options are written, with an exception naming the property.
/// </summary>
public sealed class CircuitBreakerOptions
{
    private double _failureRatio = 0.5;
    private int _minimumThroughput = 10;
    private TimeSpan _samplingDuration = TimeSpan.FromSeconds(30);
    private TimeSpan _breakDuration = TimeSpan.FromSeconds(5);
    private int _halfOpenProbes = 1;
    private Func<Exception, bool> _shouldHandle = static ex => ex is not OperationCanceledException;

    /// <summary>
    /// The share of handled failures among sampled calls at which the circuit opens (failures / total ≥ ratio).
    /// Greater than 0, at most 1. Default 0.5.
    /// </summary>
    public double FailureRatio
    {
        get => _failureRatio;
        init => _failureRatio = value is > 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(FailureRatio), value, $"{nameof(FailureRatio)} must be greater than 0 and at most 1.");
    }

    /// <summary>
    /// How many calls the sampling window must have seen before the ratio is considered, so a single early failure
    /// does not open the circuit. At least 1. Default 10.
    /// </summary>
    public int MinimumThroughput
    {
        get => _minimumThroughput;
        init => _minimumThroughput = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MinimumThroughput), value, $"{nameof(MinimumThroughput)} must be at least 1.");
    }

    /// <summary>
    /// The sliding window over which outcomes are sampled, kept as 10 buckets (so the oldest tenth expires at once).
    /// At least 10 ms. Default 30 s.
    /// </summary>
    public TimeSpan SamplingDuration
    {
        get => _samplingDuration;
        init => _samplingDuration = value >= TimeSpan.FromMilliseconds(10)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(SamplingDuration), value, $"{nameof(SamplingDuration)} must be at least 10 ms.");
    }

    /// <summary>How long the circuit stays open before letting probes through. Positive. Default 5 s.</summary>
    public TimeSpan BreakDuration
    {
        get => _breakDuration;
        init => _breakDuration = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(BreakDuration), value, $"{nameof(BreakDuration)} must be positive.");
    }

    /// <summary>How many probe calls may run at once while half-open; the rest are rejected. At least 1. Default 1.</summary>
    public int HalfOpenProbes
    {
        get => _halfOpenProbes;
        init => _halfOpenProbes = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HalfOpenProbes), value, $"{nameof(HalfOpenProbes)} must be at least 1.");
    }

    /// <summary>
    /// Which exceptions count as failures. Others pass through untouched and are not sampled.
    /// Default: every exception except <see cref="OperationCanceledException"/>. A cancellation of the caller's
    /// own token is never counted, whatever this returns.
    /// </summary>
    public Func<Exception, bool> ShouldHandle
    {
        get => _shouldHandle;
        init => _shouldHandle = value ?? throw new ArgumentNullException(nameof(ShouldHandle), $"{nameof(ShouldHandle)} must not be null.");
    }

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
}
