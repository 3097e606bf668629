namespace Steadfast.Queues;

/// <summary>One delivery of a message to a consumer. Acknowledge it when handled, or nack it to have it delivered again.</summary>
/// <typeparam name="T">The message type.</typeparam>
public interface IDelivery<T>
{
    /// <summary>The message.</summary>
    T Message { get; }

    /// <summary>The message's id in the queue; the same on every delivery of the message.</summary>
    string Id { get; }

    /// <summary>How many times the message has been delivered, this delivery included: 1 on the first delivery.</summary>
    int DeliveryCount { get; }

    /// <summary>
    /// Removes the message from the queue for good. Acknowledging twice, or after the message went to the dead-letter
    /// store, does nothing. An acknowledgement after the visibility timeout still removes the message (it may meanwhile
    /// have been delivered to another consumer too).
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the backend's answer.</param>
    /// <returns>A task that completes when the backend has recorded the acknowledgement.</returns>
    ValueTask AckAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the message back: it is delivered again (with <see cref="DeliveryCount"/> one higher) after
    /// <paramref name="redeliverAfter"/>, or goes to the dead-letter store when this was delivery number
    /// <see cref="QueueOptions.MaxDeliveries"/>. Does nothing when this delivery no longer holds the message (it was
    /// acknowledged, or its visibility timeout ran out and the message moved on).
    /// </summary>
    /// <param name="redeliverAfter">
    /// The delay before the message is visible again; <see langword="null"/> or zero for at once. Capped at
    /// <see cref="QueueOptions.VisibilityTimeout"/>; must not be negative.
    /// </param>
    /// <param name="cancellationToken">Stops waiting for the backend's answer.</param>
    /// <returns>A task that completes when the backend has recorded the nack.</returns>
    ValueTask NackAsync(TimeSpan? redeliverAfter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts the message off without spending a delivery: it is delivered again after <paramref name="delay"/> with the
    /// same <see cref="DeliveryCount"/> as this delivery, and never goes to the dead-letter store for it. For a handler
    /// that could not even try because a dependency is down (a <c>CircuitBreakerOpenException</c>: pass its
    /// <c>RetryAfter</c>, or use <see cref="DeliveryExtensions.DeferAsync{T}(IDelivery{T}, CircuitBreakers.CircuitBreakerOpenException, CancellationToken)"/>),
    /// so a long outage dead-letters no healthy message. Nack instead when the message itself failed. Does nothing when
    /// this delivery no longer holds the message.
    /// </summary>
    /// <param name="delay">
    /// The delay before the message is visible again: zero for at once; capped at
    /// <see cref="QueueOptions.VisibilityTimeout"/>, which <see cref="Timeout.InfiniteTimeSpan"/> also means. Must not be
    /// otherwise negative.
    /// </param>
    /// <param name="cancellationToken">Stops waiting for the backend's answer.</param>
    /// <returns>A task that completes when the backend has recorded the deferral.</returns>
    ValueTask DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default);
}
