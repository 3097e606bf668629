using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

/// <summary>Options for <see cref="RedisReliableQueue{T}"/>, on top of the shared <see cref="QueueOptions"/>.</summary>
public sealed class RedisQueueOptions : QueueOptions
{
    /// <summary>
    /// The Redis Streams consumer group. Default <c>steadfast</c>. Queues with the same name and group share the work;
    /// each group of the same queue gets every message (fan-out). The group is created on first use, from the start of
    /// the stream, so messages enqueued before any consumer existed are delivered.
    /// </summary>
    public string ConsumerGroup { get; init; } = "steadfast";

    /// <summary>
    /// This instance's consumer name within the group; <see langword="null"/> (default) for a unique one per instance
    /// (machine, process id and a random suffix). Two live instances must not share a name.
    /// </summary>
    public string? ConsumerName { get; init; }

    /// <summary>How messages are turned into bytes; <see cref="JsonQueueSerializer.Default"/> (System.Text.Json) when null.</summary>
    public IQueueSerializer? Serializer { get; init; }

    /// <summary>
    /// Prefix of every key and channel. Default <c>steadfast:queue</c>. A queue named <c>orders</c> is the stream
    /// <c>{steadfast:queue:orders}</c>, its dead letters the stream <c>{steadfast:queue:orders}:dead</c> (same hash tag,
    /// so the same Redis Cluster slot), and enqueues are announced on channel <c>steadfast:queue:orders:wake</c>.
    /// </summary>
    public string KeyPrefix { get; init; } = "steadfast:queue";

    /// <summary>The Redis database number; -1 (default) for the multiplexer's default database.</summary>
    public int Database { get; init; } = -1;

    /// <summary>
    /// How many entries one read may take at once (XREADGROUP COUNT). Default 10. Entries read ahead wait in this
    /// instance until a dequeue call takes them; their visibility timeout runs from the read, and one held back for more
    /// than half of it is handed back to the group instead. 1 disables read-ahead. Must be positive.
    /// </summary>
    public int PrefetchCount { get; init; } = 10;

    /// <summary>
    /// The bound on how long an idle consumer waits before reading again when no enqueue notification arrived (a lost
    /// pub/sub message, a reconnect): the fallback re-read. Default 1 s. Must be positive. Consumers are normally woken
    /// within milliseconds by the notification.
    /// </summary>
    public TimeSpan IdleRecheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A plain Redis list that producers still push raw values to (LPUSH/RPUSH), for moving consumers off a hand-rolled
    /// list queue before its producers move; <see langword="null"/> (default) for none. Each read first moves what waits in
    /// the list into the stream — added to the stream before it is removed from the list, so a crash in between gives a
    /// duplicate, never a loss — and one consumer at a time does it. A <see cref="string"/> queue takes each value as the
    /// message; any other message type expects values in the serializer's format (JSON by default). Producers of the list
    /// do not wake idle consumers: their messages are seen within <see cref="IdleRecheckInterval"/>. Must not be empty.
    /// </summary>
    public string? ImportFromList { get; init; }

    /// <summary>
    /// The end of <see cref="ImportFromList"/> that old consumers popped from, which holds the oldest message:
    /// <see cref="ListSide.Right"/> (default; RPOP, for LPUSH producers) or <see cref="ListSide.Left"/> (LPOP, for RPUSH
    /// producers). Messages are imported oldest first.
    /// </summary>
    public ListSide ImportFromListSide { get; init; } = ListSide.Right;

    /// <summary>
    /// The clock for this instance's own timing: dequeue waits, the fallback re-read, how often it looks for deliveries
    /// to take over, and how long read-ahead entries may wait before they are handed back; <see cref="TimeProvider.System"/>
    /// when null. The visibility timeout itself runs on the Redis server's clock (the idle time of pending entries).
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>
    /// The most entries the stream keeps when some consumer group has not acknowledged them; <see langword="null"/>
    /// (default) for no bound. Acknowledged entries are trimmed whatever this says; this bound decides what happens when a
    /// group stops acknowledging (an abandoned group, a fan-out subscriber that was retired without removing its group):
    /// without a bound the stream keeps every entry from that group's oldest unacknowledged one on, for ever; with one,
    /// the oldest entries beyond it are trimmed even though unacknowledged — lost for the groups that had not handled
    /// them, counted in <c>steadfast.queue.trimmed_unacknowledged</c> and logged as a warning. Must be positive.
    /// </summary>
    public long? MaxUnacknowledgedLength { get; init; }

