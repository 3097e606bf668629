namespace Steadfast.Hosting;

/// <summary>
/// Handles messages of a queue for a hosted consumer (<see cref="SteadfastBuilder.AddQueueConsumer{TMessage, THandler}(string, Action{ConsumerSettings}?)"/>).
/// A new instance is resolved in a new DI scope for every message, so it may take scoped services (a DbContext).
/// </summary>
/// <typeparam name="TMessage">The message type.</typeparam>
/// <remarks>
/// Returning acknowledges the message; throwing gives it back with a backoff, and after the queue's MaxDeliveries it
/// goes to the dead letters. Throwing (or letting through) a <see cref="CircuitBreakers.CircuitBreakerOpenException"/>
/// defers the message until the circuit's RetryAfter without spending a delivery: a dependency outage of any length
/// dead-letters nothing. Messages can be delivered more than once (at-least-once): make handling idempotent.
/// </remarks>
public interface IQueueHandler<TMessage>
{
    /// <summary>Handles one delivery.</summary>
    /// <param name="message">The message and its delivery details.</param>
    /// <param name="cancellationToken">
    /// Fires only when the host's shutdown timeout runs out while the handler is still running (the message is then given
    /// back at once); a shutdown first lets running handlers finish.
    /// </param>
    /// <returns>A task that completes when the message is handled.</returns>
    Task HandleAsync(QueueMessage<TMessage> message, CancellationToken cancellationToken);
}
