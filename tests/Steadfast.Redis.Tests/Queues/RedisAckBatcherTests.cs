using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>Acks of one queue instance coalesced into one command while one is in flight, each caller told its own
/// outcome; on a private redis-server so its command statistics count only this test.</summary>
public sealed class RedisAckBatcherTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Acks_asked_for_while_one_is_in_flight_go_in_one_command_and_each_learns_its_outcome()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await using var admin = await server.ConnectAsync();
        IDatabase db = connection.GetDatabase();
        RedisKey stream = "acks";
        await db.StreamCreateConsumerGroupAsync(stream, "g", StreamPosition.Beginning, createStream: true);
        for (int i = 0; i < 3; i++)
        {
            await db.StreamAddAsync(stream, "m", i);
        }

        StreamEntry[] read = await db.StreamReadGroupAsync(stream, "g", "c", StreamPosition.NewMessages, count: 3);
        IServer info = admin.GetServer(server.EndPoint);
        await info.ScriptLoadAsync(RedisQueueScripts.AckBatch.Text);
        await info.ExecuteAsync("CONFIG", "RESETSTAT");

        // The server holds writes, so the first ack stays in flight while the others are asked for.
        await info.ExecuteAsync("CLIENT", "PAUSE", "10000", "WRITE");
        var batcher = new RedisAckBatcher(db, stream, "g", CommandFlags.DemandMaster);
        Task<bool> first = batcher.AckAsync(read[0].Id!);
        Task<bool> second = batcher.AckAsync(read[1].Id!);
        Task<bool> again = batcher.AckAsync(read[0].Id!);
        Task<bool> third = batcher.AckAsync(read[2].Id!);
        Task<bool> unknown = batcher.AckAsync("1-1");
        await info.ExecuteAsync("CLIENT", "UNPAUSE");

        Assert.True(await first.WaitAsync(Prompt));
        Assert.True(await second.WaitAsync(Prompt));
        Assert.False(await again.WaitAsync(Prompt)); // Acknowledged by the first command already.
        Assert.True(await third.WaitAsync(Prompt));
        Assert.False(await unknown.WaitAsync(Prompt));
        Assert.Equal(0, (await db.StreamPendingAsync(stream, "g")).PendingMessageCount);

        // One XACK for the first, one script for the four behind it.
        string stats = (string)(await info.ExecuteAsync("INFO", "commandstats"))!;
        Assert.Contains("cmdstat_evalsha:calls=1,", stats);
    }

    [Fact]
    public async Task A_redis_failure_fails_every_ack_of_its_command_and_the_next_acks_still_go()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        IDatabase db = connection.GetDatabase();
        RedisKey stream = "acks";
        await db.StringSetAsync(stream, "not a stream"); // XACK on it fails with WRONGTYPE.
        var batcher = new RedisAckBatcher(db, stream, "g", CommandFlags.DemandMaster);

        await Assert.ThrowsAsync<RedisServerException>(() => batcher.AckAsync("1-0").WaitAsync(Prompt));

        await db.KeyDeleteAsync(stream);
        await db.StreamCreateConsumerGroupAsync(stream, "g", StreamPosition.Beginning, createStream: true);
        await db.StreamAddAsync(stream, "m", 1);
        StreamEntry[] read = await db.StreamReadGroupAsync(stream, "g", "c", StreamPosition.NewMessages, count: 1);
        Assert.True(await batcher.AckAsync(read[0].Id!).WaitAsync(Prompt));
    }

    [Fact]
    public async Task With_pipelined_acks_every_message_is_handled_and_acknowledged_by_the_time_dispose_returns()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var queue = new RedisReliableQueue<WorkItem>(connection, "pipelined");
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 1000).Select(i => new WorkItem(i)));

        var handled = new int[1000];
        int total = 0;
        var handlers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref total) < 1000 && await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
            {
                Interlocked.Increment(ref handled[delivery.Message.Number]);
                ValueTask ack = delivery.AckAsync();
                Assert.True(ack.IsCompletedSuccessfully); // Queued, not awaited on Redis.
                await ack;
                Interlocked.Increment(ref total);
            }
        })).ToArray();
        await Task.WhenAll(handlers).WaitAsync(TimeSpan.FromSeconds(60));
        await queue.DisposeAsync();

        Assert.All(handled, n => Assert.Equal(1, n));
        IDatabase db = connection.GetDatabase();
        Assert.Equal(0, (await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup)).PendingMessageCount);
        StreamGroupInfo group = Assert.Single(await db.StreamGroupInfoAsync(queue.StreamKey));
        Assert.Equal((long?)1000, group.EntriesRead);
    }

    [Fact]
    public async Task Many_handlers_on_one_queue_instance_ack_everything_once()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await using var queue = new RedisReliableQueue<WorkItem>(connection, "one-instance", new RedisQueueOptions { PrefetchCount = 50 });
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 500).Select(i => new WorkItem(i)));

        var handled = new int[500];
        int total = 0;
        var handlers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref total) < 500 && await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
            {
                Interlocked.Increment(ref handled[delivery.Message.Number]);
                await delivery.AckAsync();
                Interlocked.Increment(ref total);
            }
        })).ToArray();
        await Task.WhenAll(handlers).WaitAsync(TimeSpan.FromSeconds(60));
        await queue.WhenAcksAnsweredForTesting(); // The last handlers stopped without reading again: acks may be on the way.

        Assert.All(handled, n => Assert.Equal(1, n));
        IDatabase db = connection.GetDatabase();
        Assert.Equal(0, (await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup)).PendingMessageCount);
    }
}