    /// <summary>
    /// The oldest an entry may be (by its id, on the Redis server's clock) and still be kept while some consumer group
    /// has not acknowledged it; <see langword="null"/> (default) for no bound. Same trade as
    /// <see cref="MaxUnacknowledgedLength"/>: older entries are trimmed even though unacknowledged, counted and logged.
    /// Must be positive; keep it well above the longest outage consumers must survive.
    /// </summary>
    public TimeSpan? MaxUnacknowledgedAge { get; init; }

    /// <summary>
    /// Whether acks are pipelined (default true): <see cref="IDelivery{T}.AckAsync"/> sends the ack and returns without
    /// waiting for Redis's answer, acks sent while one is in flight go together in one command, and this instance's next
    /// read from Redis (and <see cref="RedisReliableQueue{T}.DisposeAsync"/>) first waits until all of its acks have
    /// been answered. So a consumer handles its read-ahead without a round trip per message, and still: a message it
    /// acknowledged is never delivered to it again; an ack that fails leaves the message pending (delivered again after
    /// the visibility timeout, never lost) and is thrown by the next <c>DequeueAsync</c> that reads as a
    /// <see cref="RedisQueueException"/> (and logged); disposal logs it. What it gives up: when <c>AckAsync</c> returns,
    /// the ack may still be on its way, so a process that dies right then, or an ack delayed past the visibility timeout,
    /// lets another consumer handle the message again (at-least-once, as always). False: <c>AckAsync</c> completes when
    /// Redis has recorded the ack and throws when it could not, one round trip per message.
    /// </summary>
    public bool PipelinedAcks { get; init; } = true;

    /// <summary>Where to log background failures (trimming, releasing read-ahead entries); none when null.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is out of range: <see cref="ArgumentException"/> or
    /// <see cref="ArgumentOutOfRangeException"/> whose ParamName is the option's name (the shared ones first).</summary>
    internal void Validate()
    {
        QueueArguments.Validate(this);
        if (string.IsNullOrWhiteSpace(ConsumerGroup))
        {
            throw new ArgumentException("RedisQueueOptions.ConsumerGroup must not be empty.", nameof(RedisQueueOptions.ConsumerGroup));
        }

        if (ConsumerName is { } consumer && string.IsNullOrWhiteSpace(consumer))
        {
            throw new ArgumentException("RedisQueueOptions.ConsumerName must not be empty (null for a unique one).", nameof(RedisQueueOptions.ConsumerName));
        }

        if (string.IsNullOrEmpty(KeyPrefix))
        {
            throw new ArgumentException("RedisQueueOptions.KeyPrefix must not be empty.", nameof(RedisQueueOptions.KeyPrefix));
        }

        if (PrefetchCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.PrefetchCount), PrefetchCount,
                "RedisQueueOptions.PrefetchCount must be positive.");
        }

        if (IdleRecheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.IdleRecheckInterval), IdleRecheckInterval,
                "RedisQueueOptions.IdleRecheckInterval must be positive.");
        }

        if (ImportFromList is { } list && string.IsNullOrWhiteSpace(list))
        {
            throw new ArgumentException("RedisQueueOptions.ImportFromList must not be empty (null for none).", nameof(RedisQueueOptions.ImportFromList));
        }

        if (MaxUnacknowledgedLength is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.MaxUnacknowledgedLength), MaxUnacknowledgedLength,
                "RedisQueueOptions.MaxUnacknowledgedLength must be positive (null for no bound).");
        }

        if (MaxUnacknowledgedAge is { } age && age <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.MaxUnacknowledgedAge), age,
                "RedisQueueOptions.MaxUnacknowledgedAge must be positive (null for no bound).");
        }

        if (ImportFromListSide is not (ListSide.Left or ListSide.Right))
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.ImportFromListSide), ImportFromListSide,
                "RedisQueueOptions.ImportFromListSide must be ListSide.Left or ListSide.Right.");
        }
    }
}
