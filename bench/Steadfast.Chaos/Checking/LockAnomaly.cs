using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Checking;

/// <summary>What went wrong between two holds of one lock name.</summary>
internal enum LockAnomalyKind
{
    /// <summary>Two acquisitions returned the same fencing token.</summary>
    DuplicateToken,

    /// <summary>An acquire that began after another had returned got a smaller token.</summary>
    TokenWentBack,

    /// <summary>Two holders held at once and the later one's token was not greater, so fencing cannot protect.</summary>
    OverlapWithoutGreaterToken,

    /// <summary>The resource took a write from a holder after it had taken one from a holder with a greater token.</summary>
    StaleWriteAccepted,

    /// <summary>
    /// Mutual exclusion broke: an acquire that began after an honest holder had its lock returned while that holder still
    /// held it and had not seen <c>Lost</c> (fencing may still have protected the resource).
    /// </summary>
    GrantedTwice,
}

/// <summary>
/// An anomaly between an earlier hold and a later one. <see cref="Permitted"/> when the earlier acquisition was
/// acknowledged inside the scenario's documented data-loss window before an event that preceded the later one.
/// </summary>
internal sealed record LockAnomaly(LockAnomalyKind Kind, LockHold Earlier, LockHold Later, bool Permitted)
{
    public string Describe(long origin) =>
        $"{Kind}{(Permitted ? " (within the documented loss window)" : "")}: " +
        $"{Show(Earlier, origin)} then {Show(Later, origin)}";

    private static string Show(LockHold hold, long origin) =>
        $"[{hold.Name} token {hold.Token} by {hold.Client}{(hold.Zombie ? " (zombie)" : "")}, " +
        $"acquire called {Clock.Milliseconds(hold.AcquireCalled - origin):F1} ms, held {Clock.Milliseconds(hold.Acquired - origin):F1}" +
        $"–{Clock.Milliseconds(hold.End - origin):F1} ms{(hold.LostAt is { } lost ? $", lost at {Clock.Milliseconds(lost - origin):F1} ms" : "")}]";
}
