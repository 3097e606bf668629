namespace UnsafeOrderWorker;

/// <summary>"A thread-safe dictionary", as the seed calls it, shared by the hot-hot workers.</summary>
public sealed class OrderCache
{
    // BUG (SF3001): a plain Dictionary written from several tasks at once.
    private readonly Dictionary<string, string> _orders = new();
    private int _processed;

    public void StartWorkers(IEnumerable<string> orderIds)
    {
        foreach (var id in orderIds)
        {
            Task.Run(() =>
            {
                _orders[id] = "processing";
                _processed++;
            });
        }
    }

    public int Processed => _processed;
}
