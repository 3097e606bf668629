namespace Steadfast.CircuitBreakers;

/// <summary>
/// Shares Open / Closed between breakers of the same name in many processes. A breaker publishes its trips and
/// recoveries, keeps the last state it heard in memory (so calls never wait on the store), and refreshes it from
/// change notifications and a periodic read. A failing store never stops the breaker working in-process.
/// </summary>
public interface ICircuitStateStore
{
    /// <summary>
    /// Publishes a trip (<see cref="CircuitState.Open"/> for <see cref="SharedCircuitState.RemainingBreak"/> from now)
    /// or a recovery (<see cref="CircuitState.Closed"/>). Notifications must reach subscribers in publishing order.
    /// </summary>
    ValueTask PublishAsync(string circuitName, SharedCircuitState state, CancellationToken cancellationToken);

    /// <summary>Reads the current shared state, or null when none is stored (the circuit is not open anywhere).</summary>
    ValueTask<SharedCircuitState?> ReadAsync(string circuitName, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="onChange"/> for every state published under <paramref name="circuitName"/> until the returned handle is disposed.</summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(string circuitName, Action<SharedCircuitState> onChange, CancellationToken cancellationToken);
}
