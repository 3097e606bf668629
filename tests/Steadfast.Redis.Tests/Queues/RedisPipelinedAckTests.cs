using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>
/// The default, pipelined acks (<see cref="RedisQueueOptions.PipelinedAcks"/>) on a private redis-server: AckAsync
/// returns once the ack is sent; the consumer's next read and its disposal come after every ack it sent was answered; a
/// failed ack leaves the message pending (delivered again, never lost) and is thrown by the next read. Time that must
/// pass (the visibility timeout) is moved, never waited for: the entries' idle time on the server (XCLAIM … IDLE) and
/// the queues' fake clock.
/// </summary>
public sealed class RedisPipelinedAckTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Visibility = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_acks_the_consumers_next_read_and_its_disposal_find_them_recorded()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await using var observer = await server.ConnectAsync(); // Another connection: sees what the server recorded.
        IDatabase db = observer.GetDatabase();
        var queue = new RedisReliableQueue<WorkItem>(connection, "acked", new RedisQueueOptions { PrefetchCount = 3 });
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 6).Select(i => new WorkItem(i)));

        // One read brings 0..2; each is acked without waiting for Redis.
        for (int i = 0; i < 3; i++)
        {
            IDelivery<WorkItem>? delivery = await queue.DequeueAsync(Prompt);
            Assert.Equal(i, delivery!.Message.Number);
            ValueTask ack = delivery.AckAsync();
            Assert.True(ack.IsCompletedSuccessfully); // Sent, not awaited.
            await ack;
        }

        // The next dequeue reads again, after the three acks were answered: only the new read (3..5) is pending.
        IDelivery<WorkItem>? fourth = await queue.DequeueAsync(Prompt);
        Assert.Equal(3, fourth!.Message.Number);
        StreamPendingInfo pending = await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup);
        Assert.Equal(3, pending.PendingMessageCount);
        Assert.Equal(fourth.Id, pending.LowestPendingMessageId.ToString());

        // The rest handed out from the read-ahead and acked; disposal right after waits for those acks.
        await fourth.AckAsync();
        for (int i = 4; i < 6; i++)
        {
            IDelivery<WorkItem>? delivery = await queue.DequeueAsync(Prompt);
            Assert.Equal(i, delivery!.Message.Number);
            await delivery.AckAsync();
        }

        await queue.DisposeAsync();
        Assert.Equal(0, (await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task An_ack_lost_with_the_server_is_thrown_by_the_next_read_and_the_message_is_delivered_again()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        await using var connection = await server.ConnectAsync();
        var clock = new FakeTimeProvider();
        await using var queue = new RedisReliableQueue<WorkItem>(connection, "dies",
            new RedisQueueOptions { PrefetchCount = 1, VisibilityTimeout = Visibility, TimeProvider = clock });
        await queue.EnqueueBatchAsync([new WorkItem(1), new WorkItem(2)]);
        IDelivery<WorkItem>? first = await queue.DequeueAsync(Prompt);
        Assert.Equal(1, first!.Message.Number);

        await server.StopAsync(); // kill -9: the ack cannot reach Redis.
        await first.AckAsync(); // Returns at once: sent, not recorded.
        var failure = await Assert.ThrowsAsync<RedisQueueException>(() => queue.DequeueAsync(TimeSpan.Zero).AsTask().WaitAsync(Prompt));
        Assert.Contains(first.Id, failure.Message);
        Assert.NotNull(failure.InnerException);

        // With appendfsync always the stream and the group's pending list survive the crash: the message is pending.
        await server.RestartAsync();
        IDatabase db = connection.GetDatabase();
        StreamPendingMessageInfo held = Assert.Single(await db.StreamPendingMessagesAsync(queue.StreamKey, queue.ConsumerGroup, 10, RedisValue.Null));
        Assert.Equal(first.Id, held.MessageId.ToString());

        // The visibility timeout passes: delivered again (second delivery), then the message behind it; nothing else.
        await PassVisibilityAsync(db, queue, clock);
        IDelivery<WorkItem>? again = await queue.DequeueAsync(Prompt);
        Assert.Equal(first.Id, again!.Id);
        Assert.Equal(2, again.DeliveryCount);
        await again.AckAsync();
        IDelivery<WorkItem>? second = await queue.DequeueAsync(Prompt);
        Assert.Equal(2, second!.Message.Number);
        await second.AckAsync();
        Assert.Null(await queue.DequeueAsync(TimeSpan.Zero));
        Assert.Equal(0, (await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task Nothing_is_lost_over_2000_messages_when_a_consumer_dies_with_acks_in_flight()
    {
        const int Count = 2000;
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var clock = new FakeTimeProvider();
        var options = new RedisQueueOptions { VisibilityTimeout = Visibility, MaxDeliveries = 100, TimeProvider = clock };
        await using var producer = new RedisReliableQueue<WorkItem>(connection, "no-loss", options);
        await producer.EnqueueBatchAsync(Enumerable.Range(0, Count).Select(i => new WorkItem(i)));

        var handled = new int[Count];
        int distinct = 0;
        void Handle(int number)
        {
            if (Interlocked.Increment(ref handled[number]) == 1)
            {
                Interlocked.Increment(ref distinct);
            }
        }

        // A consumer on its own connection handles 500, acking each without waiting, and dies right after its last ack:
        // the connection dropped, no dispose. Acks still on their way, its read-ahead and its pending list die with it.
        var dyingConnection = await server.ConnectAsync();
        var dying = new RedisReliableQueue<WorkItem>(dyingConnection, "no-loss", options);
        for (int i = 0; i < 500; i++)
        {
            IDelivery<WorkItem>? delivery = await dying.DequeueAsync(Prompt);
            Handle(delivery!.Message.Number);
            await delivery.AckAsync();
        }

        await dyingConnection.CloseAsync(allowCommandsToComplete: false);
        dyingConnection.Dispose();
        await PassVisibilityAsync(connection.GetDatabase(), producer, clock);

        // Four consumers share the rest, acks pipelined, until every message has been handled.
        var survivors = Enumerable.Range(0, 4).Select(_ => new RedisReliableQueue<WorkItem>(connection, "no-loss", options)).ToArray();
        await Task.WhenAll(survivors.Select(queue => Task.Run(async () =>
        {
            while (Volatile.Read(ref distinct) < Count)
            {
                if (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
                {
                    Handle(delivery.Message.Number);
                    await delivery.AckAsync();
                }
                else
                {
                    await Task.Yield(); // Others hold the rest in their read-ahead.
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(120)); // Only bounds a hang.

        foreach (var survivor in survivors)
        {
            await survivor.DisposeAsync();
        }

        // Every message handled; twice at most (an ack the dead consumer sent but Redis never recorded); all recorded.
        Assert.All(handled, n => Assert.InRange(n, 1, 2));
        IDatabase db = connection.GetDatabase();
        Assert.Equal(0, (await db.StreamPendingAsync(producer.StreamKey, producer.ConsumerGroup)).PendingMessageCount);
        Assert.Empty(await producer.ReadDeadLettersAsync());
    }

    /// <summary>Moves time past the visibility timeout for everything pending: each entry's idle time on the server
    /// (XCLAIM … IDLE … JUSTID to its own consumer keeps its delivery count) and the queues' clock.</summary>
    private static async Task PassVisibilityAsync(IDatabase db, RedisReliableQueue<WorkItem> queue, FakeTimeProvider clock)
    {
        long idle = (long)(Visibility * 2).TotalMilliseconds;
        foreach (StreamPendingMessageInfo entry in await db.StreamPendingMessagesAsync(queue.StreamKey, queue.ConsumerGroup, int.MaxValue, RedisValue.Null))
        {
            await db.ExecuteAsync("XCLAIM", queue.StreamKey, queue.ConsumerGroup, entry.ConsumerName, 0, entry.MessageId, "IDLE", idle, "JUSTID");
        }

        clock.Advance(Visibility * 2);
    }
}
