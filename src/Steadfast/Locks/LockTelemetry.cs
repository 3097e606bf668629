using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Steadfast.Locks;

/// <summary>
/// Names of the lock instruments. All live on the <see cref="MeterName"/> meter and carry the tag
/// <see cref="BackendTag"/> (<c>memory</c> or <c>redis</c>); lock names are never tags (unbounded cardinality).
/// </summary>
public static class LockTelemetry
{
    /// <summary>The meter: <c>Steadfast.Locks</c>.</summary>
    public const string MeterName = "Steadfast.Locks";

    /// <summary>Histogram (s): time from the acquire call to its outcome; tag <see cref="OutcomeTag"/> is
    /// <c>acquired</c>, <c>timeout</c> or <c>canceled</c>.</summary>
    public const string WaitDuration = "steadfast.lock.wait.duration";

    /// <summary>Histogram (s): time from acquisition to release.</summary>
    public const string HoldDuration = "steadfast.lock.hold.duration";

    /// <summary>Counter: lease renewals (automatic and <c>ExtendAsync</c>); tag <see cref="OutcomeTag"/> is
    /// <c>success</c> or <c>failure</c>.</summary>
    public const string Renewals = "steadfast.lock.renewals";

    /// <summary>Counter: leases lost while held (<c>Lost</c> fired).</summary>
    public const string LostLeases = "steadfast.lock.lost";

    /// <summary>Counter: acquire calls that found the lock held by someone else.</summary>
    public const string Contention = "steadfast.lock.contention";

    /// <summary>Tag naming the backend: <c>memory</c> or <c>redis</c>.</summary>
    public const string BackendTag = "steadfast.lock.backend";

    /// <summary>Tag naming an outcome (see each instrument).</summary>
    public const string OutcomeTag = "steadfast.lock.outcome";
}

/// <summary>The instruments behind <see cref="LockTelemetry"/>.</summary>
internal static class LockMetrics
{
    private static readonly Meter Meter = new(LockTelemetry.MeterName, typeof(LockMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Histogram<double> WaitDuration = Meter.CreateHistogram<double>(
        LockTelemetry.WaitDuration, "s", "Time from an acquire call to its outcome.");

    private static readonly Histogram<double> HoldDuration = Meter.CreateHistogram<double>(
        LockTelemetry.HoldDuration, "s", "Time a lock was held, from acquisition to release.");

    private static readonly Counter<long> Renewals = Meter.CreateCounter<long>(
        LockTelemetry.Renewals, "{renewal}", "Lease renewals.");

    private static readonly Counter<long> Lost = Meter.CreateCounter<long>(
        LockTelemetry.LostLeases, "{lease}", "Leases lost while held.");

    private static readonly Counter<long> Contention = Meter.CreateCounter<long>(
        LockTelemetry.Contention, "{acquire}", "Acquire calls that found the lock held.");

    public static void RecordWait(string backend, string outcome, TimeSpan elapsed)
    {
        if (WaitDuration.Enabled)
        {
            WaitDuration.Record(elapsed.TotalSeconds, new TagList
            {
                { LockTelemetry.BackendTag, backend },
                { LockTelemetry.OutcomeTag, outcome },
            });
        }
    }

    public static void RecordHold(string backend, TimeSpan elapsed)
    {
        if (HoldDuration.Enabled)
        {
            HoldDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(LockTelemetry.BackendTag, backend));
        }
    }

    public static void RecordRenewal(string backend, bool success)
    {
        if (Renewals.Enabled)
        {
            Renewals.Add(1, new KeyValuePair<string, object?>(LockTelemetry.BackendTag, backend),
                new KeyValuePair<string, object?>(LockTelemetry.OutcomeTag, success ? "success" : "failure"));
        }
    }

    public static void RecordLost(string backend)
    {
        if (Lost.Enabled)
        {
            Lost.Add(1, new KeyValuePair<string, object?>(LockTelemetry.BackendTag, backend));
        }
    }

    public static void RecordContention(string backend)
    {
        if (Contention.Enabled)
        {
            Contention.Add(1, new KeyValuePair<string, object?>(LockTelemetry.BackendTag, backend));
        }
    }
}
