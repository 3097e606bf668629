using Steadfast.Chaos.Checking;
using Steadfast.Chaos.Faults;
using Steadfast.Chaos.Reporting;

namespace Steadfast.Chaos.Tests;

/// <summary>
/// The chaos suite, small: every scenario for a few seconds against real redis-server processes, consumers killed as
/// processes. Whatever the machine's load does to timing, the checked promises must hold.
/// </summary>
public sealed class ChaosSuiteTests
{
    private static readonly ChaosSettings Small = new()
    {
        Duration = TimeSpan.FromSeconds(15),
        EpisodeLength = TimeSpan.FromSeconds(2.5),
        FaultInterval = TimeSpan.FromSeconds(1),
        Downtime = TimeSpan.FromSeconds(0.3),
        WorkerKillInterval = TimeSpan.FromSeconds(1),
        LockClients = 4,
        Producers = 1,
        Workers = 2,
        VisibilityTimeout = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task Every_fault_once_at_a_small_size_breaks_no_lock_and_loses_no_message()
    {
        var log = new StringWriter();
        ChaosReport report = await ChaosRunner.RunAsync(Small, log);
        string details = ReportWriter.Write(report, "ChaosSuiteTests (small)") + "\n" + log;

        Assert.True(report.Violations == 0 && report.Lost == 0, details);
        Assert.Equal(ChaosScenario.All.Select(s => s.Name), report.Episodes.Select(e => e.Scenario.Name));
        foreach (EpisodeResult episode in report.Episodes)
        {
            // The faults really happened and the load really ran through them.
            Assert.True(episode.Error is null, details);
            Assert.True(episode.Faults.Count >= 1, $"{episode.Scenario.Name}: no fault injected\n{details}");
            Assert.True(episode.WorkerKills >= 1, $"{episode.Scenario.Name}: no consumer killed\n{details}");
            Assert.True(episode.Locks.Holds > 0 && episode.Queue.Acknowledged > 0, $"{episode.Scenario.Name}: no load\n{details}");
            Assert.True(episode.Drained, $"{episode.Scenario.Name}: not drained\n{details}");
        }

        // Zombie holders wrote after their lease and someone else's: the fenced resource refused them.
        Assert.True(report.Episodes.Sum(e => e.Locks.WritesRefused) > 0, details);
    }

    [Fact]
    public async Task The_suite_reports_violations_when_Redis_persists_nothing_and_is_killed()
    {
        // The control: a kill without persistence wipes the server, so enqueued messages it held are lost.
        var log = new StringWriter();
        ChaosReport report = await ChaosRunner.RunAsync(
            Small with
            {
                Scenarios = [ChaosScenario.Control.Name],
                LockClients = 6,
                // One kill with time around it for clients to hold locks before and to reconnect and hold them after.
                Duration = TimeSpan.FromSeconds(6),
                EpisodeLength = TimeSpan.FromSeconds(6),
                FaultInterval = TimeSpan.FromSeconds(2.5),
                DrainTimeout = TimeSpan.FromSeconds(5),
            }, log);
        string details = ReportWriter.Write(report, "ChaosSuiteTests (control)") + "\n" + log;

        EpisodeResult episode = Assert.Single(report.Episodes);
        Assert.True(episode.Faults.Count >= 1, details);
        Assert.False(report.Passed, details);
        // What breaks: the messages the wiped server held are gone, and the locks it held are granted again while their
        // holders (long holds, across the kill) still hold them. Fencing tokens are seeded from the server's clock, so they
        // keep rising even across a wipe; a token that goes back would be reported as well.
        Assert.True(episode.Lost > 0 || episode.Anomalies.Any(a => !a.Permitted && a.Kind is LockAnomalyKind.GrantedTwice
            or LockAnomalyKind.TokenWentBack or LockAnomalyKind.DuplicateToken), details);
    }

    [Fact]
    public async Task Without_WAIT_the_promotion_of_a_lagging_replica_breaks_locks_and_with_it_nothing_breaks()
    {
        // The same promotion twice: the replica lags (stalled), the primary dies, the replica is promoted. Locks that did
        // not wait for the replica were handed out again by it (the control); locks that waited (WAIT) hold.
        ChaosSettings promotion = Small with
        {
            // The promotion comes half-way; time after it for clients to move to the promoted replica and acquire.
            // Six clients on two names: two holders across the promotion, four waiting to be granted their locks again.
            LockClients = 6,
            Duration = TimeSpan.FromSeconds(8),
            EpisodeLength = TimeSpan.FromSeconds(8),
            DrainTimeout = TimeSpan.FromSeconds(20),
        };
        var log = new StringWriter();
        ChaosReport control = await ChaosRunner.RunAsync(promotion with { Scenarios = [ChaosScenario.PromotionWithoutWait.Name] }, log);
        ChaosReport waited = await ChaosRunner.RunAsync(promotion with { Scenarios = ["replica-promotion-wait"] }, log);
        string details = ReportWriter.Write(control, "control") + "\n" + ReportWriter.Write(waited, "wait") + "\n" + log;

        EpisodeResult broken = Assert.Single(control.Episodes);
        Assert.True(broken.Error is null && broken.Faults.Count == 1, details);
        Assert.True(broken.Anomalies.Any(a => !a.Permitted && a.Kind is LockAnomalyKind.GrantedTwice or LockAnomalyKind.DuplicateToken
            or LockAnomalyKind.TokenWentBack or LockAnomalyKind.OverlapWithoutGreaterToken), details);

        EpisodeResult held = Assert.Single(waited.Episodes);
        Assert.True(held.Error is null && held.Faults.Count == 1, details);
        Assert.True(held.Locks.Holds > 0, details);
        Assert.True(held.Violations == 0 && held.Lost == 0, details);
    }
}
