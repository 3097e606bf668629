using System.Diagnostics;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Span events of <see cref="CircuitBreaker"/>, added to the caller's current span (documented in
/// docs/circuit-breakers.md, "Tracing"). The breaker starts no span of its own: its per-call path must stay free of
/// allocations, and only rejections and transitions are reported.
/// </summary>
internal static class CircuitBreakerTracing
{
    public const string RejectedEvent = "steadfast.circuit_breaker.rejected";
    public const string StateChangedEvent = "steadfast.circuit_breaker.state_changed";

    public const string NameTag = "steadfast.circuit_breaker.name";
    public const string StateTag = "steadfast.circuit_breaker.state";
    public const string PreviousStateTag = "steadfast.circuit_breaker.previous_state";
    public const string FromSharedStateTag = "steadfast.circuit_breaker.from_shared_state";

    public static void Rejected(string? name, CircuitState state)
    {
        if (CurrentTraced() is { } activity)
        {
            activity.AddEvent(new ActivityEvent(RejectedEvent, tags: new ActivityTagsCollection
            {
                { NameTag, name },
                { StateTag, state.ToString() },
            }));
        }
    }

    public static void StateChanged(CircuitStateChange change)
    {
        if (CurrentTraced() is { } activity)
        {
            activity.AddEvent(new ActivityEvent(StateChangedEvent, tags: new ActivityTagsCollection
            {
                { NameTag, change.CircuitName },
                { PreviousStateTag, change.PreviousState.ToString() },
                { StateTag, change.CurrentState.ToString() },
                { FromSharedStateTag, change.FromSharedState },
            }));
        }
    }

    /// <summary>The caller's span, when Steadfast is traced at all (events only go where the user asked for Steadfast's).</summary>
    private static Activity? CurrentTraced() =>
        SteadfastTracing.Source.HasListeners() && Activity.Current is { IsAllDataRequested: true, IsStopped: false } current ? current : null;
}
