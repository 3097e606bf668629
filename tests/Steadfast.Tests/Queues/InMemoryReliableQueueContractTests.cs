using Microsoft.Extensions.Time.Testing;
using Steadfast.Queues;
using Steadfast.Testing.Queues;

namespace Steadfast.Tests.Queues;

/// <summary>The shared queue contract, on the in-memory backend with a fake clock.</summary>
public sealed class InMemoryReliableQueueContractTests : ReliableQueueContractTests
{
    private readonly FakeTimeProvider _time = new();

    protected override TimeSpan VisibilityTimeout => TimeSpan.FromSeconds(30);

    protected override IReliableQueue<WorkItem> CreateQueue(QueueOptions? options = null) =>
        new InMemoryReliableQueue<WorkItem>(options ?? new QueueOptions { VisibilityTimeout = VisibilityTimeout }, _time);

    protected override IReliableQueue<WorkItem> CreatePeer(IReliableQueue<WorkItem> queue) => queue;

    protected override Task AdvanceAsync(TimeSpan time)
    {
        _time.Advance(time);
        return Task.CompletedTask;
    }

    protected override Task<IReadOnlyList<DeadLetter<WorkItem>>> GetDeadLettersAsync(IReliableQueue<WorkItem> queue) =>
        Task.FromResult(((InMemoryReliableQueue<WorkItem>)queue).GetDeadLetters());
}
