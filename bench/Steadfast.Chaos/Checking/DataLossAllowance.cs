using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Checking;

/// <summary>
/// What a scenario's configuration is documented to lose: acknowledged writes made within <see cref="Window"/> before
/// each event in <see cref="Events"/> (a crash under <c>appendfsync everysec</c>, a promotion of an asynchronous
/// replica). With <see cref="None"/> (AOF <c>always</c>, stalls, graceful restarts) nothing acknowledged may be lost,
/// and every anomaly is a violation.
/// </summary>
/// <param name="Window">How far back from an event acknowledged writes may be lost (<see cref="Clock"/> ticks).</param>
/// <param name="Events">When each data-losing event happened (<see cref="Clock"/> ticks).</param>
internal sealed record DataLossAllowance(long Window, IReadOnlyList<long> Events)
{
    public static DataLossAllowance None { get; } = new(0, []);

    /// <summary>
    /// True when something acknowledged at <paramref name="acknowledgedAt"/> may have been lost by an event that happened
    /// before <paramref name="observedAt"/> (the moment its loss showed; <see cref="long.MaxValue"/> for "at the end").
    /// </summary>
    public bool Covers(long acknowledgedAt, long observedAt = long.MaxValue)
    {
        if (Window <= 0)
        {
            return false;
        }

        foreach (long at in Events)
        {
            if (acknowledgedAt <= at && acknowledgedAt >= at - Window && observedAt > at)
            {
                return true;
            }
        }

        return false;
    }
}
