using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Queues;
using Steadfast.Testing.Tracing;

namespace Steadfast.Tests.Queues;

[Collection(TracingTests.Name)]
public sealed class InMemoryReliableQueueTracingTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly string _name = "queue-" + Guid.NewGuid().ToString("N");

    private InMemoryReliableQueue<string> Create(int maxDeliveries = 5, string? name = "") =>
        new(new QueueOptions { MaxDeliveries = maxDeliveries }, _time) { Name = name == "" ? _name : name };

    [Fact]
    public async Task Enqueue_is_a_producer_span_named_after_the_queue()
    {
        var queue = Create();
        using var traces = new ActivityCollector();

        await queue.EnqueueAsync("a");
        await queue.EnqueueBatchAsync(["b", "c", "d"]);

        Assert.Equal(2, traces.Stopped.Count);
        Assert.All(traces.Stopped, span =>
        {
            Assert.Equal($"{_name} publish", span.OperationName);
            Assert.Equal(ActivityKind.Producer, span.Kind);
            Assert.Same(traces.Root, span.Parent);
            Assert.Equal("steadfast.memory", span.Tag("messaging.system"));
            Assert.Equal(_name, span.Tag("messaging.destination.name"));
            Assert.Equal("send", span.Tag("messaging.operation.type"));
            Assert.Equal("publish", span.Tag("messaging.operation.name"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        });
        Assert.Null(traces.Stopped[0].Tag("messaging.batch.message_count"));
        Assert.Equal(3, traces.Stopped[1].Tag("messaging.batch.message_count"));
    }

    [Fact]
    public async Task Dequeue_is_a_consumer_span_with_the_message_id_and_delivery_count_and_ack_a_settle_span()
    {
        var queue = Create();
        await queue.EnqueueAsync("a");
        using var traces = new ActivityCollector();

        IDelivery<string>? delivery = await queue.DequeueAsync(TimeSpan.Zero);
        Assert.NotNull(delivery);
        Assert.Same(traces.Root, Activity.Current);
        await delivery.AckAsync();

        Activity receive = traces.Single($"{_name} receive");
        Assert.Equal(ActivityKind.Consumer, receive.Kind);
        Assert.Equal("receive", receive.Tag("messaging.operation.type"));
        Assert.Equal(delivery.Id, receive.Tag("messaging.message.id"));
        Assert.Equal(1, receive.Tag("steadfast.queue.delivery_count"));
        Assert.Equal("delivered", receive.Tag("steadfast.queue.outcome"));

        Activity settle = traces.Single($"{_name} settle");
        Assert.Equal(ActivityKind.Internal, settle.Kind);
        Assert.Equal("settle", settle.Tag("messaging.operation.type"));
        Assert.Equal("ack", settle.Tag("messaging.operation.name"));
        Assert.Equal(delivery.Id, settle.Tag("messaging.message.id"));
        Assert.Equal(ActivityStatusCode.Unset, settle.Status);
    }

    [Fact]
    public async Task A_waiting_receive_spans_the_wait_and_a_message_that_arrives_ends_it()
    {
        var queue = Create();
        using var traces = new ActivityCollector();

        var waiting = queue.DequeueAsync(TimeSpan.FromSeconds(30)).AsTask();
        _time.Advance(TimeSpan.FromSeconds(2));
        await queue.EnqueueAsync("late");
        var delivery = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Activity receive = traces.Single($"{_name} receive");
        Assert.Equal("delivered", receive.Tag("steadfast.queue.outcome"));
        Assert.Equal(delivery!.Id, receive.Tag("messaging.message.id"));
        Assert.Same(traces.Root, receive.Parent);
        Assert.Same(traces.Root, Activity.Current);
    }

    [Fact]
    public async Task A_receive_that_times_out_or_is_cancelled_is_not_an_error()
    {
        var queue = Create();
        using var traces = new ActivityCollector();
        using var cancel = new CancellationTokenSource();

        var timingOut = queue.DequeueAsync(TimeSpan.FromSeconds(5)).AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Null(await timingOut.WaitAsync(TimeSpan.FromSeconds(10)));
        var cancelled = queue.DequeueAsync(Timeout.InfiniteTimeSpan, cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(["timeout", "canceled"], traces.Stopped.Select(s => (string?)s.Tag("steadfast.queue.outcome")));
        Assert.All(traces.Stopped, span =>
        {
            Assert.Null(span.Tag("messaging.message.id"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        });
    }

    [Fact]
    public async Task A_nack_that_dead_letters_says_so_on_its_settle_span()
    {
        var queue = Create(maxDeliveries: 2);
        await queue.EnqueueAsync("poison");
        using var traces = new ActivityCollector();

        await (await queue.DequeueAsync(TimeSpan.Zero))!.NackAsync();
        await (await queue.DequeueAsync(TimeSpan.Zero))!.NackAsync();

        Activity[] settles = traces.Stopped.Where(s => s.OperationName == $"{_name} settle").ToArray();
        Assert.Equal(2, settles.Length);
        Assert.All(settles, s => Assert.Equal("nack", s.Tag("messaging.operation.name")));
        Assert.Equal([1, 2], settles.Select(s => (int)s.Tag("steadfast.queue.delivery_count")!));
        Assert.Null(settles[0].Tag("steadfast.queue.dead_lettered"));
        Assert.Equal(true, settles[1].Tag("steadfast.queue.dead_lettered"));
        Assert.Single(queue.GetDeadLetters());
    }

    [Fact]
    public async Task An_unnamed_queue_names_its_spans_by_the_operation_alone()
    {
        var queue = Create(name: null);
        using var traces = new ActivityCollector();

        await queue.EnqueueAsync("a");
        await queue.DequeueAsync(TimeSpan.Zero);

        Assert.Equal(["publish", "receive"], traces.Stopped.Select(s => s.OperationName));
        Assert.All(traces.Stopped, s => Assert.Null(s.Tag("messaging.destination.name")));
    }

    [Fact]
    public void A_blank_name_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new InMemoryReliableQueue<string> { Name = " " });
        Assert.Equal("Name", ex.ParamName);
    }
}
