using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Time;
using Steadfast.Testing.Conditions;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>
/// The heavy queue tests (20,000 messages, restarts) saturate a small machine's CPU; they run alone so the timing
/// assertions of other test classes (lease renewals, wake-up latencies) are not starved.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyRedisQueueTests
{
    public const string Name = "Heavy Redis queue tests";
}

/// <summary>Redis specifics: consumer crashes, restarts with AOF, outages, trimming, wake-up, serialization.</summary>
[Collection(HeavyRedisQueueTests.Name)]
public sealed class RedisReliableQueueTests : IClassFixture<RedisServerFixture>
{
    /// <summary>Bounds a wait so a broken test fails instead of hanging; never the measure of a success.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly RedisServerFixture _redis;

    public RedisReliableQueueTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    private static RedisQueueOptions Options(TimeSpan? visibility = null, int maxDeliveries = 5, int prefetch = 10, bool pipelinedAcks = true) => new()
    {
        VisibilityTimeout = visibility ?? TimeSpan.FromSeconds(2),
        MaxDeliveries = maxDeliveries,
        PrefetchCount = prefetch,
        PipelinedAcks = pipelinedAcks,
    };

    [Fact]
    public async Task Twenty_thousand_messages_survive_a_consumer_that_keeps_crashing()
    {
        const int Count = 20_000;
        string name = RedisServerFixture.UniqueKey("crash");
        RedisQueueOptions options = Options(TimeSpan.FromSeconds(2), maxDeliveries: 50);
        RedisQueueOptions awaitedAcks = Options(TimeSpan.FromSeconds(2), maxDeliveries: 50, pipelinedAcks: false);
        await using var producer = new RedisReliableQueue<WorkItem>(_redis.Connection, name, options);

        var handled = new int[Count];
        var acked = new int[Count];
        var heldByCrashed = new int[Count];
        var late = new int[Count];
        int ackedTotal = 0;
        int crashes = 0;
        using var done = new CancellationTokenSource();
        var threeCrashes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // A delivery is the handler's for the visibility timeout from its read, and read-ahead hands out only entries
        // read less than half of it ago; one acknowledged later than half the timeout after the dequeue was asked for
        // may have been taken over by then (a stall on a busy machine, not a crash), so it is allowed a second handling.
        void Acked(int number, long askedAt)
        {
            if (Stopwatch.GetElapsedTime(askedAt) * 2 >= options.VisibilityTimeout)
            {
                Interlocked.Increment(ref late[number]);
            }

            Interlocked.Increment(ref acked[number]);
        }

        async Task StableConsumer()
        {
            // The stable consumers join once the crashing one has crashed three times, so there is always something to recover.
            await threeCrashes.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await using var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, options);
            try
            {
                long askedAt = Stopwatch.GetTimestamp();
                await foreach (var delivery in queue.ConsumeAsync(done.Token))
                {
                    Interlocked.Increment(ref handled[delivery.Message.Number]);
                    await delivery.AckAsync();
                    Acked(delivery.Message.Number, askedAt);
                    if (Interlocked.Increment(ref ackedTotal) == Count)
                    {
                        done.Cancel();
                    }

                    askedAt = Stopwatch.GetTimestamp();
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        }

        async Task CrashingConsumer()
        {
            var random = new Random(42);
            while (!done.IsCancellationRequested)
            {
                // Its own connection, so dropping it is a crash: no ack, no nack, no dispose, read-ahead lost with it.
                // Its acks are awaited, so "acked" means recorded: what the crash may drop is its read-ahead and the held
                // message (pipelined acks dropped by a crash: A_failed_pipelined_ack_leaves_the_message_pending...).
                var connection = await _redis.Server.ConnectAsync();
                var queue = new RedisReliableQueue<WorkItem>(connection, name, awaitedAcks);
                int crashAfter = random.Next(200, 400);
                try
                {
                    for (int n = 0; ; n++)
                    {
                        long askedAt = Stopwatch.GetTimestamp();
                        var delivery = await queue.DequeueAsync(TimeSpan.FromMilliseconds(200), done.Token);
                        if (delivery is null)
                        {
                            continue;
                        }

                        Interlocked.Increment(ref handled[delivery.Message.Number]);
                        if (n == crashAfter)
                        {
                            Interlocked.Increment(ref heldByCrashed[delivery.Message.Number]);
                            if (Interlocked.Increment(ref crashes) == 3)
                            {
                                threeCrashes.SetResult();
                            }

                            break;
                        }

                        await delivery.AckAsync();
                        Acked(delivery.Message.Number, askedAt);
                        if (Interlocked.Increment(ref ackedTotal) == Count)
                        {
                            done.Cancel();
                        }
                    }
                }
                catch (OperationCanceledException) when (done.IsCancellationRequested)
                {
                }
                finally
                {
                    await connection.CloseAsync(allowCommandsToComplete: false);
                    connection.Dispose();
                }
            }
        }

        Task[] consumers = [StableConsumer(), StableConsumer(), StableConsumer(), CrashingConsumer()];
        for (int i = 0; i < Count; i += 100)
        {
            await producer.EnqueueBatchAsync(Enumerable.Range(i, 100).Select(n => new WorkItem(n)).ToArray());
        }

        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(120)); // only bounds a hang

        Assert.True(crashes >= 3, $"Only {crashes} crashes happened.");
        for (int n = 0; n < Count; n++)
        {
            Assert.True(acked[n] >= 1 && acked[n] <= 1 + late[n], $"Message {n} was acked {acked[n]} times ({late[n]} of them late).");
            // A message is handled more than once only when a consumer crashed holding it (or acknowledged it late).
            Assert.True(handled[n] >= 1 + heldByCrashed[n] && handled[n] <= 1 + heldByCrashed[n] + late[n],
                $"Message {n}: handled {handled[n]} times, held by a crashed consumer {heldByCrashed[n]} times, acknowledged late {late[n]} times.");
        }

        Assert.Empty(await producer.ReadDeadLettersAsync());
    }

