using Microsoft.Extensions.Logging;
using Steadfast.Internal;

namespace Steadfast.Redundancy;

/// <summary>
/// Settings of a <see cref="HotHot{TReplica}"/>. Checked when a <see cref="HotHot{TReplica}"/> is created: a bad value
/// throws an exception whose ParamName is the option's name. Instances are immutable and may be shared.
/// </summary>
public sealed class HotHotOptions
{

    /// <summary>
    /// How long a read waits for an answer before it also asks the next replica. <see langword="null"/> (the default)
    /// makes it adaptive: the <see cref="HedgePercentile"/> of recent successful attempt latencies (at least
    /// <see cref="MinimumHedgeDelay"/>; <see cref="InitialHedgeDelay"/> until 20 latencies have been seen).
    /// <see cref="TimeSpan.Zero"/> asks <c>1 + MaxHedgedAttempts</c> replicas at once. Must not be negative.
    /// </summary>
    public TimeSpan? HedgeDelay { get; init; }

    /// <summary>
    /// The most attempts a read sends <em>while an earlier attempt is still running</em> — the bound on extra load.
    /// Attempts that replace a failed one are not hedges and do not count (every replica is tried at most once per
    /// read). 0 turns hedging off (failures still move on to the next replica). At least 0. Default 1.
    /// </summary>
    public int MaxHedgedAttempts { get; init; } = 1;

    /// <summary>
    /// How many replicas must accept a write for <see cref="HotHot{TReplica}.WriteAllAsync"/> to succeed; 0 (the
    /// default) means all of them. At least 0 and at most the number of replicas (checked by the constructor).
    /// </summary>
    public int WriteQuorum { get; init; }

    /// <summary>The latency percentile the adaptive hedge delay follows. Greater than 0, less than 1. Default 0.95.</summary>
    public double HedgePercentile { get; init; } = 0.95;

    /// <summary>The floor of the adaptive hedge delay. Must not be negative. Default 1 ms.</summary>
    public TimeSpan MinimumHedgeDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The adaptive hedge delay used until enough latencies have been seen. Must not be negative. Default 100 ms.</summary>
    public TimeSpan InitialHedgeDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Which exceptions count as a replica's failure (the read moves on to the next replica; a write counts it against
    /// the quorum). Others end the call at once and propagate. Default: every exception except
    /// <see cref="OperationCanceledException"/>. A cancellation of the caller's own token always propagates.
    /// </summary>
    public Func<Exception, bool> ShouldHandle { get; init; } = static ex => ex is not OperationCanceledException;

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives hedging, failure and quorum events. Optional.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is out of range; ParamName is the option's name.</summary>
    /// <param name="replicas">How many replicas the options are used with (the bound of <see cref="WriteQuorum"/>).</param>
    internal void Validate(int replicas)
    {
        const string type = nameof(HotHotOptions);
        if (HedgeDelay is { } delay && delay < TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(HedgeDelay), delay, "must not be negative");
        }

        if (MaxHedgedAttempts < 0)
        {
            throw OptionChecks.OutOfRange(type, nameof(MaxHedgedAttempts), MaxHedgedAttempts, "must not be negative");
        }

        if (WriteQuorum < 0 || WriteQuorum > replicas)
        {
            throw OptionChecks.OutOfRange(type, nameof(WriteQuorum), WriteQuorum, $"must be at least 0 and at most the number of replicas ({replicas})");
        }

        if (HedgePercentile is not (> 0 and < 1))
        {
            throw OptionChecks.OutOfRange(type, nameof(HedgePercentile), HedgePercentile, "must be greater than 0 and less than 1");
        }

        if (MinimumHedgeDelay < TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(MinimumHedgeDelay), MinimumHedgeDelay, "must not be negative");
        }

        if (InitialHedgeDelay < TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(InitialHedgeDelay), InitialHedgeDelay, "must not be negative");
        }

        if (ShouldHandle is null)
        {
            throw OptionChecks.Missing(type, nameof(ShouldHandle));
        }
    }
}
