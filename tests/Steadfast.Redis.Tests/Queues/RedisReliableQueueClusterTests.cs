using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Conditions;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>On a 3-master Redis Cluster: every script touches keys under one hash tag, so nothing is CROSSSLOT.</summary>
public sealed class RedisReliableQueueClusterTests : IClassFixture<RedisClusterFixture>
{
    /// <summary>Bounds a wait so a broken test fails instead of hanging; never the measure of a success.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);
    private readonly RedisClusterFixture _cluster;

    public RedisReliableQueueClusterTests(RedisClusterFixture cluster)
    {
        _cluster = cluster;
    }

    [Fact]
    public async Task Enqueue_consume_nack_dead_letter_and_trim_work_across_slots()
    {
        var options = new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(5), MaxDeliveries = 2 };
        foreach (string name in new[] { "alpha", "bravo", "charlie", "delta" }.Select(RedisServerFixture.UniqueKey))
        {
            await using var producer = new RedisReliableQueue<WorkItem>(_cluster.Connection, name, options);
            await using var consumer = new RedisReliableQueue<WorkItem>(_cluster.Connection, name, options);
            await producer.EnqueueAsync(new WorkItem(-1, "poison"));
            await producer.EnqueueBatchAsync(Enumerable.Range(0, 20).Select(i => new WorkItem(i)).ToArray());

            // Until every message has had its deliveries (the poison one twice: the second nack dead-letters it, in the
            // same script), each wait bounded only to fail instead of hanging; then nothing is left.
            var handled = new List<int>();
            int poisonDeliveries = 0;
            while (handled.Count < 20 || poisonDeliveries < 2)
            {
                var delivery = await consumer.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask().WaitAsync(Prompt);
                Assert.NotNull(delivery);
                if (delivery.Message.Number < 0)
                {
                    poisonDeliveries++;
                    await delivery.NackAsync();
                }
                else
                {
                    handled.Add(delivery.Message.Number);
                    await delivery.AckAsync();
                }
            }

            Assert.Null(await consumer.DequeueAsync(TimeSpan.Zero));
            Assert.Equal(Enumerable.Range(0, 20), handled.Order());
            Assert.Equal(2, poisonDeliveries);
            Assert.Single(await consumer.ReadDeadLettersAsync());
            await consumer.TrimAsync();
        }
    }

    [Fact]
    public async Task Wake_ups_go_over_sharded_pub_sub_in_the_queues_slot_on_Redis_7()
    {
        // The fixture's nodes run the installed redis-server (7.x). On a fake clock that never moves the fallback re-read
        // never fires: only a notification can wake a waiting consumer.
        Assert.All(_cluster.Connection.GetServers(), s => Assert.True(s.Version.Major >= 7, $"{s.EndPoint} runs {s.Version}"));
        string name = RedisServerFixture.UniqueKey("sharded");
        var options = new RedisQueueOptions { TimeProvider = new FakeTimeProvider(), VisibilityTimeout = TimeSpan.FromSeconds(30) };
        await using var producer = new RedisReliableQueue<WorkItem>(_cluster.Connection, name, options);
        await using var consumer = new RedisReliableQueue<WorkItem>(_cluster.Connection, name, options);
        await using ConnectionMultiplexer otherProcess = await _cluster.Cluster.ConnectAsync(); // Its own subscription.
        await using var peer = new RedisReliableQueue<WorkItem>(otherProcess, name, options);
        string channel = "{steadfast:queue:" + name + "}:wake";
        Assert.Equal(RedisChannel.Sharded(channel), consumer.WakeChannel);
        Assert.Equal(_cluster.Connection.HashSlot(consumer.StreamKey), _cluster.Connection.HashSlot(channel));

        // An enqueue (SPUBLISH from the client) wakes a waiting consumer.
        var waiting = consumer.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        await UntilShardSubscribersAsync(channel, 1);
        await producer.EnqueueAsync(new WorkItem(1));
        var first = await waiting.WaitAsync(Prompt);
        Assert.Equal(1, first!.Message.Number);

        // A nack (SPUBLISH from the nack script, in the stream's slot) wakes another.
        var waitingPeer = peer.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        await UntilShardSubscribersAsync(channel, 2);
        await first.NackAsync();
        var second = await waitingPeer.WaitAsync(Prompt);
        Assert.Equal(2, second!.DeliveryCount);
        await second.AckAsync();

        // Nothing listens on the classic channel anywhere.
        foreach (IServer server in _cluster.Connection.GetServers())
        {
            var numsub = (RedisResult[])(await server.ExecuteAsync("PUBSUB", "NUMSUB", $"steadfast:queue:{name}:wake"))!;
            Assert.Equal(0, (long)numsub[1]);
        }
    }

    /// <summary>Waits until the node owning <paramref name="channel"/> counts <paramref name="count"/> sharded
    /// subscribers on it (PUBSUB SHARDNUMSUB), bounded by <see cref="Prompt"/>.</summary>
    private Task UntilShardSubscribersAsync(string channel, long count) =>
        Until.TrueAsync(async () =>
        {
            long total = 0;
            foreach (IServer server in _cluster.Connection.GetServers())
            {
                var reply = (RedisResult[])(await server.ExecuteAsync("PUBSUB", "SHARDNUMSUB", channel))!;
                total += (long)reply[1];
            }

            return total >= count;
        }, $"{count} consumers subscribing to {channel}", Prompt);

    [Fact]
    public async Task A_list_in_another_slot_is_imported_without_crossslot_scripts()
    {
        const int Count = 300;
        string name = RedisServerFixture.UniqueKey("import");
        int streamSlot = _cluster.Connection.HashSlot("{steadfast:queue:" + name + "}");
        string list = RedisServerFixture.UniqueKey("orders");
        while (_cluster.Connection.HashSlot(list) == streamSlot)
        {
            list = RedisServerFixture.UniqueKey("orders");
        }

        IDatabase db = _cluster.Connection.GetDatabase();
        var options = new RedisQueueOptions { ImportFromList = list, IdleRecheckInterval = TimeSpan.FromMilliseconds(50) };
        await using var first = new RedisReliableQueue<string>(_cluster.Connection, name, options);
        await using var second = new RedisReliableQueue<string>(_cluster.Connection, name, options);
        Assert.Equal(streamSlot, _cluster.Connection.HashSlot(first.StreamKey));

        for (int i = 0; i < Count; i += 10)
        {
            await db.ListLeftPushAsync(list, Enumerable.Range(i, 10).Select(n => (RedisValue)$"o{n}").ToArray());
        }

        // Alternate consumers until every value has arrived (the overall bound only fails a hang); then neither finds more.
        var received = new List<string>();
        long start = Stopwatch.GetTimestamp();
        for (int turn = 0; received.Count < Count; turn++)
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(60), $"only {received.Count} of {Count} values arrived");
            var queue = turn % 2 == 0 ? first : second;
            if (await queue.DequeueAsync(TimeSpan.FromMilliseconds(200)) is { } delivery)
            {
                received.Add(delivery.Message);
                await delivery.AckAsync();
            }
        }

        Assert.Null(await first.DequeueAsync(TimeSpan.Zero));
        Assert.Null(await second.DequeueAsync(TimeSpan.Zero));
        Assert.Equal(Enumerable.Range(0, Count).Select(n => $"o{n}").Order(), received.Order());
        Assert.Equal(0, await db.ListLengthAsync(list));
    }
}
