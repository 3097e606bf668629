using StackExchange.Redis;

namespace UnsafeOrderWorker;

/// <summary>The seed's Redis list queue.</summary>
public sealed class OrderQueue
{
    private readonly IDatabase _redis;
    private readonly string _queueName;

    public OrderQueue(IDatabase redis, string queueName)
    {
        _redis = redis;
        _queueName = queueName;
    }

    public void Enqueue(string order) => _redis.ListLeftPush(_queueName, order);

    public string Dequeue()
    {
        // BUG (SF2002): once popped, the order exists only in this process: a crash loses it.
        var order = _redis.ListRightPop(_queueName);
        if (order.IsNull)
        {
            // BUG (SF2001): sleeps a second and calls itself: a blocked thread and a growing stack while idle.
            Thread.Sleep(1000);
            return Dequeue();
        }

        return order!;
    }
}
