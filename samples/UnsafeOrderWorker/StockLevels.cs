using StackExchange.Redis;

namespace UnsafeOrderWorker;

/// <summary>Stock kept under a lock in one place and read without it in another.</summary>
public sealed class StockLevels
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _stock = new();

    public void Reserve(string sku)
    {
        lock (_gate)
        {
            _stock[sku] = _stock.GetValueOrDefault(sku) - 1;
        }
    }

    // BUG (SF3002): reads the dictionary without the lock Reserve holds while it rehashes.
    public int Available(string sku) => _stock.GetValueOrDefault(sku);
}

/// <summary>"Process each order once", checked and set in two steps.</summary>
public sealed class OrderDeduplication
{
    private readonly IDatabase _redis;

    public OrderDeduplication(IDatabase redis) => _redis = redis;

    public bool TryStart(string orderId)
    {
        // BUG (SF3003): another worker can set the key between the check and the set: both process the order.
        if (_redis.KeyExists("processed:" + orderId))
            return false;
        _redis.StringSet("processed:" + orderId, "1");
        return true;
    }
}
