using System.Diagnostics;
using Steadfast.Chaos.Checking;
using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Tests;

/// <summary>The lock checker on made-up histories: times in milliseconds, turned into clock ticks.</summary>
public sealed class LockHistoryCheckerTests
{
    [Fact]
    public void A_clean_hand_off_with_rising_tokens_has_no_anomaly()
    {
        LockHold first = Hold(1, token: 1, called: 0, acquired: 1, end: 10);
        LockHold second = Hold(2, token: 2, called: 5, acquired: 11, end: 20);

        Assert.Empty(LockHistoryChecker.Check([first, second], [Write(0, first, true), Write(1, second, true)], DataLossAllowance.None));
    }

    [Fact]
    public void An_overlap_where_the_later_holder_has_the_greater_token_and_the_stale_write_was_refused_is_allowed()
    {
        LockHold zombie = Hold(1, token: 1, called: 0, acquired: 1, end: 50, isZombie: true);
        LockHold next = Hold(2, token: 2, called: 20, acquired: 30, end: 40);

        IReadOnlyList<LockAnomaly> anomalies = LockHistoryChecker.Check(
            [zombie, next], [Write(0, zombie, true), Write(1, next, true), Write(2, zombie, false)], DataLossAllowance.None);

        Assert.Empty(anomalies);
    }

    [Fact]
    public void An_overlap_where_the_later_holder_has_a_smaller_token_is_a_violation()
    {
        LockHold first = Hold(1, token: 5, called: 0, acquired: 1, end: 50);
        LockHold second = Hold(2, token: 4, called: 0, acquired: 30, end: 40);

        LockAnomaly anomaly = Assert.Single(LockHistoryChecker.Check([first, second], [], DataLossAllowance.None));

        Assert.Equal(LockAnomalyKind.OverlapWithoutGreaterToken, anomaly.Kind);
        Assert.Same(first, anomaly.Earlier);
        Assert.Same(second, anomaly.Later);
        Assert.False(anomaly.Permitted);
    }

    [Fact]
    public void Two_holds_with_one_token_are_a_violation_even_without_overlap()
    {
        LockHold first = Hold(1, token: 7, called: 0, acquired: 1, end: 10);
        LockHold second = Hold(2, token: 7, called: 20, acquired: 21, end: 30);

        Assert.Equal(LockAnomalyKind.DuplicateToken,
            Assert.Single(LockHistoryChecker.Check([first, second], [], DataLossAllowance.None)).Kind);
    }

    [Fact]
    public void A_token_smaller_than_one_returned_before_the_acquire_began_is_a_violation()
    {
        LockHold first = Hold(1, token: 9, called: 0, acquired: 1, end: 10);
        LockHold second = Hold(2, token: 3, called: 20, acquired: 21, end: 30);

        Assert.Equal(LockAnomalyKind.TokenWentBack,
            Assert.Single(LockHistoryChecker.Check([first, second], [], DataLossAllowance.None)).Kind);
    }

    [Fact]
    public void Tokens_of_acquires_that_ran_concurrently_may_come_in_either_order()
    {
        // The second acquire began before the first returned: the server may have run it first.
        LockHold first = Hold(1, token: 2, called: 0, acquired: 5, end: 6);
        LockHold second = Hold(2, token: 1, called: 1, acquired: 7, end: 8);

        Assert.Empty(LockHistoryChecker.Check([first, second], [], DataLossAllowance.None));
    }

    [Fact]
    public void A_resource_that_takes_a_write_after_a_greater_token_wrote_is_caught()
    {
        LockHold zombie = Hold(1, token: 1, called: 0, acquired: 1, end: 50, isZombie: true);
        LockHold next = Hold(2, token: 2, called: 20, acquired: 30, end: 40);

        LockAnomaly anomaly = Assert.Single(LockHistoryChecker.Check(
            [zombie, next], [Write(0, next, true), Write(1, zombie, true)], DataLossAllowance.None));

        Assert.Equal(LockAnomalyKind.StaleWriteAccepted, anomaly.Kind);
        Assert.Same(zombie, anomaly.Earlier);
    }

    [Fact]
    public void A_duplicate_token_after_a_crash_is_permitted_only_when_the_first_acquire_was_inside_the_loss_window()
    {
        LockHold inWindow = Hold(1, token: 7, called: 0, acquired: 900, end: 950);
        LockHold afterCrash = Hold(2, token: 7, called: 1200, acquired: 1210, end: 1300);
        LockHold longBefore = Hold(3, token: 7, called: 0, acquired: 100, end: 150, name: "other");
        LockHold afterCrashOther = Hold(4, token: 7, called: 1200, acquired: 1210, end: 1300, name: "other");
        var allowance = new DataLossAllowance(Ticks(500), [Ticks(1000)]);

        IReadOnlyList<LockAnomaly> anomalies = LockHistoryChecker.Check([inWindow, afterCrash, longBefore, afterCrashOther], [], allowance);

        Assert.Equal(2, anomalies.Count);
        Assert.True(anomalies.Single(a => a.Earlier == inWindow).Permitted);
        Assert.False(anomalies.Single(a => a.Earlier == longBefore).Permitted);
    }

    internal static long Ticks(double milliseconds) => (long)(milliseconds * Stopwatch.Frequency / 1000);

    [Fact]
    public void A_grant_while_an_honest_holder_still_holds_is_a_violation_even_with_a_greater_token()
    {
        LockHold first = Hold(1, token: 1, called: 0, acquired: 1, end: 100);
        LockHold second = Hold(2, token: 2, called: 20, acquired: 30, end: 40);

        LockAnomaly anomaly = Assert.Single(LockHistoryChecker.Check([first, second], [], DataLossAllowance.None));

        Assert.Equal(LockAnomalyKind.GrantedTwice, anomaly.Kind);
        Assert.False(anomaly.Permitted);
    }

    [Fact]
    public void A_grant_after_the_holder_saw_Lost_is_allowed()
    {
        LockHold first = Hold(1, token: 1, called: 0, acquired: 1, end: 100, lostAt: 25);
        LockHold second = Hold(2, token: 2, called: 20, acquired: 30, end: 40);

        Assert.Empty(LockHistoryChecker.Check([first, second], [], DataLossAllowance.None));
    }

    private static LockHold Hold(long id, long token, double called, double acquired, double end, bool isZombie = false, string name = "a", double? lostAt = null) =>
        new(id, $"client-{id}", name, token, Ticks(called), Ticks(acquired), Ticks(end), isZombie, lostAt is { } lost ? Ticks(lost) : null);

    private static RegisterWrite Write(long sequence, LockHold hold, bool accepted) =>
        new(sequence, hold.Name, hold.Id, hold.Token, accepted, hold.Acquired);
}
