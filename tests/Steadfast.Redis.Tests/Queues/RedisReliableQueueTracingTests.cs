using System.Diagnostics;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Tracing;

namespace Steadfast.Redis.Tests.Queues;

[Collection(TracingTests.Name)]
public sealed class RedisReliableQueueTracingTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly string _name = RedisServerFixture.UniqueKey("traced");

    [Fact]
    public async Task Publish_receive_and_ack_follow_the_messaging_conventions()
    {
        await using var queue = new RedisReliableQueue<WorkItem>(redis.Connection, _name);
        using var traces = new ActivityCollector();

        await queue.EnqueueAsync(new WorkItem(1));
        await queue.EnqueueBatchAsync([new WorkItem(2), new WorkItem(3)]);
        IDelivery<WorkItem>? delivery = await queue.DequeueAsync(Prompt);
        Assert.NotNull(delivery);
        Assert.Same(traces.Root, Activity.Current);
        await delivery.AckAsync();
        await queue.WhenAcksAnsweredForTesting(); // The pipelined ack's span ends when Redis answers.

        Activity[] publishes = traces.Stopped.Where(s => s.OperationName == $"{_name} publish").ToArray();
        Assert.Equal(2, publishes.Length);
        Assert.All(publishes, span =>
        {
            Assert.Equal(ActivityKind.Producer, span.Kind);
            Assert.Equal(SteadfastTracing.ActivitySourceName, span.Source.Name);
            Assert.Equal("redis", span.Tag("messaging.system"));
            Assert.Equal(_name, span.Tag("messaging.destination.name"));
            Assert.Equal("send", span.Tag("messaging.operation.type"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        });
        Assert.Null(publishes[0].Tag("messaging.batch.message_count"));
        Assert.Equal(2, publishes[1].Tag("messaging.batch.message_count"));

        Activity receive = traces.Single($"{_name} receive");
        Assert.Equal(ActivityKind.Consumer, receive.Kind);
        Assert.Same(traces.Root, receive.Parent);
        Assert.Equal(queue.ConsumerGroup, receive.Tag("messaging.consumer.group.name"));
        Assert.Equal(delivery.Id, receive.Tag("messaging.message.id"));
        Assert.Equal(1, receive.Tag("steadfast.queue.delivery_count"));
        Assert.Equal("delivered", receive.Tag("steadfast.queue.outcome"));

        Activity settle = traces.Single($"{_name} settle");
        Assert.Equal("ack", settle.Tag("messaging.operation.name"));
        Assert.Equal(delivery.Id, settle.Tag("messaging.message.id"));
        Assert.Equal(ActivityStatusCode.Unset, settle.Status);
    }

    [Fact]
    public async Task A_nack_that_dead_letters_says_so_and_an_empty_receive_ends_with_timeout()
    {
        await using var queue = new RedisReliableQueue<WorkItem>(redis.Connection, _name, new RedisQueueOptions { MaxDeliveries = 1 });
        await queue.EnqueueAsync(new WorkItem(1));
        using var traces = new ActivityCollector();

        IDelivery<WorkItem>? delivery = await queue.DequeueAsync(Prompt);
        await delivery!.NackAsync();
        Assert.Null(await queue.DequeueAsync(TimeSpan.FromMilliseconds(50)));

        Activity settle = traces.Single($"{_name} settle");
        Assert.Equal("nack", settle.Tag("messaging.operation.name"));
        Assert.Equal(true, settle.Tag("steadfast.queue.dead_lettered"));
        Activity[] receives = traces.Stopped.Where(s => s.OperationName == $"{_name} receive").ToArray();
        Assert.Equal(["delivered", "timeout"], receives.Select(s => (string?)s.Tag("steadfast.queue.outcome")));
        Assert.Single(await queue.ReadDeadLettersAsync());
    }

    [Fact]
    public async Task A_redis_failure_fails_the_publish_span_with_the_exception_type()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await using var queue = new RedisReliableQueue<WorkItem>(connection, _name);
        await server.StopAsync();
        using var traces = new ActivityCollector();

        await Assert.ThrowsAsync<RedisQueueException>(() => queue.EnqueueAsync(new WorkItem(1)).AsTask().WaitAsync(Prompt));

        Activity span = traces.Single($"{_name} publish");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(RedisQueueException).FullName, span.Tag("error.type"));
    }
}
