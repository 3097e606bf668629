using Steadfast.Chaos.Checking;
using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Tests;

/// <summary>The queue checker on made-up histories.</summary>
public sealed class QueueCheckerTests
{
    [Fact]
    public void Every_acknowledged_message_applied_once_despite_redeliveries_passes()
    {
        QueueCheck check = QueueChecker.Check(
            [Enqueue("m1", true), Enqueue("m2", true)],
            Outcome(applied: ["m1", "m2"], deliveries: new() { ["m1"] = 3, ["m2"] = 1 }),
            DataLossAllowance.None);

        Assert.Empty(check.Lost);
        Assert.Equal(0, check.Violations);
        Assert.Equal(4, check.Deliveries);
        Assert.Equal(2, check.DuplicatesAbsorbed);
    }

    [Fact]
    public void An_acknowledged_message_never_applied_is_lost()
    {
        QueueCheck check = QueueChecker.Check([Enqueue("m1", true), Enqueue("m2", true)], Outcome(applied: ["m1"]), DataLossAllowance.None);

        Assert.Equal(["m2"], check.Lost);
    }

    [Fact]
    public void A_failed_enqueue_may_or_may_not_arrive_and_is_never_lost()
    {
        QueueCheck check = QueueChecker.Check([Enqueue("m1", false), Enqueue("m2", false)], Outcome(applied: ["m1"]), DataLossAllowance.None);

        Assert.Empty(check.Lost);
        Assert.Equal(2, check.FailedEnqueues);
        Assert.Equal(1, check.FailedButStored);
    }

    [Fact]
    public void A_message_nobody_sent_pending_deliveries_and_dead_letters_are_violations()
    {
        QueueCheck check = QueueChecker.Check([Enqueue("m1", true)], Outcome(applied: ["m1", "ghost"], pending: 2, deadLetters: 1), DataLossAllowance.None);

        Assert.Equal(["ghost"], check.Phantoms);
        Assert.Equal(4, check.Violations);
    }

    [Fact]
    public void A_loss_inside_the_documented_window_is_reported_apart_from_losses()
    {
        var allowance = new DataLossAllowance(LockHistoryCheckerTests.Ticks(500), [LockHistoryCheckerTests.Ticks(1000)]);

        QueueCheck check = QueueChecker.Check(
            [Enqueue("early", true, returnedMs: 100), Enqueue("late", true, returnedMs: 900)], Outcome(applied: []), allowance);

        Assert.Equal(["early"], check.Lost);
        Assert.Equal(["late"], check.LostWithinWindow);
    }

    private static EnqueueRecord Enqueue(string id, bool acknowledged, double returnedMs = 1) =>
        new(id, 0, LockHistoryCheckerTests.Ticks(returnedMs), acknowledged);

    private static QueueOutcome Outcome(string[] applied, Dictionary<string, long>? deliveries = null, long pending = 0, long deadLetters = 0) =>
        new(applied.ToHashSet(StringComparer.Ordinal), deliveries ?? applied.ToDictionary(id => id, _ => 1L), new Dictionary<string, long>(), pending, deadLetters);
}
