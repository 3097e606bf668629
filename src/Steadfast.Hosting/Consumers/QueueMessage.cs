namespace Steadfast.Hosting;

/// <summary>One delivery of a message to an <see cref="IQueueHandler{TMessage}"/>.</summary>
/// <typeparam name="TMessage">The message type.</typeparam>
public sealed class QueueMessage<TMessage>
{
    internal QueueMessage(string queueName, string id, int deliveryCount, TMessage message)
    {
        QueueName = queueName;
        Id = id;
        DeliveryCount = deliveryCount;
        Message = message;
    }

    /// <summary>The queue's registered name.</summary>
    public string QueueName { get; }

    /// <summary>The message's id in the queue; the same on every delivery of the message.</summary>
    public string Id { get; }

    /// <summary>Which delivery this is: 1 the first time, higher after failures.</summary>
    public int DeliveryCount { get; }

    /// <summary>The message.</summary>
    public TMessage Message { get; }
}
