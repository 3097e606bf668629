namespace Steadfast.Queues;

/// <summary>Options shared by every <see cref="IReliableQueue{T}"/> backend; validated when a queue is created.</summary>
public class QueueOptions
{
    /// <summary>The default visibility timeout: 30 seconds.</summary>
    public static readonly TimeSpan DefaultVisibilityTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default maximum number of deliveries: 5.</summary>
    public const int DefaultMaxDeliveries = 5;

    /// <summary>The default dead-letter capacity: 10,000 messages.</summary>
    public const int DefaultDeadLetterCapacity = 10_000;

    /// <summary>
    /// How long a delivery may stay unacknowledged before the message is delivered again (its consumer is presumed
    /// dead). Default 30 s. Must be positive (<see cref="ArgumentOutOfRangeException"/> with ParamName
    /// <c>"VisibilityTimeout"</c>).
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = DefaultVisibilityTimeout;

    /// <summary>
    /// How many times a message is delivered before it goes to the dead-letter store instead (a poison message: its
    /// handler keeps failing or crashing). Default 5. Must be positive (<see cref="ArgumentOutOfRangeException"/> with
    /// ParamName <c>"MaxDeliveries"</c>).
    /// </summary>
    public int MaxDeliveries { get; init; } = DefaultMaxDeliveries;

    /// <summary>
    /// How many dead letters are kept; the oldest are dropped beyond it, so memory stays bounded. Default 10,000. Must be
    /// positive (<see cref="ArgumentOutOfRangeException"/> with ParamName <c>"DeadLetterCapacity"</c>). On Redis the
    /// dead-letter stream is trimmed approximately (<c>MAXLEN ~</c>), so a few more may be kept.
    /// </summary>
    public int DeadLetterCapacity { get; init; } = DefaultDeadLetterCapacity;

    internal static QueueOptions Default { get; } = new();
}
