using System.Collections.Concurrent;

namespace OrderWorker;

/// <summary>What UnsafeOrderWorker.OrderCache does with a plain Dictionary and `_processed++`, made safe for concurrent workers.</summary>
public sealed class OrderLedger
{
    private readonly ConcurrentDictionary<string, string> _orders = new();
    private int _processed;

    public void MarkProcessing(string orderId) => _orders[orderId] = "processing";

    public void MarkDone(string orderId, long fencingToken)
    {
        _orders[orderId] = $"done (fencing token {fencingToken})";
        Interlocked.Increment(ref _processed);
    }

    public int Processed => Volatile.Read(ref _processed);

    public int Count => _orders.Count;
}
