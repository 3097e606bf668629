namespace Steadfast.CircuitBreakers;

/// <summary>Describes one transition of a <see cref="CircuitBreaker"/>, passed to <see cref="CircuitBreakerOptions.OnStateChanged"/>.</summary>
public readonly struct CircuitStateChange
{
    internal CircuitStateChange(string? circuitName, CircuitState previous, CircuitState current, bool fromSharedState)
    {
        CircuitName = circuitName;
        PreviousState = previous;
        CurrentState = current;
        FromSharedState = fromSharedState;
    }

    /// <summary>The breaker's <see cref="CircuitBreakerOptions.Name"/>, if any.</summary>
    public string? CircuitName { get; }

    /// <summary>The state before the transition.</summary>
    public CircuitState PreviousState { get; }

    /// <summary>The state after the transition.</summary>
    public CircuitState CurrentState { get; }

    /// <summary>True when the transition was caused by another breaker through the <see cref="ICircuitStateStore"/>.</summary>
    public bool FromSharedState { get; }

    /// <inheritdoc />
    public override string ToString() => $"{CircuitName ?? "circuit"}: {PreviousState} -> {CurrentState}";
}
