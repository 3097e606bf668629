namespace Steadfast.Queues;

/// <summary>
/// An at-least-once work queue: a message leaves the queue only when a consumer acknowledges it. A delivery that is
/// neither acknowledged nor nacked within <see cref="QueueOptions.VisibilityTimeout"/> (its consumer died or hung) is
/// delivered again, to any consumer; after <see cref="QueueOptions.MaxDeliveries"/> deliveries a message goes to the
/// dead-letter store instead.
/// </summary>
/// <remarks>
/// Implementations: <see cref="InMemoryReliableQueue{T}"/> (one process) and
/// <c>RedisReliableQueue&lt;T&gt;</c> (package Steadfast.Redis; Redis Streams, many processes). Both validate arguments
/// the same way: a <see langword="null"/> message throws <see cref="ArgumentNullException"/> (ParamName
/// <c>"message"</c>), a <see langword="null"/> batch or one holding a <see langword="null"/> one
/// <see cref="ArgumentNullException"/> / <see cref="ArgumentException"/> (ParamName <c>"messages"</c>), a negative wait
/// other than <see cref="Timeout.InfiniteTimeSpan"/> <see cref="ArgumentOutOfRangeException"/> (ParamName
/// <c>"wait"</c>). Handlers must be idempotent: a message can be handled more than once when a consumer fails
/// between handling it and acknowledging it.
/// <para>
/// Dispose the queue when the consumer stops (<c>await using</c>, or the host's shutdown): waiting dequeues end with
/// <see cref="ObjectDisposedException"/>, messages this instance read but never handed out go back to the queue at
/// once, and its timers and subscriptions are released. Deliveries already handed out can still be acknowledged.
/// </para>
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public interface IReliableQueue<T> : IAsyncDisposable
{
    /// <summary>Adds a message. When the returned task completes the message has been accepted by the backend.</summary>
    /// <param name="message">The message; not <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting for the backend's answer (the message may still have been accepted).</param>
    /// <returns>A task that completes when the message is stored.</returns>
    ValueTask EnqueueAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Adds messages in order. When the returned task completes every one has been accepted by the backend.</summary>
    /// <param name="messages">The messages; none <see langword="null"/>. Any sequence (a LINQ query included), enumerated
    /// once, before anything is stored. An empty sequence does nothing.</param>
    /// <param name="cancellationToken">Stops waiting for the backend's answer (some messages may still have been accepted).</param>
    /// <returns>A task that completes when every message is stored.</returns>
    ValueTask EnqueueBatchAsync(IEnumerable<T> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the next message, waiting up to <paramref name="wait"/> for one to arrive. The waiting is not polling:
    /// the caller is woken when a message is enqueued or becomes visible again.
    /// </summary>
    /// <param name="wait">How long to wait: <see cref="TimeSpan.Zero"/> to only look, <see cref="Timeout.InfiniteTimeSpan"/> for ever.</param>
    /// <param name="cancellationToken">Cancels the wait promptly (<see cref="OperationCanceledException"/>).</param>
    /// <returns>The delivery, or <see langword="null"/> when nothing arrived in time. Acknowledge it with
    /// <see cref="IDelivery{T}.AckAsync"/> once handled.</returns>
    ValueTask<IDelivery<T>?> DequeueAsync(TimeSpan wait, CancellationToken cancellationToken = default);

    /// <summary>Yields deliveries as they arrive, for ever, until <paramref name="cancellationToken"/> is cancelled
    /// (which ends the enumeration with <see cref="OperationCanceledException"/>).</summary>
    /// <param name="cancellationToken">Ends the consumption.</param>
    /// <returns>The deliveries; acknowledge each one.</returns>
    IAsyncEnumerable<IDelivery<T>> ConsumeAsync(CancellationToken cancellationToken = default);
}
