using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>On a 3-master Redis Cluster: every script touches keys under one hash tag, so nothing is CROSSSLOT.</summary>
public sealed class RedisReliableQueueClusterTests : IClassFixture<RedisClusterFixture>
{
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

            var handled = new List<int>();
            while (await consumer.DequeueAsync(TimeSpan.FromMilliseconds(300)) is { } delivery)
            {
                if (delivery.Message.Number < 0)
                {
                    await delivery.NackAsync();
                }
                else
                {
                    handled.Add(delivery.Message.Number);
                    await delivery.AckAsync();
                }
            }

            Assert.Equal(Enumerable.Range(0, 20), handled.Order());
            Assert.Single(await consumer.ReadDeadLettersAsync());
            await consumer.TrimAsync();
        }
    }
}
