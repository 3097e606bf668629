using Steadfast.Hosting.Configuration;
using Steadfast.Redundancy;

namespace Steadfast.Hosting;

/// <summary>The section <c>Steadfast:HotHot:NAME</c>: an active-active group. Read when the group is created: changes need a restart.</summary>
public sealed class HotHotSettings : IValidatedSettings
{
    private static readonly HotHotOptions Defaults = new();

    /// <summary>A fixed hedge delay; empty (default) for the adaptive one. Not negative.</summary>
    public TimeSpan? HedgeDelay { get; set; }

    /// <summary>Most hedged attempts per read. Default 1. Not negative.</summary>
    public int MaxHedgedAttempts { get; set; } = Defaults.MaxHedgedAttempts;

    /// <summary>Replicas a write must reach; 0 (default) for all of them. Not negative.</summary>
    public int WriteQuorum { get; set; } = Defaults.WriteQuorum;

    /// <summary>The latency percentile the adaptive hedge delay follows. Default 0.95. Between 0 and 1, exclusive.</summary>
    public double HedgePercentile { get; set; } = Defaults.HedgePercentile;

    /// <summary>The adaptive hedge delay's floor. Default 1 ms. Not negative.</summary>
    public TimeSpan MinimumHedgeDelay { get; set; } = Defaults.MinimumHedgeDelay;

    /// <summary>The hedge delay until enough latencies were seen. Default 100 ms. Not negative.</summary>
    public TimeSpan InitialHedgeDelay { get; set; } = Defaults.InitialHedgeDelay;

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        if (HedgeDelay is { } delay)
        {
            errors.NotNegative(nameof(HedgeDelay), delay);
        }

        errors.AtLeast(nameof(MaxHedgedAttempts), MaxHedgedAttempts, 0);
        errors.AtLeast(nameof(WriteQuorum), WriteQuorum, 0);
        if (!(HedgePercentile is > 0 and < 1))
        {
            errors.Add(nameof(HedgePercentile), HedgePercentile, "must be between 0 and 1, exclusive");
        }

        errors.NotNegative(nameof(MinimumHedgeDelay), MinimumHedgeDelay);
        errors.NotNegative(nameof(InitialHedgeDelay), InitialHedgeDelay);
    }

    internal HotHotOptions ToOptions(string name, Microsoft.Extensions.Logging.ILogger logger) => new()
    {
        Name = name,
        HedgeDelay = HedgeDelay,
        MaxHedgedAttempts = MaxHedgedAttempts,
        WriteQuorum = WriteQuorum,
        HedgePercentile = HedgePercentile,
        MinimumHedgeDelay = MinimumHedgeDelay,
        InitialHedgeDelay = InitialHedgeDelay,
        Logger = logger,
    };
}
