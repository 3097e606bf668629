using System.Diagnostics;

namespace Steadfast.Queues.Internal;

/// <summary>
/// The spans of every queue backend, after OpenTelemetry's messaging conventions: <c>{queue} publish</c> (Producer),
/// <c>{queue} receive</c> (Consumer) and <c>{queue} settle</c> for acks and nacks (documented in docs/queues.md, "Tracing").
/// </summary>
internal static class QueueTracing
{
    public const string MemorySystem = "steadfast.memory";
    public const string RedisSystem = "redis";

    public const string SystemTag = "messaging.system";
    public const string OperationTypeTag = "messaging.operation.type";
    public const string OperationNameTag = "messaging.operation.name";
    public const string DestinationTag = "messaging.destination.name";
    public const string BatchCountTag = "messaging.batch.message_count";
    public const string MessageIdTag = "messaging.message.id";
    public const string ConsumerGroupTag = "messaging.consumer.group.name";
    public const string DeliveryCountTag = "steadfast.queue.delivery_count";
    public const string DeadLetteredTag = "steadfast.queue.dead_lettered";

    /// <summary>Starts a publish span for one message (<paramref name="batchCount"/> null) or a batch.</summary>
    public static Activity? StartPublish(string system, string? queue, int? batchCount)
    {
        Activity? activity = Start("publish", ActivityKind.Producer, system, queue, operationType: "send", operationName: "publish");
        if (activity is { IsAllDataRequested: true } && batchCount is { } count)
        {
            activity.SetTag(BatchCountTag, count);
        }

        return activity;
    }

    private static Activity? StartReceive(string system, string? queue, string? consumerGroup)
    {
        Activity? activity = Start("receive", ActivityKind.Consumer, system, queue, operationType: "receive", operationName: "receive");
        if (activity is { IsAllDataRequested: true } && consumerGroup is not null)
        {
            activity.SetTag(ConsumerGroupTag, consumerGroup);
        }

        return activity;
    }

    /// <summary>
    /// Runs one backend's dequeue inside a receive span; while nobody listens, runs it as it is (no state machine, so
    /// a message that is ready is handed out synchronously).
    /// </summary>
    public static ValueTask<IDelivery<T>?> ReceiveAsync<TQueue, T>(TQueue queue,
        Func<TQueue, TimeSpan, CancellationToken, ValueTask<IDelivery<T>?>> dequeue,
        string system, string? name, string? consumerGroup, TimeSpan wait, CancellationToken cancellationToken) =>
        SteadfastTracing.Source.HasListeners()
            ? ReceiveTracedAsync(queue, dequeue, system, name, consumerGroup, wait, cancellationToken)
            : dequeue(queue, wait, cancellationToken);

    private static async ValueTask<IDelivery<T>?> ReceiveTracedAsync<TQueue, T>(TQueue queue,
        Func<TQueue, TimeSpan, CancellationToken, ValueTask<IDelivery<T>?>> dequeue,
        string system, string? name, string? consumerGroup, TimeSpan wait, CancellationToken cancellationToken)
    {
        using Activity? activity = StartReceive(system, name, consumerGroup);
        try
        {
            IDelivery<T>? delivery = await dequeue(queue, wait, cancellationToken).ConfigureAwait(false);
            if (activity is { IsAllDataRequested: true })
            {
                Received(activity, delivery?.Id, delivery?.DeliveryCount ?? 0);
            }

            return delivery;
        }
        catch (Exception ex) when (activity is not null)
        {
            Failed(activity, ex, cancellationToken);
            throw;
        }
    }

    /// <summary>Records what a receive returned: a delivery, or nothing within the wait.</summary>
    private static void Received(Activity activity, string? messageId, int deliveryCount)
    {
        if (messageId is null)
        {
            activity.SetTag(QueueTelemetry.OutcomeTag, "timeout");
            return;
        }

        activity.SetTag(QueueTelemetry.OutcomeTag, "delivered");
        activity.SetTag(MessageIdTag, messageId);
        activity.SetTag(DeliveryCountTag, deliveryCount);
    }

    /// <summary>Starts a settle span: <paramref name="operation"/> is <c>ack</c> or <c>nack</c>.</summary>
    public static Activity? StartSettle(string system, string? queue, string operation, string messageId, int deliveryCount)
    {
        Activity? activity = Start("settle", ActivityKind.Internal, system, queue, operationType: "settle", operationName: operation);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(MessageIdTag, messageId);
            activity.SetTag(DeliveryCountTag, deliveryCount);
        }

        return activity;
    }

    /// <summary>Ends a span whose call threw: failed, unless the caller cancelled it.</summary>
    public static void Failed(Activity activity, Exception exception, CancellationToken cancellationToken)
    {
        if (exception.IsCancellationBy(cancellationToken))
        {
            activity.SetTag(QueueTelemetry.OutcomeTag, "canceled");
            return;
        }

        activity.SetError(exception);
    }

    private static Activity? Start(string operation, ActivityKind kind, string system, string? queue, string operationType, string operationName)
    {
        // Checked first so that no span name is built while nobody listens.
        if (!SteadfastTracing.Source.HasListeners())
        {
            return null;
        }

        // An unnamed in-memory queue has no destination: the span is named by the operation alone.
        Activity? activity = SteadfastTracing.Source.StartActivity(queue is null ? operation : queue + " " + operation, kind);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SystemTag, system);
            activity.SetTag(OperationTypeTag, operationType);
            activity.SetTag(OperationNameTag, operationName);

            if (queue is not null)
            {
                activity.SetTag(DestinationTag, queue);
            }
        }

        return activity;
    }
}
