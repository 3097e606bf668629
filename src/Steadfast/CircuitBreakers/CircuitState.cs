namespace Steadfast.CircuitBreakers;

/// <summary>The state of a <see cref="CircuitBreaker"/>.</summary>
public enum CircuitState
{
    /// <summary>Calls flow; outcomes are sampled to decide whether to break.</summary>
    Closed,

    /// <summary>Calls are rejected with <see cref="CircuitBreakerOpenException"/> until the break duration has passed.</summary>
    Open,

    /// <summary>The break is over: a limited number of probe calls are let through to test the dependency.</summary>
    HalfOpen,

    /// <summary>Held open by <see cref="CircuitBreaker.Isolate"/> until <see cref="CircuitBreaker.Reset"/>.</summary>
    Isolated,
}
