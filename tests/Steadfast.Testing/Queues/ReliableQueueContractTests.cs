using Steadfast.CircuitBreakers;
using Steadfast.Queues;

namespace Steadfast.Testing.Queues;

/// <summary>A message type for the queue contract tests.</summary>
/// <param name="Number">A number unique within a test.</param>
/// <param name="Text">Some text.</param>
public sealed record WorkItem(int Number, string Text = "work");

/// <summary>
/// The behaviour every <see cref="IReliableQueue{T}"/> backend must have. A backend's test class derives from this,
/// supplies queues and a way to let time pass, and inherits every test. Time passes only through
/// <see cref="AdvanceAsync"/> (a fake clock: for Redis, the queues' clock and the idle times Redis keeps for pending
/// entries), so no outcome depends on how fast the machine runs the test.
/// </summary>
public abstract class ReliableQueueContractTests
{
    /// <summary>The real-time bound on anything that should happen; it fails a test that would hang, and never bounds a
    /// success (the backend's clock does not move while the test waits).</summary>
    protected static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);

    /// <summary>The visibility timeout the backend's queues use in these tests (unless a test sets its own).</summary>
    protected abstract TimeSpan VisibilityTimeout { get; }

    /// <summary>A new, empty queue. <paramref name="options"/> are the shared options (null for the test defaults:
    /// <see cref="VisibilityTimeout"/>, 5 deliveries); the backend adds its own.</summary>
    protected abstract IReliableQueue<WorkItem> CreateQueue(QueueOptions? options = null);

    /// <summary>Another consumer of the same queue (on Redis: another instance, another consumer name).</summary>
    protected abstract IReliableQueue<WorkItem> CreatePeer(IReliableQueue<WorkItem> queue);

    /// <summary>Lets <paramref name="time"/> pass for the backend's clock.</summary>
    protected abstract Task AdvanceAsync(TimeSpan time);

    /// <summary>The queue's dead letters, oldest first.</summary>
    protected abstract Task<IReadOnlyList<DeadLetter<WorkItem>>> GetDeadLettersAsync(IReliableQueue<WorkItem> queue);

    /// <summary>Returns once a dequeue on <paramref name="consumer"/> is waiting for a message (on Redis: subscribed to
    /// the enqueue notifications); at once for a synchronous in-memory backend.</summary>
    protected virtual Task UntilWaitingAsync(IReliableQueue<WorkItem> consumer) => Task.CompletedTask;

    /// <summary>Returns once every ack <paramref name="queue"/> has sent is recorded by the backend; at once for a backend
    /// whose <c>AckAsync</c> returns only then (in memory). An ack may be pipelined (Redis by default: <c>AckAsync</c>
    /// returns once it is sent), and the contract then promises that the acking consumer's next read, and its disposal,
    /// come after the ack is recorded — not that another consumer sees it at once; a test that looks from another
    /// consumer waits for this condition, the way real time would let the ack land.</summary>
    protected virtual Task UntilAcksRecordedAsync(IReliableQueue<WorkItem> queue) => Task.CompletedTask;

    /// <summary>A bit more than the visibility timeout (for the backend's reclaim interval).</summary>
    protected TimeSpan PastVisibility => VisibilityTimeout + (VisibilityTimeout / 2);

    private QueueOptions Options(int maxDeliveries = 5) => new() { VisibilityTimeout = VisibilityTimeout, MaxDeliveries = maxDeliveries };

    /// <summary>The next delivery, which must arrive (waiting without advancing the backend's clock).</summary>
    protected static async Task<IDelivery<WorkItem>> NextAsync(IReliableQueue<WorkItem> queue)
    {
        IDelivery<WorkItem>? delivery = await queue.DequeueAsync(TimeSpan.FromSeconds(5)).AsTask().WaitAsync(Prompt);
        Assert.NotNull(delivery);
        return delivery;
    }

    /// <summary>Looks once, without waiting.</summary>
    protected static Task<IDelivery<WorkItem>?> PeekAsync(IReliableQueue<WorkItem> queue) =>
        queue.DequeueAsync(TimeSpan.Zero).AsTask().WaitAsync(Prompt);

    [Fact]
    public async Task Delivers_an_enqueued_message_with_delivery_count_1_and_ack_removes_it()
    {
        var queue = CreateQueue();
        await queue.EnqueueAsync(new WorkItem(1, "hello"));

        var delivery = await NextAsync(queue);
        Assert.Equal(new WorkItem(1, "hello"), delivery.Message);
        Assert.Equal(1, delivery.DeliveryCount);
        Assert.False(string.IsNullOrEmpty(delivery.Id));

        await delivery.AckAsync();
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task Dequeue_with_zero_wait_on_an_empty_queue_returns_null()
    {
        var queue = CreateQueue();
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task Dequeue_returns_null_when_nothing_arrives_in_time()
    {
        var queue = CreateQueue();
        TimeSpan wait = VisibilityTimeout / 2;
        var dequeue = queue.DequeueAsync(wait).AsTask();
        await AdvanceAsync(wait + TimeSpan.FromMilliseconds(50));
        Assert.Null(await dequeue.WaitAsync(Prompt));
    }

    [Fact]
    public async Task A_waiting_consumer_is_woken_by_an_enqueue()
    {
        var queue = CreateQueue();
        var consumer = CreatePeer(queue);
        var dequeue = consumer.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        await UntilWaitingAsync(consumer);
        Assert.False(dequeue.IsCompleted);

        await queue.EnqueueAsync(new WorkItem(7));
        var delivery = await dequeue.WaitAsync(Prompt);
        Assert.NotNull(delivery);
        Assert.Equal(7, delivery.Message.Number);
        await delivery.AckAsync();
    }

    [Fact]
    public async Task A_batch_is_delivered_completely_and_in_order()
    {
        var queue = CreateQueue();
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 50).Select(i => new WorkItem(i)).ToArray());

        for (int i = 0; i < 50; i++)
        {
            var delivery = await NextAsync(queue);
            Assert.Equal(i, delivery.Message.Number);
            await delivery.AckAsync();
        }

        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task An_empty_batch_does_nothing()
    {
        var queue = CreateQueue();
        await queue.EnqueueBatchAsync(Array.Empty<WorkItem>());
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task An_unacknowledged_delivery_is_delivered_again_after_the_visibility_timeout()
    {
        var queue = CreateQueue();
        var peer = CreatePeer(queue);
        await queue.EnqueueAsync(new WorkItem(3, "retry me"));

        var first = await NextAsync(queue); // The consumer "dies": no ack, no nack.
        Assert.Null(await PeekAsync(peer));

        await AdvanceAsync(PastVisibility);
        var second = await NextAsync(peer);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Message, second.Message);
        Assert.Equal(2, second.DeliveryCount);

        await second.AckAsync();
        await AdvanceAsync(PastVisibility);
        Assert.Null(await PeekAsync(peer));
    }

    [Fact]
    public async Task An_acknowledged_message_is_never_delivered_again()
    {
        var queue = CreateQueue();
        var peer = CreatePeer(queue);
        await queue.EnqueueAsync(new WorkItem(4));
        await (await NextAsync(queue)).AckAsync();

        // However much time passes before it, the acking consumer's next read comes after its ack.
        await AdvanceAsync(PastVisibility);
        Assert.Null(await PeekAsync(queue));

        // Recorded, the ack holds for every other consumer too.
        await UntilAcksRecordedAsync(queue);
        await AdvanceAsync(PastVisibility);
        Assert.Null(await PeekAsync(peer));
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task Acks_of_a_whole_read_ahead_are_recorded_before_the_consumers_next_read()
    {
        var queue = CreateQueue();
        var peer = CreatePeer(queue);
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 30).Select(i => new WorkItem(i)).ToArray());

        // Handled and acked back to back (read-ahead hands most of them out without a read), then time passes.
        var acked = new List<int>();
        for (int i = 0; i < 30; i++)
        {
            var delivery = await NextAsync(queue);
            acked.Add(delivery.Message.Number);
            await delivery.AckAsync();
        }

        await AdvanceAsync(PastVisibility);
        Assert.Null(await PeekAsync(queue));
        Assert.Null(await PeekAsync(peer));
        Assert.Equal(Enumerable.Range(0, 30), acked);
    }

    [Fact]
    public async Task Acking_twice_and_nacking_after_ack_do_nothing()
    {
        var queue = CreateQueue();
        await queue.EnqueueAsync(new WorkItem(5));
        var delivery = await NextAsync(queue);

        await delivery.AckAsync();
        await delivery.AckAsync();
        await delivery.NackAsync();

        await AdvanceAsync(PastVisibility);
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task Nack_delivers_the_message_again_at_once_with_a_higher_count()
    {
        var queue = CreateQueue();
        var peer = CreatePeer(queue);
        await queue.EnqueueAsync(new WorkItem(6));

        var first = await NextAsync(queue);
        await first.NackAsync();

        var second = await NextAsync(peer);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.DeliveryCount);
        await second.AckAsync();
    }

    [Fact]
    public async Task Nack_with_a_delay_hides_the_message_until_the_delay_has_passed()
    {
        var queue = CreateQueue();
        await queue.EnqueueAsync(new WorkItem(8));
        var first = await NextAsync(queue);

        await first.NackAsync(VisibilityTimeout / 2);
        Assert.Null(await PeekAsync(queue));

        await AdvanceAsync(VisibilityTimeout);
        var second = await NextAsync(queue);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.DeliveryCount);
        await second.AckAsync();
    }

    [Fact]
    public async Task A_nack_from_a_delivery_that_timed_out_does_not_touch_the_new_delivery()
    {
        var queue = CreateQueue();
        var peer = CreatePeer(queue);
        await queue.EnqueueAsync(new WorkItem(9));
        var stale = await NextAsync(queue);

        await AdvanceAsync(PastVisibility);
        var current = await NextAsync(peer);
        await stale.NackAsync();

        Assert.Null(await PeekAsync(queue));
        Assert.Null(await PeekAsync(peer));
        await current.AckAsync();
    }

    [Fact]
    public async Task A_poison_message_goes_to_the_dead_letters_after_max_deliveries_and_others_keep_flowing()
    {
        var queue = CreateQueue(Options(maxDeliveries: 3));
        await queue.EnqueueAsync(new WorkItem(-1, "poison"));
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 5).Select(i => new WorkItem(i)).ToArray());

        int poisonDeliveries = 0;
        var handled = new List<int>();
        for (int round = 0; round < 50 && (handled.Count < 5 || poisonDeliveries < 3); round++)
        {
            var delivery = await NextAsync(queue);
            if (delivery.Message.Number < 0)
            {
                poisonDeliveries++;
                Assert.Equal(poisonDeliveries, delivery.DeliveryCount);
                await delivery.NackAsync(); // The handler throws every time.
            }
            else
            {
                handled.Add(delivery.Message.Number);
                await delivery.AckAsync();
            }
        }

        Assert.Equal([0, 1, 2, 3, 4], handled.Order());
        Assert.Null(await PeekAsync(queue));
        Assert.Equal(3, poisonDeliveries);
        var dead = Assert.Single(await GetDeadLettersAsync(queue));
        Assert.Equal(new WorkItem(-1, "poison"), dead.Message);
        Assert.Equal(3, dead.DeliveryCount);
    }

    [Fact]
    public async Task A_message_whose_consumers_keep_dying_is_dead_lettered_after_max_deliveries()
    {
        var queue = CreateQueue(Options(maxDeliveries: 2));
        var peer = CreatePeer(queue);
        await queue.EnqueueAsync(new WorkItem(10, "crashes its consumer"));

        var first = await NextAsync(queue);
        await AdvanceAsync(PastVisibility);
        var second = await NextAsync(peer);
        Assert.Equal(2, second.DeliveryCount);

        await AdvanceAsync(PastVisibility);
        Assert.Null(await PeekAsync(peer));
        Assert.Null(await PeekAsync(queue));
        var dead = Assert.Single(await GetDeadLettersAsync(queue));
        Assert.Equal(first.Id, dead.Id);
        Assert.Equal(2, dead.DeliveryCount);
    }

    [Fact]
    public async Task Cancelling_a_waiting_dequeue_returns_promptly()
    {
        var queue = CreateQueue();
        using var cts = new CancellationTokenSource();
        var dequeue = queue.DequeueAsync(Timeout.InfiniteTimeSpan, cts.Token).AsTask();
        await UntilWaitingAsync(queue);
        Assert.False(dequeue.IsCompleted);

        // The backend's clock stands still, so no re-read or timeout can end the wait: only the cancellation.
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dequeue.WaitAsync(Prompt));
    }

    [Fact]
    public async Task A_cancelled_token_throws_before_anything_happens()
    {
        var queue = CreateQueue();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.EnqueueAsync(new WorkItem(1), cts.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.EnqueueBatchAsync([new WorkItem(2)], cts.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.DequeueAsync(TimeSpan.FromSeconds(1), cts.Token).AsTask());
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task ConsumeAsync_yields_deliveries_until_cancelled()
    {
        var queue = CreateQueue();
        await queue.EnqueueBatchAsync([new WorkItem(1), new WorkItem(2), new WorkItem(3)]);
        using var cts = new CancellationTokenSource();
        var seen = new List<int>();

        var consume = Task.Run(async () =>
        {
            await foreach (var delivery in queue.ConsumeAsync(cts.Token))
            {
                seen.Add(delivery.Message.Number);
                await delivery.AckAsync();
                if (seen.Count == 3)
                {
                    cts.Cancel();
                }
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consume.WaitAsync(Prompt));
        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public async Task Concurrent_consumers_share_the_work_and_each_message_is_handled_once()
    {
        const int Count = 400;
        var queue = CreateQueue();
        var consumers = Enumerable.Range(0, 4).Select(_ => CreatePeer(queue)).ToArray();
        var handled = new int[Count];
        int total = 0;
        using var cts = new CancellationTokenSource();

        var workers = consumers.Select(consumer => Task.Run(async () =>
        {
            try
            {
                await foreach (var delivery in consumer.ConsumeAsync(cts.Token))
                {
                    Interlocked.Increment(ref handled[delivery.Message.Number]);
                    await delivery.AckAsync();
                    if (Interlocked.Increment(ref total) == Count)
                    {
                        cts.Cancel();
                    }
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
            }
        })).ToArray();

        for (int i = 0; i < Count; i += 40)
        {
            await queue.EnqueueBatchAsync(Enumerable.Range(i, 40).Select(n => new WorkItem(n)).ToArray());
        }

        await Task.WhenAll(workers).WaitAsync(Prompt);
        Assert.All(handled, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task A_batch_from_a_lazy_sequence_is_enumerated_once_and_delivered_in_order()
    {
        var queue = CreateQueue();
        int enumerations = 0;
        IEnumerable<WorkItem> Numbers()
        {
            enumerations++;
            for (int i = 0; i < 5; i++)
            {
                yield return new WorkItem(i);
            }
        }

        await queue.EnqueueBatchAsync(Numbers().Select(w => w with { Text = "from a query" }));

        Assert.Equal(1, enumerations);
        for (int i = 0; i < 5; i++)
        {
            var delivery = await NextAsync(queue);
            Assert.Equal(new WorkItem(i, "from a query"), delivery.Message);
            await delivery.AckAsync();
        }

        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task Defer_hides_the_message_for_the_delay_and_keeps_its_delivery_count()
    {
        var queue = CreateQueue();
        await queue.EnqueueAsync(new WorkItem(11));
        var first = await NextAsync(queue);

        await first.DeferAsync(VisibilityTimeout / 2);
        Assert.Null(await PeekAsync(queue));
        await AdvanceAsync(VisibilityTimeout / 4);
        Assert.Null(await PeekAsync(queue));

        await AdvanceAsync(VisibilityTimeout);
        var second = await NextAsync(queue);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(1, second.DeliveryCount);
        await second.AckAsync();
        Assert.Empty(await GetDeadLettersAsync(queue));
    }

    [Fact]
    public async Task A_long_dependency_outage_deferred_on_the_breakers_RetryAfter_dead_letters_nothing()
    {
        // Three deliveries allowed, thirty rejections by an open circuit: nacking would have dead-lettered every message.
        var queue = CreateQueue(Options(maxDeliveries: 3));
        var peer = CreatePeer(queue);
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 3).Select(i => new WorkItem(i)));
        var rejection = new CircuitBreakerOpenException("The payment circuit is open.", VisibilityTimeout / 3);

        for (int outage = 0; outage < 10; outage++)
        {
            for (int i = 0; i < 3; i++)
            {
                var delivery = await NextAsync(outage % 2 == 0 ? queue : peer);
                Assert.Equal(1, delivery.DeliveryCount);
                await delivery.DeferAsync(rejection);
            }

            Assert.Null(await PeekAsync(queue));
            await AdvanceAsync(rejection.RetryAfter + TimeSpan.FromSeconds(1));
        }

        // The dependency is back: every message is handled, on its first counted delivery.
        var handled = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            var delivery = await NextAsync(peer);
            Assert.Equal(1, delivery.DeliveryCount);
            handled.Add(delivery.Message.Number);
            await delivery.AckAsync();
        }

        Assert.Equal([0, 1, 2], handled.Order());
        Assert.Empty(await GetDeadLettersAsync(queue));
        Assert.Null(await PeekAsync(queue));
    }

    [Fact]
    public async Task A_deferral_still_lets_later_nacks_dead_letter_a_poison_message()
    {
        var queue = CreateQueue(Options(maxDeliveries: 2));
        await queue.EnqueueAsync(new WorkItem(12, "poison"));

        await (await NextAsync(queue)).DeferAsync(TimeSpan.Zero);
        var first = await NextAsync(queue);
        Assert.Equal(1, first.DeliveryCount);
        await first.NackAsync();
        var second = await NextAsync(queue);
        Assert.Equal(2, second.DeliveryCount);
        await second.NackAsync();

        Assert.Null(await PeekAsync(queue));
        Assert.Equal(2, Assert.Single(await GetDeadLettersAsync(queue)).DeliveryCount);
    }

    [Fact]
    public async Task A_deferral_from_a_delivery_that_no_longer_holds_the_message_does_nothing()
    {
        var queue = CreateQueue();
        var peer = CreatePeer(queue);
        await queue.EnqueueAsync(new WorkItem(13));
        var stale = await NextAsync(queue);

        await AdvanceAsync(PastVisibility);
        var current = await NextAsync(peer);
        Assert.Equal(2, current.DeliveryCount);
        await stale.DeferAsync(TimeSpan.Zero);

        Assert.Null(await PeekAsync(queue));
        Assert.Null(await PeekAsync(peer));
        await current.AckAsync();
        await stale.DeferAsync(TimeSpan.Zero); // After the ack too.
        Assert.Null(await PeekAsync(peer));
    }

    [Fact]
    public async Task Dispose_ends_a_waiting_dequeue_and_later_calls_with_ObjectDisposedException()
    {
        var queue = CreateQueue();
        await queue.EnqueueAsync(new WorkItem(14));
        var delivery = await NextAsync(queue);
        var waiting = queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        await UntilWaitingAsync(queue);

        await queue.DisposeAsync();
        await queue.DisposeAsync(); // Idempotent.

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(Prompt));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.DequeueAsync(TimeSpan.Zero).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.EnqueueAsync(new WorkItem(15)).AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.EnqueueBatchAsync([new WorkItem(16)]).AsTask());
        await delivery.AckAsync(); // A delivery handed out before can still be settled.
    }

    [Fact]
    public async Task Bad_input_is_rejected_with_the_argument_named()
    {
        var queue = CreateQueue();

        Assert.Equal("message", (await Assert.ThrowsAsync<ArgumentNullException>(() => queue.EnqueueAsync(null!).AsTask())).ParamName);
        Assert.Equal("messages", (await Assert.ThrowsAsync<ArgumentNullException>(() => queue.EnqueueBatchAsync(null!).AsTask())).ParamName);
        Assert.Equal("messages", (await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueBatchAsync([new WorkItem(1), null!]).AsTask())).ParamName);
        Assert.Equal("wait", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.DequeueAsync(TimeSpan.FromSeconds(-2)).AsTask())).ParamName);
        Assert.Null(await PeekAsync(queue)); // The rejected batch stored nothing.

        Assert.Equal("VisibilityTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => CreateQueue(new QueueOptions { VisibilityTimeout = TimeSpan.Zero })).ParamName);
        Assert.Equal("VisibilityTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => CreateQueue(new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(-1) })).ParamName);
        Assert.Equal("MaxDeliveries", Assert.Throws<ArgumentOutOfRangeException>(() => CreateQueue(new QueueOptions { MaxDeliveries = 0 })).ParamName);
        Assert.Equal("DeadLetterCapacity", Assert.Throws<ArgumentOutOfRangeException>(() => CreateQueue(new QueueOptions { DeadLetterCapacity = -1 })).ParamName);

        await queue.EnqueueAsync(new WorkItem(1));
        var delivery = await NextAsync(queue);
        Assert.Equal("redeliverAfter", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => delivery.NackAsync(TimeSpan.FromSeconds(-1)).AsTask())).ParamName);
        Assert.Equal("delay", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => delivery.DeferAsync(TimeSpan.FromSeconds(-2)).AsTask())).ParamName);
        Assert.Equal("rejection", Assert.Throws<ArgumentNullException>(() => delivery.DeferAsync((CircuitBreakerOpenException)null!)).ParamName);
        await delivery.AckAsync();
    }
}
