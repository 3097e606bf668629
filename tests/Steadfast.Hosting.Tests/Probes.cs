using System.Collections.Concurrent;

namespace Steadfast.Hosting.Tests;

/// <summary>What the handlers of a test saw, shared through DI as a singleton.</summary>
internal sealed class HandlerProbe
{
    private int _running;
    private int _maxRunning;

    public ConcurrentQueue<(string Message, int DeliveryCount)> Started { get; } = new();

    public ConcurrentDictionary<string, byte> Finished { get; } = new();

    public ConcurrentDictionary<Guid, byte> Scopes { get; } = new();

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public int Running => Volatile.Read(ref _running);

    /// <summary>Completes once this many handlers run at the same time.</summary>
    public TaskCompletionSource AllRunning { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int ExpectedConcurrency { get; set; } = int.MaxValue;

    public void Enter(string message, int deliveryCount)
    {
        Started.Enqueue((message, deliveryCount));
        int running = Interlocked.Increment(ref _running);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }

        if (running >= ExpectedConcurrency)
        {
            AllRunning.TrySetResult();
        }
    }

    public void Leave(string message)
    {
        Finished.TryAdd(message, 0);
        Interlocked.Decrement(ref _running);
    }
}

/// <summary>One per DI scope: tells the scopes of two messages apart.</summary>
internal sealed class ScopeMarker
{
    public Guid Id { get; } = Guid.NewGuid();
}
