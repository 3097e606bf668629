using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Steadfast.Redundancy;

/// <summary>
/// Names of the redundancy instruments. All live on the <see cref="MeterName"/> meter and carry the tag
/// <see cref="ComponentTag"/> (<c>hot_hot</c>, <c>hot_warm</c>, <c>load_balancer</c>, <c>fallback</c>,
/// <c>leader_election</c>) and, when the component was given one, <see cref="NameTag"/>.
/// </summary>
public static class RedundancyTelemetry
{
    /// <summary>The meter: <c>Steadfast.Redundancy</c>.</summary>
    public const string MeterName = "Steadfast.Redundancy";

    /// <summary>Counter: switches of the active replica (failovers and failbacks); tag <see cref="ReasonTag"/>
    /// is a <see cref="FailoverReason"/> in snake case (<c>health_check_failed</c>, <c>call_failed</c>,
    /// <c>automatic_failback</c>, <c>manual_failback</c>).</summary>
    public const string Failovers = "steadfast.redundancy.failovers";

    /// <summary>Histogram (s): switchover time, from the first detected failure (or the failback decision) to the
    /// first success on the new active replica; tag <see cref="ReasonTag"/>.</summary>
    public const string SwitchoverDuration = "steadfast.redundancy.switchover.duration";

    /// <summary>Counter: hedged attempts sent (attempts started while an earlier one was still running).</summary>
    public const string HedgesSent = "steadfast.redundancy.hedges.sent";

    /// <summary>Counter: calls won by a hedged attempt (its answer came first).</summary>
    public const string HedgeWins = "steadfast.redundancy.hedges.wins";

    /// <summary>Counter: replicas ejected from a load balancer after consecutive failures.</summary>
    public const string Ejections = "steadfast.redundancy.ejections";

    /// <summary>Counter: calls served by a fallback; tag <see cref="ReasonTag"/> is <c>failure</c> or <c>circuit_open</c>.</summary>
    public const string Fallbacks = "steadfast.redundancy.fallbacks";

    /// <summary>Counter: leaderships gained (<see cref="OutcomeTag"/> <c>elected</c>) and ended (<c>lost</c>, <c>released</c>).</summary>
    public const string LeadershipChanges = "steadfast.redundancy.leadership.changes";

    /// <summary>Tag naming the component.</summary>
    public const string ComponentTag = "steadfast.redundancy.component";

    /// <summary>Tag carrying the component's configured name.</summary>
    public const string NameTag = "steadfast.redundancy.name";

    /// <summary>Tag naming a reason.</summary>
    public const string ReasonTag = "steadfast.redundancy.reason";

    /// <summary>Tag naming an outcome.</summary>
    public const string OutcomeTag = "steadfast.redundancy.outcome";
}

/// <summary>The instruments behind <see cref="RedundancyTelemetry"/>.</summary>
internal static class RedundancyMetrics
{
    internal const string HotHot = "hot_hot";
    internal const string HotWarm = "hot_warm";
    internal const string LoadBalancer = "load_balancer";
    internal const string Fallback = "fallback";
    internal const string LeaderElection = "leader_election";

    private static readonly Meter Meter = new(RedundancyTelemetry.MeterName, typeof(RedundancyMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Failovers = Meter.CreateCounter<long>(
        RedundancyTelemetry.Failovers, "{failover}", "Switches of the active replica.");

    private static readonly Histogram<double> Switchover = Meter.CreateHistogram<double>(
        RedundancyTelemetry.SwitchoverDuration, "s", "Time from the first detected failure to the first success on the new active replica.");

    private static readonly Counter<long> HedgesSent = Meter.CreateCounter<long>(
        RedundancyTelemetry.HedgesSent, "{attempt}", "Hedged attempts sent.");

    private static readonly Counter<long> HedgeWins = Meter.CreateCounter<long>(
        RedundancyTelemetry.HedgeWins, "{call}", "Calls won by a hedged attempt.");

    private static readonly Counter<long> Ejections = Meter.CreateCounter<long>(
        RedundancyTelemetry.Ejections, "{ejection}", "Replicas ejected after consecutive failures.");

    private static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>(
        RedundancyTelemetry.Fallbacks, "{call}", "Calls served by a fallback.");

    private static readonly Counter<long> Leadership = Meter.CreateCounter<long>(
        RedundancyTelemetry.LeadershipChanges, "{change}", "Leaderships gained and ended.");

    public static void RecordFailover(string component, string? name, string reason)
    {
        if (Failovers.Enabled)
        {
            Failovers.Add(1, Tags(component, name, RedundancyTelemetry.ReasonTag, reason));
        }
    }

    public static void RecordSwitchover(string component, string? name, string reason, TimeSpan elapsed)
    {
        if (Switchover.Enabled)
        {
            Switchover.Record(elapsed.TotalSeconds, Tags(component, name, RedundancyTelemetry.ReasonTag, reason));
        }
    }

    public static void RecordHedgeSent(string? name)
    {
        if (HedgesSent.Enabled)
        {
            HedgesSent.Add(1, Tags(HotHot, name));
        }
    }

    public static void RecordHedgeWin(string? name)
    {
        if (HedgeWins.Enabled)
        {
            HedgeWins.Add(1, Tags(HotHot, name));
        }
    }

    public static void RecordEjection(string? name)
    {
        if (Ejections.Enabled)
        {
            Ejections.Add(1, Tags(LoadBalancer, name));
        }
    }

    public static void RecordFallback(string? name, string reason)
    {
        if (Fallbacks.Enabled)
        {
            Fallbacks.Add(1, Tags(Fallback, name, RedundancyTelemetry.ReasonTag, reason));
        }
    }

    public static void RecordLeadership(string outcome)
    {
        if (Leadership.Enabled)
        {
            Leadership.Add(1, Tags(LeaderElection, null, RedundancyTelemetry.OutcomeTag, outcome));
        }
    }

    private static TagList Tags(string component, string? name, string? key = null, string? value = null)
    {
        var tags = new TagList { { RedundancyTelemetry.ComponentTag, component } };
        if (name is not null)
        {
            tags.Add(RedundancyTelemetry.NameTag, name);
        }

        if (key is not null)
        {
            tags.Add(key, value);
        }

        return tags;
    }
}