    [Fact]
    public async Task With_aof_a_redis_restart_loses_no_enqueue_that_returned()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        await using var connection = await server.ConnectAsync();
        string name = RedisServerFixture.UniqueKey("aof");
        await using var queue = new RedisReliableQueue<WorkItem>(connection, name, Options());

        var returned = new ConcurrentBag<int>();
        int failures = 0;
        using var stop = new CancellationTokenSource();
        var produce = Task.Run(async () =>
        {
            for (int n = 0; !stop.IsCancellationRequested; n += 10)
            {
                try
                {
                    if (n % 20 == 0)
                    {
                        await queue.EnqueueBatchAsync(Enumerable.Range(n, 10).Select(i => new WorkItem(i)).ToArray());
                        foreach (int i in Enumerable.Range(n, 10))
                        {
                            returned.Add(i);
                        }
                    }
                    else
                    {
                        await queue.EnqueueAsync(new WorkItem(n));
                        returned.Add(n);
                    }
                }
                catch (RedisQueueException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        await Until.TrueAsync(() => returned.Count >= 500, "500 enqueues");
        await server.StopAsync(); // A crash, mid-stream.
        int beforeRestart = returned.Count;
        await Until.TrueAsync(() => Volatile.Read(ref failures) > 0, "a failed enqueue"); // the producer has seen the outage
        await server.RestartAsync();
        await Until.TrueAsync(() => returned.Count >= beforeRestart + 500 || produce.IsCompleted, "500 enqueues after the restart");
        stop.Cancel();
        await produce.WaitAsync(Prompt);

        var consumed = new HashSet<int>();
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            consumed.Add(delivery.Message.Number);
            await delivery.AckAsync();
        }

        Assert.True(failures > 0, "The outage was not noticed by the producer.");
        Assert.All(returned, n => Assert.Contains(n, consumed));
    }

    [Fact]
    public async Task A_poison_message_lands_in_the_dead_letter_stream_with_its_history()
    {
        string name = RedisServerFixture.UniqueKey("poison");
        await using var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options(maxDeliveries: 2));
        await queue.EnqueueAsync(new WorkItem(-1, "poison"));
        await queue.EnqueueAsync(new WorkItem(1));

        // Until both messages have had their deliveries (the poison one, nacked at once, comes back at once); the
        // dead-lettering after the second nack is atomic with it, so nothing is delivered after that.
        var delivered = new List<int>();
        while (delivered.Count(n => n < 0) < 2 || !delivered.Contains(1))
        {
            var delivery = await queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask().WaitAsync(Prompt);
            Assert.NotNull(delivery);
            delivered.Add(delivery.Message.Number);
            if (delivery.Message.Number < 0)
            {
                await delivery.NackAsync();
            }
            else
            {
                await delivery.AckAsync();
            }
        }

        Assert.Null(await queue.DequeueAsync(TimeSpan.Zero));
        Assert.Equal(2, delivered.Count(n => n < 0));
        Assert.Single(delivered, 1);
        StreamEntry dead = Assert.Single(await _redis.Connection.GetDatabase().StreamRangeAsync(queue.DeadLetterKey));
        Assert.Equal(2, (int)dead["deliveries"]);
        Assert.Equal(queue.ConsumerGroup, dead["group"].ToString());
        Assert.Contains("poison", dead["m"].ToString());
        Assert.Equal(queue.DeadLetterKey.ToString(), queue.StreamKey.ToString() + ":dead");
    }

    [Fact]
    public async Task An_undeserializable_entry_goes_to_the_dead_letters_and_the_rest_keep_flowing()
    {
        string name = RedisServerFixture.UniqueKey("garbage");
        await using var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options());
        await _redis.Connection.GetDatabase().StreamAddAsync(queue.StreamKey, "m", "{not json");
        await queue.EnqueueAsync(new WorkItem(2));

        var delivery = await queue.DequeueAsync(Prompt);
        Assert.Equal(2, delivery!.Message.Number);
        await delivery.AckAsync();
        StreamEntry dead = Assert.Single(await _redis.Connection.GetDatabase().StreamRangeAsync(queue.DeadLetterKey));
        Assert.Equal("{not json", dead["m"].ToString());
    }

