namespace Steadfast.CircuitBreakers;

/// <summary>A circuit state as published through an <see cref="ICircuitStateStore"/>.</summary>
/// <remarks>
/// An open state carries how much of the break is left rather than an instant, so processes sharing a circuit
/// need no synchronised clocks (the Redis store keeps it as the key's TTL).
/// </remarks>
public readonly struct SharedCircuitState : IEquatable<SharedCircuitState>
{
    /// <summary>Creates a shared state.</summary>
    /// <param name="state"><see cref="CircuitState.Open"/> or <see cref="CircuitState.Closed"/>.</param>
    /// <param name="remainingBreak">For an open circuit, how long it stays open from now; ignored when closed.</param>
    /// <param name="source">An opaque id of the breaker that published it, so a breaker can ignore its own echo.</param>
    public SharedCircuitState(CircuitState state, TimeSpan remainingBreak, string? source = null)
    {
        State = state;
        RemainingBreak = remainingBreak;
        Source = source;
    }

    /// <summary><see cref="CircuitState.Open"/> or <see cref="CircuitState.Closed"/>.</summary>
    public CircuitState State { get; }

    /// <summary>For an open circuit, how long it stays open from the moment the state was read or heard.</summary>
    public TimeSpan RemainingBreak { get; }

    /// <summary>The id of the publishing breaker, if known.</summary>
    public string? Source { get; }

    /// <inheritdoc />
    public bool Equals(SharedCircuitState other) => State == other.State && RemainingBreak == other.RemainingBreak && Source == other.Source;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SharedCircuitState other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(State, RemainingBreak, Source);

    /// <inheritdoc />
    public override string ToString() => State == CircuitState.Open ? $"Open for {RemainingBreak}" : State.ToString();
}
