using Microsoft.Extensions.Logging;

namespace Steadfast.Redundancy;

/// <summary>
/// Settings of a <see cref="HotHot{TReplica}"/>. Every property is checked when it is set, so a bad value fails where
/// the options are written, with an exception naming the property. Instances are immutable and may be shared.
/// </summary>
public sealed class HotHotOptions
{
    private TimeSpan? _hedgeDelay;
    private int _maxHedgedAttempts = 1;
    private int _writeQuorum;
    private double _hedgePercentile = 0.95;
    private TimeSpan _minimumHedgeDelay = TimeSpan.FromMilliseconds(1);
    private TimeSpan _initialHedgeDelay = TimeSpan.FromMilliseconds(100);
    private Func<Exception, bool> _shouldHandle = static ex => ex is not OperationCanceledException;

    /// <summary>
    /// How long a read waits for an answer before it also asks the next replica. <see langword="null"/> (the default)
    /// makes it adaptive: the <see cref="HedgePercentile"/> of recent successful attempt latencies (at least
    /// <see cref="MinimumHedgeDelay"/>; <see cref="InitialHedgeDelay"/> until 20 latencies have been seen).
    /// <see cref="TimeSpan.Zero"/> asks <c>1 + MaxHedgedAttempts</c> replicas at once. Must not be negative.
    /// </summary>
    public TimeSpan? HedgeDelay
    {
        get => _hedgeDelay;
        init => _hedgeDelay = value is null || value.Value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HedgeDelay), value, $"{nameof(HedgeDelay)} must not be negative.");
    }

    /// <summary>
    /// The most attempts a read sends <em>while an earlier attempt is still running</em> — the bound on extra load.
    /// Attempts that replace a failed one are not hedges and do not count (every replica is tried at most once per
    /// read). 0 turns hedging off (failures still move on to the next replica). At least 0. Default 1.
    /// </summary>
    public int MaxHedgedAttempts
    {
        get => _maxHedgedAttempts;
        init => _maxHedgedAttempts = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxHedgedAttempts), value, $"{nameof(MaxHedgedAttempts)} must not be negative.");
    }

    /// <summary>
    /// How many replicas must accept a write for <see cref="HotHot{TReplica}.WriteAllAsync"/> to succeed; 0 (the
    /// default) means all of them. At least 0 and at most the number of replicas (checked by the constructor).
    /// </summary>
    public int WriteQuorum
    {
        get => _writeQuorum;
        init => _writeQuorum = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WriteQuorum), value, $"{nameof(WriteQuorum)} must not be negative.");
    }

    /// <summary>The latency percentile the adaptive hedge delay follows. Greater than 0, less than 1. Default 0.95.</summary>
    public double HedgePercentile
    {
        get => _hedgePercentile;
        init => _hedgePercentile = value is > 0 and < 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HedgePercentile), value, $"{nameof(HedgePercentile)} must be greater than 0 and less than 1.");
    }

    /// <summary>The floor of the adaptive hedge delay. Must not be negative. Default 1 ms.</summary>
    public TimeSpan MinimumHedgeDelay
    {
        get => _minimumHedgeDelay;
        init => _minimumHedgeDelay = value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MinimumHedgeDelay), value, $"{nameof(MinimumHedgeDelay)} must not be negative.");
    }

    /// <summary>The adaptive hedge delay used until enough latencies have been seen. Must not be negative. Default 100 ms.</summary>
    public TimeSpan InitialHedgeDelay
    {
        get => _initialHedgeDelay;
        init => _initialHedgeDelay = value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(InitialHedgeDelay), value, $"{nameof(InitialHedgeDelay)} must not be negative.");
    }

    /// <summary>
    /// Which exceptions count as a replica's failure (the read moves on to the next replica; a write counts it against
    /// the quorum). Others end the call at once and propagate. Default: every exception except
    /// <see cref="OperationCanceledException"/>. A cancellation of the caller's own token always propagates.
    /// </summary>
    public Func<Exception, bool> ShouldHandle
    {
        get => _shouldHandle;
        init => _shouldHandle = value ?? throw new ArgumentNullException(nameof(ShouldHandle), $"{nameof(ShouldHandle)} must not be null.");
    }

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives hedging, failure and quorum events. Optional.</summary>
    public ILogger? Logger { get; init; }
}
