using Steadfast.Chaos.Checking;
using Steadfast.Chaos.Faults;

namespace Steadfast.Chaos.Reporting;

/// <summary>The figures and verdicts of one scenario's run.</summary>
internal sealed record EpisodeResult(
    ChaosScenario Scenario,
    int Index,
    long Origin,
    TimeSpan LoadTime,
    TimeSpan DrainTime,
    bool Drained,
    IReadOnlyList<FaultRecord> Faults,
    int WorkerKills,
    LockFigures Locks,
    IReadOnlyList<LockAnomaly> Anomalies,
    QueueCheck Queue,
    string? Error)
{
    public long LockViolations => Anomalies.Count(a => !a.Permitted);

    public long PermittedAnomalies => Anomalies.Count(a => a.Permitted);

    /// <summary>Every broken promise outside the documented loss windows (an error that stopped the episode counts one).</summary>
    public long Violations => LockViolations + Queue.Violations + (Error is null ? 0 : 1);

    public long Lost => Queue.Lost.Count;

    public long Operations => Locks.Holds + Locks.AcquireFailures + Locks.AcquireTimeouts + Locks.WritesAccepted + Locks.WritesRefused
        + Queue.Acknowledged + Queue.FailedEnqueues + Queue.Deliveries + Queue.Acks;

    public static EpisodeResult Failed(ChaosScenario scenario, int index, string error) =>
        new(scenario, index, 0, TimeSpan.Zero, TimeSpan.Zero, false, [], 0, LockFigures.Empty, [],
            new QueueCheck(0, 0, 0, 0, 0, 0, 0, [], [], [], 0, 0), error);
}

/// <summary>What the lock clients did.</summary>
internal sealed record LockFigures(
    long Holds, long ZombieHolds, long LostFired, long AcquireFailures, long AcquireTimeouts, long ReleaseFailures,
    long WritesAccepted, long WritesRefused)
{
    public static LockFigures Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);
}
