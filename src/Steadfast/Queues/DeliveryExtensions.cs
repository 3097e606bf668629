using Steadfast.CircuitBreakers;

namespace Steadfast.Queues;

/// <summary>Settling a delivery from what the handler ran into.</summary>
public static class DeliveryExtensions
{
    /// <summary>
    /// Defers the message until the open circuit that rejected the handler's call may let calls through again
    /// (<see cref="CircuitBreakerOpenException.RetryAfter"/>, capped at the visibility timeout) without spending a
    /// delivery: the documented answer to <see cref="CircuitBreakerOpenException"/> in a consumer, so a dependency
    /// outage of any length dead-letters nothing.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="delivery">The delivery whose handler was rejected.</param>
    /// <param name="rejection">The breaker's rejection.</param>
    /// <param name="cancellationToken">Stops waiting for the backend's answer.</param>
    /// <returns>A task that completes when the backend has recorded the deferral.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="delivery"/> or <paramref name="rejection"/> is null.</exception>
    public static ValueTask DeferAsync<T>(this IDelivery<T> delivery, CircuitBreakerOpenException rejection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(rejection);
        TimeSpan delay = rejection.RetryAfter < TimeSpan.Zero ? Timeout.InfiniteTimeSpan : rejection.RetryAfter;
        return delivery.DeferAsync(delay, cancellationToken);
    }
}
