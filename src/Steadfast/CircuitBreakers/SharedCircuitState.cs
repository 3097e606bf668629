namespace Steadfast.CircuitBreakers;

/// <summary>A circuit state as published through an <see cref="ICircuitStateStore"/>.</summary>
public readonly struct SharedCircuitState : IEquatable<SharedCircuitState>
{
    /// <summary>Creates a shared state.</summary>
    /// <param name="state"><see cref="CircuitState.Open"/> or <see cref="CircuitState.Closed"/>.</param>
    /// <param name="openUntil">When an open circuit may let probes through again (UTC); ignored when closed.</param>
    public SharedCircuitState(CircuitState state, DateTimeOffset openUntil)
    {
        State = state;
        OpenUntil = openUntil;
    }

    /// <summary><see cref="CircuitState.Open"/> or <see cref="CircuitState.Closed"/>.</summary>
    public CircuitState State { get; }

    /// <summary>When an open circuit may let probes through again.</summary>
    public DateTimeOffset OpenUntil { get; }

    /// <inheritdoc />
    public bool Equals(SharedCircuitState other) => State == other.State && OpenUntil == other.OpenUntil;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SharedCircuitState other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(State, OpenUntil);

    /// <inheritdoc />
    public override string ToString() => State == CircuitState.Open ? $"Open until {OpenUntil:O}" : State.ToString();
}
