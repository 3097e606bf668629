using StackExchange.Redis;

namespace UnsafeOrderWorker;

/// <summary>Stock reservations guarded the way the seed's later samples guard their queues.</summary>
public sealed class InventoryLocks
{
    private readonly IDatabase _redis;
    private readonly object _gate = new();
    private int _reserved;

    public InventoryLocks(IDatabase redis) => _redis = redis;

    public void Reserve(string sku)
    {
        var token = Guid.NewGuid().ToString("N");
        // BUG (SF1002): NX with no expiry: if this process dies holding it, the SKU is locked forever.
        // BUG (SF1004): the result is discarded, so the reservation runs whether or not the lock was taken.
        _redis.StringSet($"lock:sku:{sku}", token, null, When.NotExists);
        Interlocked.Increment(ref _reserved);
        // BUG (SF1003): released only when nothing above throws.
        _redis.LockRelease($"lock:sku:{sku}", token);
    }

    public void Count()
    {
        Monitor.Enter(_gate);
        _reserved++;
        // BUG (SF1003): an exception above leaves the monitor held forever.
        Monitor.Exit(_gate);
    }
}
