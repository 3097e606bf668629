using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>Disposal racing with dequeues, on a real redis-server; the race is driven by holding a dequeue at a known
/// point (right after its disposed check) while the queue is disposed.</summary>
public sealed class RedisReliableQueueDisposeTests : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly RedisServerFixture _redis;

    public RedisReliableQueueDisposeTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    private static RedisQueueOptions Options() => new() { VisibilityTimeout = TimeSpan.FromMinutes(5), PrefetchCount = 10 };

    [Fact]
    public async Task A_dequeue_admitted_before_dispose_reads_nothing_after_it_and_leaves_nothing_pending()
    {
        string name = RedisServerFixture.UniqueKey("dispose-race");
        var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options());
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 10).Select(i => new WorkItem(i)));
        IDatabase db = _redis.Connection.GetDatabase();
        await db.StreamCreateConsumerGroupAsync(queue.StreamKey, queue.ConsumerGroup, StreamPosition.Beginning); // As a read would.

        var admitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var proceed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.DequeueAdmittedForTesting = () =>
        {
            admitted.TrySetResult();
            return proceed.Task;
        };

        // The dequeue has passed its disposed check and is held there while the whole disposal runs.
        var dequeue = queue.DequeueAsync(Prompt).AsTask();
        await admitted.Task.WaitAsync(Prompt);
        await queue.DisposeAsync().AsTask().WaitAsync(Prompt);
        proceed.SetResult();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => dequeue.WaitAsync(Prompt));
        StreamPendingInfo pending = await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup);
        Assert.Equal(0, pending.PendingMessageCount);

        // Every message is there for the next consumer at once (the visibility timeout, 5 minutes, never runs out here).
        await using var peer = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options());
        var received = new List<int>();
        while (received.Count < 10 && await peer.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            Assert.Equal(1, delivery.DeliveryCount);
            received.Add(delivery.Message.Number);
            await delivery.AckAsync();
        }

        Assert.Equal(Enumerable.Range(0, 10), received);
    }

    [Fact]
    public async Task A_dequeue_racing_with_dispose_gets_a_delivery_or_ObjectDisposedException_and_the_rest_is_given_back()
    {
        string name = RedisServerFixture.UniqueKey("dispose-inflight");
        var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options());
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 10).Select(i => new WorkItem(i)));

        // The first dequeue reads all ten ahead and hands out one; nine wait in this instance.
        IDelivery<WorkItem>? first = await queue.DequeueAsync(Prompt);
        Assert.NotNull(first);

        // Dispose and four more dequeues at once: each dequeue either took a buffered entry before the disposal drained
        // the buffer, or failed with ObjectDisposedException; whatever was not handed out went back to the group.
        var racers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () => await queue.DequeueAsync(Prompt))).ToArray();
        await queue.DisposeAsync();
        var handedOut = new List<IDelivery<WorkItem>> { first };
        foreach (var racer in racers)
        {
            try
            {
                handedOut.Add(Assert.IsAssignableFrom<IDelivery<WorkItem>>(await racer.WaitAsync(Prompt)));
            }
            catch (ObjectDisposedException)
            {
            }
        }

        await using var peer = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options());
        var givenBack = new List<int>();
        while (await peer.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            givenBack.Add(delivery.Message.Number);
            await delivery.AckAsync();
        }

        Assert.Equal(Enumerable.Range(0, 10), handedOut.Select(d => d.Message.Number).Concat(givenBack).Order());
        foreach (var delivery in handedOut)
        {
            await delivery.AckAsync(); // Still possible after dispose.
        }

        StreamPendingInfo pending = await _redis.Connection.GetDatabase().StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup);
        Assert.Equal(0, pending.PendingMessageCount);
    }
}
