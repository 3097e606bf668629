using System.Collections.Concurrent;

namespace OrderWorker.Hosted;

/// <summary>What was charged and what was given up on, safe for the concurrent handlers.</summary>
public sealed class OrderLedger
{
    private readonly ConcurrentDictionary<string, long> _charged = new();
    private int _gaveUp;
    private int _settled;

    public event Action<int>? Settled;

    public int Charged => _charged.Count;

    public int GaveUp => Volatile.Read(ref _gaveUp);

    public void MarkCharged(string orderId, long fencingToken)
    {
        _charged[orderId] = fencingToken;
        Settled?.Invoke(Interlocked.Increment(ref _settled));
    }

    public void MarkGaveUp()
    {
        Interlocked.Increment(ref _gaveUp);
        Settled?.Invoke(Interlocked.Increment(ref _settled));
    }
}
