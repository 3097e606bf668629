using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>
/// Taking over a hand-rolled Redis list (<see cref="RedisQueueOptions.ImportFromList"/>): producers keep pushing raw
/// values to the list, the queue moves them into its stream without losing one.
/// </summary>
[Collection(HeavyRedisQueueTests.Name)]
public sealed class RedisListImportTests : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly RedisServerFixture _redis;

    public RedisListImportTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    private IDatabase Db => _redis.Connection.GetDatabase();

    private static RedisQueueOptions Options(string list, ListSide side = ListSide.Right, TimeSpan? visibility = null, int prefetch = 10) => new()
    {
        ImportFromList = list,
        ImportFromListSide = side,
        VisibilityTimeout = visibility ?? TimeSpan.FromSeconds(30),
        PrefetchCount = prefetch,
        IdleRecheckInterval = TimeSpan.FromMilliseconds(50), // List producers do not wake consumers.
    };

    [Fact]
    public async Task Four_consumers_take_over_two_thousand_pushed_values_each_exactly_once()
    {
        const int Count = 2_000;
        string list = RedisServerFixture.UniqueKey("orders");
        string name = RedisServerFixture.UniqueKey("import");
        var received = new ConcurrentDictionary<string, int>();
        int acked = 0;
        using var done = new CancellationTokenSource();

        async Task Consumer()
        {
            await using var queue = new RedisReliableQueue<string>(_redis.Connection, name, Options(list));
            try
            {
                await foreach (var delivery in queue.ConsumeAsync(done.Token))
                {
                    received.AddOrUpdate(delivery.Message, 1, (_, n) => n + 1);
                    await delivery.AckAsync();
                    if (Interlocked.Increment(ref acked) == Count)
                    {
                        done.Cancel();
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        }

        async Task Producer(int first, int count)
        {
            for (int i = first; i < first + count; i += 10)
            {
                // LPUSH of several values pushes them one after the other: the oldest ends up rightmost.
                RedisValue[] chunk = Enumerable.Range(i, 10).Select(n => (RedisValue)$"order-{n}").ToArray();
                await Db.ListLeftPushAsync(list, chunk);
                await Task.Yield();
            }
        }

        Task[] consumers = [Consumer(), Consumer(), Consumer(), Consumer()];
        await Task.WhenAll(Producer(0, Count / 2), Producer(Count / 2, Count / 2));
        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(Count, received.Count);
        for (int n = 0; n < Count; n++)
        {
            Assert.True(received.TryGetValue($"order-{n}", out int times) && times == 1, $"order-{n} was received {times} times.");
        }

        Assert.Equal(0, await Db.ListLengthAsync(list));
        await using var probe = new RedisReliableQueue<string>(_redis.Connection, name);
        Assert.Empty(await probe.ReadDeadLettersAsync());
    }

    [Theory]
    [InlineData(ListSide.Left)]
    [InlineData(ListSide.Right)]
    public async Task A_single_consumer_gets_the_values_in_push_order_across_import_batches(ListSide side)
    {
        string list = RedisServerFixture.UniqueKey("ordered");
        await using var queue = new RedisReliableQueue<string>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list, side));

        // The old consumers popped from `side`, so the producers pushed to the other end.
        async Task Push(int from, int count)
        {
            foreach (int n in Enumerable.Range(from, count))
            {
                _ = side == ListSide.Left ? await Db.ListRightPushAsync(list, $"v{n}") : await Db.ListLeftPushAsync(list, $"v{n}");
            }
        }

        var received = new List<string>();
        async Task Take(int count)
        {
            for (int i = 0; i < count; i++)
            {
                var delivery = await queue.DequeueAsync(Prompt);
                Assert.NotNull(delivery);
                received.Add(delivery.Message);
                await delivery.AckAsync();
            }
        }

        await Push(0, 150); // More than one import batch.
        await Take(50);
        await Push(150, 100);
        await Take(200);

        Assert.Equal(Enumerable.Range(0, 250).Select(n => $"v{n}"), received);
        Assert.Null(await queue.DequeueAsync(TimeSpan.Zero));
        Assert.Equal(0, await Db.ListLengthAsync(list));
    }

    [Fact]
    public async Task A_string_queue_takes_each_value_as_it_is()
    {
        string list = RedisServerFixture.UniqueKey("raw");
        string[] values = ["plain", "{\"looks\":\"like json\"}", "\"quoted\"", "ünïcödé ✓", "", "  spaced  "];
        foreach (string value in values)
        {
            await Db.ListLeftPushAsync(list, value);
        }

        await using var queue = new RedisReliableQueue<string>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list));
        var received = new List<string>();
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            received.Add(delivery.Message);
            await delivery.AckAsync();
        }

        Assert.Equal(values, received);
    }

    [Fact]
    public async Task A_legacy_consumer_still_popping_the_list_loses_nothing_between_them()
    {
        const int Count = 1_000;
        string list = RedisServerFixture.UniqueKey("legacy");
        var legacy = new ConcurrentBag<string>();
        var imported = new ConcurrentBag<string>();
        var seen = new ConcurrentDictionary<string, bool>();
        using var done = new CancellationTokenSource();

        void See(string value)
        {
            seen.TryAdd(value, true);
            if (seen.Count == Count)
            {
                done.Cancel();
            }
        }

        async Task LegacyConsumer()
        {
            // Retired part-way, like an old deployment being replaced: the rest must reach the importing consumer.
            while (!done.IsCancellationRequested && legacy.Count < Count / 4)
            {
                RedisValue value = await Db.ListRightPopAsync(list);
                if (value.IsNull)
                {
                    await Task.Delay(1);
                    continue;
                }

                legacy.Add(value.ToString());
                See(value.ToString());
            }
        }

        async Task ImportingConsumer()
        {
            await using var queue = new RedisReliableQueue<string>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list));
            try
            {
                await foreach (var delivery in queue.ConsumeAsync(done.Token))
                {
                    imported.Add(delivery.Message);
                    await delivery.AckAsync();
                    See(delivery.Message);
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        }

        Task consumers = Task.WhenAll(LegacyConsumer(), ImportingConsumer());
        for (int i = 0; i < Count; i += 5)
        {
            await Db.ListLeftPushAsync(list, Enumerable.Range(i, 5).Select(n => (RedisValue)$"job-{n}").ToArray());
            await Task.Yield();
        }

        await consumers.WaitAsync(TimeSpan.FromSeconds(90));

        var union = legacy.Concat(imported).ToHashSet();
        Assert.All(Enumerable.Range(0, Count), n => Assert.Contains($"job-{n}", union));
        // Duplicates are allowed: a legacy pop between adding and removing stops the removal, the rest is imported again.
        Assert.True(imported.Distinct().Count() >= Count - (Count / 4), $"imported {imported.Distinct().Count()} distinct");
    }

    [Fact]
    public async Task An_imported_message_whose_consumer_crashes_is_redelivered_after_the_visibility_timeout()
    {
        string list = RedisServerFixture.UniqueKey("crash");
        string name = RedisServerFixture.UniqueKey("import");
        RedisQueueOptions options = Options(list, visibility: TimeSpan.FromSeconds(1), prefetch: 1);
        await Db.ListLeftPushAsync(list, "job-1");

        // Its own connection, dropped without ack, nack or dispose: a crash.
        var connection = await _redis.Server.ConnectAsync();
        var crashing = new RedisReliableQueue<string>(connection, name, options);
        var first = await crashing.DequeueAsync(Prompt);
        Assert.Equal("job-1", first!.Message);
        await connection.CloseAsync(allowCommandsToComplete: false);
        connection.Dispose();
        Assert.Equal(0, await Db.ListLengthAsync(list)); // Taken over by the stream, not left for a second import.

        await using var survivor = new RedisReliableQueue<string>(_redis.Connection, name, options);
        var again = await survivor.DequeueAsync(Prompt);
        Assert.NotNull(again);
        Assert.Equal("job-1", again.Message);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(2, again.DeliveryCount);
        await again.AckAsync();
        Assert.Null(await survivor.DequeueAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task A_typed_queue_imports_json_values_and_dead_letters_the_rest()
    {
        string list = RedisServerFixture.UniqueKey("typed");
        await Db.ListLeftPushAsync(list, "{\"Number\":1,\"Text\":\"one\"}");
        await Db.ListLeftPushAsync(list, "not json");
        await Db.ListLeftPushAsync(list, "{\"Number\":2,\"Text\":\"two\"}");

        await using var queue = new RedisReliableQueue<WorkItem>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list));
        var received = new List<WorkItem>();
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            received.Add(delivery.Message);
            await delivery.AckAsync();
        }

        Assert.Equal([new WorkItem(1, "one"), new WorkItem(2, "two")], received);
        StreamEntry dead = Assert.Single(await Db.StreamRangeAsync(queue.DeadLetterKey));
        Assert.Equal("not json", dead["m"].ToString());
        Assert.Equal(0, await Db.ListLengthAsync(list));
    }

    [Fact]
    public async Task A_byte_array_queue_takes_each_value_as_its_bytes()
    {
        string list = RedisServerFixture.UniqueKey("bytes");
        byte[] value = [0, 1, 2, 255, 128];
        await Db.ListLeftPushAsync(list, value);

        await using var queue = new RedisReliableQueue<byte[]>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list));
        var delivery = await queue.DequeueAsync(TimeSpan.Zero);
        Assert.NotNull(delivery);
        Assert.Equal(value, delivery.Message);
        await delivery.AckAsync();
    }

    [Fact]
    public async Task An_empty_list_gives_null_at_once_and_creates_no_keys()
    {
        string list = RedisServerFixture.UniqueKey("empty");
        await using var queue = new RedisReliableQueue<string>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list));

        Assert.Null(await queue.DequeueAsync(TimeSpan.Zero).AsTask().WaitAsync(Prompt));
        Assert.False(await Db.KeyExistsAsync(list));
        Assert.False(await Db.KeyExistsAsync(queue.StreamKey.ToString() + ":import"));
    }

    [Fact]
    public async Task A_failed_import_removes_nothing_from_the_list()
    {
        string list = RedisServerFixture.UniqueKey("failing");
        string name = RedisServerFixture.UniqueKey("import");
        await Db.ListLeftPushAsync(list, ["a", "b", "c"]);
        await using var queue = new RedisReliableQueue<string>(_redis.Connection, name, Options(list));
        await Db.StringSetAsync(queue.StreamKey, "not a stream"); // Every XADD fails (WRONGTYPE).

        await Assert.ThrowsAsync<RedisQueueException>(() => queue.DequeueAsync(TimeSpan.Zero).AsTask());
        Assert.Equal(["c", "b", "a"], (await Db.ListRangeAsync(list)).Select(v => v.ToString()));

        await Db.KeyDeleteAsync(queue.StreamKey);
        var received = new List<string>();
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            received.Add(delivery.Message);
            await delivery.AckAsync();
        }

        Assert.Equal(["a", "b", "c"], received); // The lease was released: the next read imported at once.
    }

    [Fact]
    public async Task The_removal_script_pops_only_values_that_were_added_oldest_first()
    {
        string list = RedisServerFixture.UniqueKey("script");
        RedisKey[] keys = [list];
        await Db.ListLeftPushAsync(list, ["a", "b", "c", "d"]); // d c b a: oldest (a) on the right.

        // a and b were added; a legacy consumer popped a meanwhile: the script skips a and still removes b.
        Assert.Equal("a", (await Db.ListRightPopAsync(list)).ToString());
        RedisResult popped = await RedisQueueScripts.PopImported.EvaluateAsync(Db, keys, ["R", "a", "b"], CommandFlags.None);
        Assert.Equal(1, (long)popped);
        Assert.Equal(["d", "c"], (await Db.ListRangeAsync(list)).Select(v => v.ToString()));

        // A value that is not at the oldest end is never popped in its place.
        popped = await RedisQueueScripts.PopImported.EvaluateAsync(Db, keys, ["R", "x", "d"], CommandFlags.None);
        Assert.Equal(0, (long)popped);
        Assert.Equal(["d", "c"], (await Db.ListRangeAsync(list)).Select(v => v.ToString()));

        popped = await RedisQueueScripts.PopImported.EvaluateAsync(Db, keys, ["L", "d", "c", "extra"], CommandFlags.None);
        Assert.Equal(2, (long)popped);
        Assert.False(await Db.KeyExistsAsync(list));
    }

    [Fact]
    public async Task Imported_messages_are_counted_in_the_imported_metric()
    {
        long imported = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == QueueTelemetry.MeterName && instrument.Name == QueueTelemetry.Imported)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref imported, value));
        listener.Start();

        string list = RedisServerFixture.UniqueKey("metric");
        await Db.ListLeftPushAsync(list, ["a", "b", "c"]);
        await using var queue = new RedisReliableQueue<string>(_redis.Connection, RedisServerFixture.UniqueKey("import"), Options(list));
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            await delivery.AckAsync();
        }

        Assert.True(Interlocked.Read(ref imported) >= 3, $"imported = {imported}");
    }

    [Fact]
    public void Import_options_are_validated_with_their_names()
    {
        var connection = _redis.Connection;
        Assert.Equal("ImportFromList", Assert.Throws<ArgumentException>(() => new RedisReliableQueue<string>(connection, "q", new RedisQueueOptions { ImportFromList = "" })).ParamName);
        Assert.Equal("ImportFromList", Assert.Throws<ArgumentException>(() => new RedisReliableQueue<string>(connection, "q", new RedisQueueOptions { ImportFromList = "  " })).ParamName);
        Assert.Equal("ImportFromListSide", Assert.Throws<ArgumentOutOfRangeException>(() => new RedisReliableQueue<string>(connection, "q", new RedisQueueOptions { ImportFromList = "l", ImportFromListSide = (ListSide)7 })).ParamName);
        Assert.Null(new RedisQueueOptions().ImportFromList);
        Assert.Equal(ListSide.Right, new RedisQueueOptions().ImportFromListSide);
    }

    [Fact]
    public async Task AsReliableQueue_is_the_rewritten_pop_and_consumes_the_list_end_to_end()
    {
        string list = RedisServerFixture.UniqueKey("orders");
        IDatabase db = Db;
        await db.ListLeftPushAsync(list, ["o1", "o2", "o3"]);

        // What SF2002 rewrites `var order = await db.ListRightPopAsync(list);` to.
        var handled = new List<string>();
        while (true)
        {
            var d = await db.AsReliableQueue<string>(list).DequeueAsync(TimeSpan.Zero, CancellationToken.None);
            RedisValue order = d?.Message;
            if (order.IsNull)
            {
                break;
            }

            handled.Add(order.ToString());
            if (d is not null)
            {
                await d.AckAsync(CancellationToken.None);
            }
        }

        Assert.Equal(["o1", "o2", "o3"], handled);
        Assert.Equal(0, await db.ListLengthAsync(list));
        RedisReliableQueue<string> queue = db.AsReliableQueue<string>(list);
        Assert.Equal(list, queue.Name);
        Assert.Equal(0, (await db.StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup)).PendingMessageCount);
    }

    [Fact]
    public async Task AsReliableQueue_with_the_left_side_takes_rpush_producers_in_order()
    {
        string list = RedisServerFixture.UniqueKey("lpop");
        await Db.ListRightPushAsync(list, ["x1", "x2", "x3"]);
        var queue = Db.AsReliableQueue<string>(list, ListSide.Left);

        var handled = new List<string>();
        while (await queue.DequeueAsync(TimeSpan.Zero) is { } delivery)
        {
            handled.Add(delivery.Message);
            await delivery.AckAsync();
        }

        Assert.Equal(["x1", "x2", "x3"], handled);
        Assert.Equal(0, await Db.ListLengthAsync(list));
    }

    [Fact]
    public void AsReliableQueue_shares_one_queue_per_database_list_side_and_type()
    {
        string list = RedisServerFixture.UniqueKey("shared");
        IDatabase db = _redis.Connection.GetDatabase(0);
        var queue = db.AsReliableQueue<string>(list);

        Assert.Same(queue, _redis.Connection.GetDatabase(0).AsReliableQueue<string>(list));
        Assert.Same(queue, db.AsReliableQueue<string>(list, ListSide.Right));
        Assert.NotSame(queue, db.AsReliableQueue<string>(RedisServerFixture.UniqueKey("other")));
        Assert.NotSame(queue, db.AsReliableQueue<string>(list, ListSide.Left));
        Assert.NotSame(queue, _redis.Connection.GetDatabase(1).AsReliableQueue<string>(list));
        Assert.IsType<RedisReliableQueue<WorkItem>>(db.AsReliableQueue<WorkItem>(list));
        Assert.Equal(list, queue.Name);
    }

    [Fact]
    public void AsReliableQueue_validates_its_arguments_with_their_names()
    {
        IDatabase db = Db;
        Assert.Equal("database", Assert.Throws<ArgumentNullException>(() => ((IDatabase)null!).AsReliableQueue<string>("l")).ParamName);
        Assert.Equal("listKey", Assert.Throws<ArgumentNullException>(() => db.AsReliableQueue<string>(null!)).ParamName);
        Assert.Equal("listKey", Assert.Throws<ArgumentException>(() => db.AsReliableQueue<string>("")).ParamName);
        Assert.Equal("listKey", Assert.Throws<ArgumentException>(() => db.AsReliableQueue<string>(" ")).ParamName);
        Assert.Equal("popSide", Assert.Throws<ArgumentException>(() => db.AsReliableQueue<string>("l", (ListSide)7)).ParamName);
    }
}
