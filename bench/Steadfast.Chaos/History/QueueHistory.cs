using System.Collections.Concurrent;

namespace Steadfast.Chaos.History;

/// <summary>Every enqueue of an episode, recorded by the producers from any thread.</summary>
internal sealed class QueueHistory
{
    private readonly ConcurrentQueue<EnqueueRecord> _records = new();

    public void Add(EnqueueRecord record) => _records.Enqueue(record);

    public IReadOnlyList<EnqueueRecord> Enqueues => [.. _records];
}