    [Fact]
    public async Task An_idle_consumer_is_woken_by_the_enqueue_notification_without_its_fallback_read()
    {
        // The consumer's clock never moves, so its fallback re-read never comes: only the notification can wake it.
        string name = RedisServerFixture.UniqueKey("wake");
        var clock = new ObservedTimeProvider();
        var options = new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), TimeProvider = clock };
        await using var consumer = new RedisReliableQueue<WorkItem>(_redis.Connection, name, options);
        await using var producer = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options(TimeSpan.FromSeconds(30)));

        for (int i = 0; i < 5; i++)
        {
            int timers = clock.TimerCount;
            var waiting = consumer.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
            // Past its reads and waiting: it has started the timer of its fallback re-read.
            await clock.WaitForTimerAsync(_ => true, Prompt, after: timers);
            Assert.False(waiting.IsCompleted);
            await producer.EnqueueAsync(new WorkItem(i));
            var delivery = await waiting.WaitAsync(Prompt);
            Assert.Equal(i, delivery!.Message.Number);
            await delivery.AckAsync();
        }
    }

    [Fact]
    public async Task A_missed_notification_is_covered_by_the_bounded_fallback_read()
    {
        string name = RedisServerFixture.UniqueKey("fallback");
        TimeSpan recheck = TimeSpan.FromMilliseconds(300);
        var clock = new ObservedTimeProvider();
        var options = new RedisQueueOptions { IdleRecheckInterval = recheck, TimeProvider = clock };
        await using var consumer = new RedisReliableQueue<WorkItem>(_redis.Connection, name, options);

        var waiting = consumer.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        // Waiting, with its fallback re-read due after the interval.
        Assert.Equal(recheck, await clock.WaitForTimerAsync(_ => true, Prompt));
        // Written behind the queue's back: no notification is published.
        await _redis.Connection.GetDatabase().StreamAddAsync(consumer.StreamKey, "m", "{\"Number\":5,\"Text\":\"x\"}");
        Assert.False(waiting.IsCompleted);
        clock.Advance(recheck);
        var delivery = await waiting.WaitAsync(Prompt);
        Assert.Equal(5, delivery!.Message.Number);
    }

    [Fact]
    public async Task Acknowledged_entries_are_trimmed_and_unacknowledged_ones_kept()
    {
        string name = RedisServerFixture.UniqueKey("trim");
        IDatabase db = _redis.Connection.GetDatabase();
        await using var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, Options());
        await queue.EnqueueBatchAsync(Enumerable.Range(0, 1000).Select(i => new WorkItem(i)).ToArray());

        for (int i = 0; i < 990; i++)
        {
            await (await queue.DequeueAsync(Prompt))!.AckAsync();
        }

        var held = await queue.DequeueAsync(Prompt); // Number 990: pending, not acked.
        await queue.WhenAcksAnsweredForTesting(); // The pipelined acks of the 990 (this dequeue may not have read).
        await queue.TrimAsync();
        long length = await db.StreamLengthAsync(queue.StreamKey);
        Assert.Equal(10, length); // 990 (pending) .. 999 (not yet delivered or read ahead)

        await held!.AckAsync();
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            await delivery.AckAsync();
        }

        await queue.TrimAsync();
        Assert.True(await db.StreamLengthAsync(queue.StreamKey) <= 1); // The last delivered entry marks the group's position.
    }

    [Fact]
    public async Task Trimming_waits_for_every_consumer_group()
    {
        string name = RedisServerFixture.UniqueKey("groups");
        IDatabase db = _redis.Connection.GetDatabase();
        await using var fast = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { ConsumerGroup = "fast" });
        await using var slow = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { ConsumerGroup = "slow" });
        Assert.Null(await slow.DequeueAsync(TimeSpan.Zero)); // Creates the group.
        await fast.EnqueueBatchAsync(Enumerable.Range(0, 20).Select(i => new WorkItem(i)).ToArray());

        while (await fast.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            await delivery.AckAsync();
        }

        await fast.TrimAsync();
        Assert.Equal(20, await db.StreamLengthAsync(fast.StreamKey));
        var received = new List<int>();
        while (await slow.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            received.Add(delivery.Message.Number);
            await delivery.AckAsync();
        }

        Assert.Equal(Enumerable.Range(0, 20), received);
        await slow.TrimAsync();
        Assert.True(await db.StreamLengthAsync(fast.StreamKey) <= 1);
    }

    [Fact]
    public async Task Disposing_a_consumer_hands_its_read_ahead_back_at_once()
    {
        string name = RedisServerFixture.UniqueKey("handback");
        var options = Options(TimeSpan.FromSeconds(30));
        var first = new RedisReliableQueue<WorkItem>(_redis.Connection, name, options);
        await using var second = new RedisReliableQueue<WorkItem>(_redis.Connection, name, options);
        await first.EnqueueBatchAsync(Enumerable.Range(0, 5).Select(i => new WorkItem(i)).ToArray());

        var taken = await first.DequeueAsync(Prompt); // Reads all five, hands out one.
        Assert.Null(await second.DequeueAsync(TimeSpan.Zero));
        await first.DisposeAsync();

        // Within Prompt, far less than the visibility timeout (30 s) after which they would be taken over anyway.
        var rest = new List<IDelivery<WorkItem>>();
        while (rest.Count < 4 && await second.DequeueAsync(Prompt) is { } delivery)
        {
            rest.Add(delivery);
        }

        Assert.Equal([1, 2, 3, 4], rest.Select(d => d.Message.Number));
        Assert.All(rest, d => Assert.Equal(1, d.DeliveryCount));
        await taken!.AckAsync(); // Still possible after dispose.
    }

    [Fact]
    public async Task An_unreachable_redis_gives_a_typed_exception_or_cancellation_never_a_hang()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await using var queue = new RedisReliableQueue<WorkItem>(connection, RedisServerFixture.UniqueKey("down"), Options());
        await queue.EnqueueAsync(new WorkItem(1));
        await (await queue.DequeueAsync(Prompt))!.AckAsync();
        var waiting = queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        await server.StopAsync();

        // Each bounded by Prompt only to fail instead of hanging; none of them waits for anything but Redis.
        await Assert.ThrowsAsync<RedisQueueException>(() => waiting.WaitAsync(Prompt)); // A consumer waiting on an idle queue.
        var enqueue = await Assert.ThrowsAsync<RedisQueueException>(() => queue.EnqueueAsync(new WorkItem(2)).AsTask().WaitAsync(Prompt));
        Assert.NotNull(enqueue.InnerException);
        await Assert.ThrowsAsync<RedisQueueException>(() => queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask().WaitAsync(Prompt));

        // Cancelled while its read waits on the unreachable server (the read would fail only after the multiplexer's
        // timeout, as a RedisQueueException): the cancellation wins.
        using var cts = new CancellationTokenSource();
        var cancelled = queue.DequeueAsync(Timeout.InfiniteTimeSpan, cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Prompt));
    }

    [Fact]
    public async Task A_pluggable_serializer_is_used_for_the_stored_payload()
    {
        string name = RedisServerFixture.UniqueKey("serializer");
        await using var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { Serializer = new PipeSerializer() });
        await queue.EnqueueAsync(new WorkItem(12, "twelve"));

        StreamEntry raw = Assert.Single(await _redis.Connection.GetDatabase().StreamRangeAsync(queue.StreamKey));
        Assert.Equal("12|twelve", raw["m"].ToString());
        var delivery = await queue.DequeueAsync(Prompt);
        Assert.Equal(new WorkItem(12, "twelve"), delivery!.Message);
    }

    [Fact]
    public void Constructor_arguments_are_validated_with_their_names()
    {
        var connection = _redis.Connection;
        Assert.Equal("multiplexer", Assert.Throws<ArgumentNullException>(() => new RedisReliableQueue<WorkItem>(null!, "q")).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => new RedisReliableQueue<WorkItem>(connection, null!)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => new RedisReliableQueue<WorkItem>(connection, " ")).ParamName);
        Assert.Equal("ConsumerGroup", Assert.Throws<ArgumentException>(() => new RedisReliableQueue<WorkItem>(connection, "q", new RedisQueueOptions { ConsumerGroup = "" })).ParamName);
        Assert.Equal("ConsumerName", Assert.Throws<ArgumentException>(() => new RedisReliableQueue<WorkItem>(connection, "q", new RedisQueueOptions { ConsumerName = "" })).ParamName);
        Assert.Equal("PrefetchCount", Assert.Throws<ArgumentOutOfRangeException>(() => new RedisReliableQueue<WorkItem>(connection, "q", new RedisQueueOptions { PrefetchCount = 0 })).ParamName);
        Assert.Equal("IdleRecheckInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new RedisReliableQueue<WorkItem>(connection, "q", new RedisQueueOptions { IdleRecheckInterval = TimeSpan.Zero })).ParamName);
        Assert.Equal("VisibilityTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new RedisReliableQueue<WorkItem>(connection, "q", new RedisQueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(-1) })).ParamName);
    }

    [Fact]
    public void Consumer_names_are_unique_per_instance_and_keys_share_one_hash_tag()
    {
        var one = new RedisReliableQueue<WorkItem>(_redis.Connection, "orders");
        var two = new RedisReliableQueue<WorkItem>(_redis.Connection, "orders");
        Assert.NotEqual(one.ConsumerName, two.ConsumerName);
        Assert.Equal("{steadfast:queue:orders}", one.StreamKey.ToString());
        Assert.Equal("{steadfast:queue:orders}:dead", one.DeadLetterKey.ToString());
        Assert.True(typeof(RedisReliableQueue<>).IsSealed);
        Assert.True(typeof(RedisQueueOptions).IsSealed);
    }

    private sealed class PipeSerializer : IQueueSerializer
    {
        public byte[] Serialize<T>(T message)
        {
            var item = (WorkItem)(object)message!;
            return Encoding.UTF8.GetBytes($"{item.Number}|{item.Text}");
        }

        public T Deserialize<T>(ReadOnlyMemory<byte> payload)
        {
            string[] parts = Encoding.UTF8.GetString(payload.Span).Split('|');
            return (T)(object)new WorkItem(int.Parse(parts[0]), parts[1]);
        }
    }
}
