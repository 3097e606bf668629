using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Steadfast.Queues;

/// <summary>
/// Names of the queue instruments. All live on the <see cref="MeterName"/> meter and carry the tag
/// <see cref="BackendTag"/> (<c>memory</c> or <c>redis</c>); message ids are never tags.
/// </summary>
public static class QueueTelemetry
{
    /// <summary>The meter: <c>Steadfast.Queues</c>.</summary>
    public const string MeterName = "Steadfast.Queues";

    /// <summary>Counter: messages accepted by the backend.</summary>
    public const string Enqueued = "steadfast.queue.enqueued";

    /// <summary>Counter: messages moved into a Redis queue from the list it takes over
    /// (<c>RedisQueueOptions.ImportFromList</c>); not counted in <see cref="Enqueued"/>.</summary>
    public const string Imported = "steadfast.queue.imported";

    /// <summary>Counter: deliveries handed to consumers; tag <see cref="RedeliveryTag"/> is <see langword="true"/>
    /// from the second delivery of a message on.</summary>
    public const string Delivered = "steadfast.queue.delivered";

    /// <summary>Counter: acknowledgements.</summary>
    public const string Acked = "steadfast.queue.acked";

    /// <summary>Counter: nacks (messages given back for redelivery or dead-lettering).</summary>
    public const string Nacked = "steadfast.queue.nacked";

    /// <summary>Counter: deliveries deferred by their consumer (<see cref="IDelivery{T}.DeferAsync"/>): given back
    /// without spending a delivery.</summary>
    public const string Deferred = "steadfast.queue.deferred";

    /// <summary>Counter: entries a Redis queue trimmed while some consumer group had not acknowledged them, because the
    /// stream outgrew <c>RedisQueueOptions.MaxUnacknowledgedLength</c> or its entries outlived
    /// <c>RedisQueueOptions.MaxUnacknowledgedAge</c> (an abandoned group). Lost for that group.</summary>
    public const string TrimmedUnacknowledged = "steadfast.queue.trimmed_unacknowledged";

    /// <summary>Counter: deliveries whose visibility timeout ran out, so the message was taken back.</summary>
    public const string Reclaimed = "steadfast.queue.reclaimed";

    /// <summary>Counter: messages moved to the dead-letter store.</summary>
    public const string DeadLettered = "steadfast.queue.dead_lettered";

    /// <summary>Histogram (s): time from delivery to acknowledgement.</summary>
    public const string ProcessingDuration = "steadfast.queue.processing.duration";

    /// <summary>Histogram (s): time a dequeue call waited; tag <see cref="OutcomeTag"/> is <c>delivered</c>,
    /// <c>timeout</c> or <c>canceled</c>.</summary>
    public const string DequeueWaitDuration = "steadfast.queue.dequeue.wait.duration";

    /// <summary>Tag naming the backend: <c>memory</c> or <c>redis</c>.</summary>
    public const string BackendTag = "steadfast.queue.backend";

    /// <summary>Tag on <see cref="Delivered"/>: whether the message had been delivered before.</summary>
    public const string RedeliveryTag = "steadfast.queue.redelivery";

    /// <summary>Tag naming an outcome (see each instrument).</summary>
    public const string OutcomeTag = "steadfast.queue.outcome";
}

/// <summary>The instruments behind <see cref="QueueTelemetry"/>.</summary>
internal static class QueueMetrics
{
    private static readonly Meter Meter = new(QueueTelemetry.MeterName, typeof(QueueMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Enqueued = Meter.CreateCounter<long>(
        QueueTelemetry.Enqueued, "{message}", "Messages accepted by the backend.");

    private static readonly Counter<long> Imported = Meter.CreateCounter<long>(
        QueueTelemetry.Imported, "{message}", "Messages moved into the queue from a list it takes over.");

    private static readonly Counter<long> Delivered = Meter.CreateCounter<long>(
        QueueTelemetry.Delivered, "{delivery}", "Deliveries handed to consumers.");

    private static readonly Counter<long> Acked = Meter.CreateCounter<long>(
        QueueTelemetry.Acked, "{message}", "Acknowledged messages.");

    private static readonly Counter<long> Nacked = Meter.CreateCounter<long>(
        QueueTelemetry.Nacked, "{message}", "Messages given back by their consumer.");

    private static readonly Counter<long> Deferred = Meter.CreateCounter<long>(
        QueueTelemetry.Deferred, "{message}", "Messages put off by their consumer without spending a delivery.");

    private static readonly Counter<long> TrimmedUnacknowledged = Meter.CreateCounter<long>(
        QueueTelemetry.TrimmedUnacknowledged, "{message}", "Entries trimmed before every consumer group acknowledged them.");

    private static readonly Counter<long> Reclaimed = Meter.CreateCounter<long>(
        QueueTelemetry.Reclaimed, "{delivery}", "Deliveries whose visibility timeout ran out.");

    private static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>(
        QueueTelemetry.DeadLettered, "{message}", "Messages moved to the dead-letter store.");

    private static readonly Histogram<double> ProcessingDuration = Meter.CreateHistogram<double>(
        QueueTelemetry.ProcessingDuration, "s", "Time from delivery to acknowledgement.");

    private static readonly Histogram<double> DequeueWait = Meter.CreateHistogram<double>(
        QueueTelemetry.DequeueWaitDuration, "s", "Time a dequeue call waited.");

    public static void RecordEnqueued(string backend, long count)
    {
        if (Enqueued.Enabled && count > 0)
        {
            Enqueued.Add(count, new KeyValuePair<string, object?>(QueueTelemetry.BackendTag, backend));
        }
    }

    public static void RecordDelivered(string backend, int deliveryCount)
    {
        if (Delivered.Enabled)
        {
            Delivered.Add(1, new KeyValuePair<string, object?>(QueueTelemetry.BackendTag, backend),
                new KeyValuePair<string, object?>(QueueTelemetry.RedeliveryTag, deliveryCount > 1));
        }
    }

    public static void RecordAcked(string backend, TimeSpan processing)
    {
        var tag = new KeyValuePair<string, object?>(QueueTelemetry.BackendTag, backend);
        if (Acked.Enabled)
        {
            Acked.Add(1, tag);
        }

        if (ProcessingDuration.Enabled)
        {
            ProcessingDuration.Record(processing.TotalSeconds, tag);
        }
    }

    public static void RecordImported(string backend, long count) => Add(Imported, backend, count);

    public static void RecordNacked(string backend) => Add(Nacked, backend, 1);

    public static void RecordDeferred(string backend) => Add(Deferred, backend, 1);

    public static void RecordTrimmedUnacknowledged(string backend, long count) => Add(TrimmedUnacknowledged, backend, count);

    public static void RecordReclaimed(string backend, long count) => Add(Reclaimed, backend, count);

    public static void RecordDeadLettered(string backend, long count) => Add(DeadLettered, backend, count);

    public static void RecordDequeueWait(string backend, string outcome, TimeSpan elapsed)
    {
        if (DequeueWait.Enabled)
        {
            DequeueWait.Record(elapsed.TotalSeconds, new TagList
            {
                { QueueTelemetry.BackendTag, backend },
                { QueueTelemetry.OutcomeTag, outcome },
            });
        }
    }

    private static void Add(Counter<long> counter, string backend, long count)
    {
        if (counter.Enabled && count > 0)
        {
            counter.Add(count, new KeyValuePair<string, object?>(QueueTelemetry.BackendTag, backend));
        }
    }
}
