using System.Diagnostics.Metrics;
using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>
/// An abandoned consumer group would hold the stream for ever (trimming stops at the oldest entry any group has not
/// acknowledged); <see cref="RedisQueueOptions.MaxUnacknowledgedLength"/> and <see cref="RedisQueueOptions.MaxUnacknowledgedAge"/>
/// bound it, and what they drop is counted. On a real redis-server; no test here trims in the background (no consumer
/// finds its queue empty, fewer than 1,000 acks), so every trim is the one the test asks for.
/// </summary>
public sealed class RedisReliableQueueTrimBoundTests : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);
    private readonly RedisServerFixture _redis;

    public RedisReliableQueueTrimBoundTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    [Fact]
    public async Task Past_MaxUnacknowledgedLength_an_abandoned_groups_entries_are_trimmed_and_counted()
    {
        string name = RedisServerFixture.UniqueKey("trim-length");
        using var dropped = new DroppedCounter();
        await using var abandoned = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { ConsumerGroup = "abandoned" });
        await using var unbounded = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { ConsumerGroup = "live" });
        await using var bounded = new RedisReliableQueue<WorkItem>(_redis.Connection, name,
            new RedisQueueOptions { ConsumerGroup = "live", MaxUnacknowledgedLength = 20 });
        await bounded.EnqueueBatchAsync(Enumerable.Range(0, 50).Select(i => new WorkItem(i)));

        Assert.NotNull(await abandoned.DequeueAsync(TimeSpan.Zero)); // Reads ahead, then never acknowledges anything.
        for (int i = 0; i < 50; i++)
        {
            var delivery = await unbounded.DequeueAsync(Prompt);
            Assert.Equal(i, delivery!.Message.Number);
            await delivery.AckAsync();
        }

        IDatabase db = _redis.Connection.GetDatabase();
        Assert.Equal((0L, 0L), await unbounded.TrimAsync()); // Without a bound the abandoned group holds all 50.
        Assert.Equal(50, await db.StreamLengthAsync(bounded.StreamKey));

        Assert.Equal((0L, 30L), await bounded.TrimAsync());
        Assert.Equal(20, await db.StreamLengthAsync(bounded.StreamKey));
        StreamEntry[] kept = await db.StreamRangeAsync(bounded.StreamKey);
        Assert.Equal(Enumerable.Range(30, 20), kept.Select(e => JsonQueueSerializer.Default.Deserialize<WorkItem>((byte[])e["m"]!).Number));
        Assert.Equal(30, dropped.Total);
    }

    [Fact]
    public async Task Past_MaxUnacknowledgedAge_old_unacknowledged_entries_are_trimmed_and_counted()
    {
        string name = RedisServerFixture.UniqueKey("trim-age");
        using var dropped = new DroppedCounter();
        await using var abandoned = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { ConsumerGroup = "abandoned" });
        await using var live = new RedisReliableQueue<WorkItem>(_redis.Connection, name,
            new RedisQueueOptions { ConsumerGroup = "live", MaxUnacknowledgedAge = TimeSpan.FromHours(1) });

        // Five entries from long ago (an entry's id is its time on the server's clock), then five enqueued now.
        IDatabase db = _redis.Connection.GetDatabase();
        for (int i = 0; i < 5; i++)
        {
            await db.StreamAddAsync(live.StreamKey, "m", JsonQueueSerializer.Default.Serialize(new WorkItem(i)), messageId: $"{1000 + i}-0");
        }

        await live.EnqueueBatchAsync(Enumerable.Range(5, 5).Select(i => new WorkItem(i)));
        Assert.NotNull(await abandoned.DequeueAsync(TimeSpan.Zero));
        for (int i = 0; i < 10; i++)
        {
            var delivery = await live.DequeueAsync(Prompt);
            Assert.Equal(i, delivery!.Message.Number);
            await delivery.AckAsync();
        }

        await live.WhenAcksAnsweredForTesting(); // The last dequeues came from the read-ahead: their acks may be on the way.
        Assert.Equal((0L, 5L), await live.TrimAsync());
        StreamEntry[] kept = await db.StreamRangeAsync(live.StreamKey);
        Assert.Equal(Enumerable.Range(5, 5), kept.Select(e => JsonQueueSerializer.Default.Deserialize<WorkItem>((byte[])e["m"]!).Number));
        Assert.Equal(5, dropped.Total);
    }

    [Fact]
    public async Task Within_the_bounds_nothing_unacknowledged_is_trimmed_and_acknowledged_entries_still_are()
    {
        string name = RedisServerFixture.UniqueKey("trim-within");
        await using var lagging = new RedisReliableQueue<WorkItem>(_redis.Connection, name, new RedisQueueOptions { ConsumerGroup = "lagging", PrefetchCount = 1 });
        await using var live = new RedisReliableQueue<WorkItem>(_redis.Connection, name,
            new RedisQueueOptions { ConsumerGroup = "live", MaxUnacknowledgedLength = 100, MaxUnacknowledgedAge = TimeSpan.FromHours(1) });
        await live.EnqueueBatchAsync(Enumerable.Range(0, 30).Select(i => new WorkItem(i)));
        for (int i = 0; i < 30; i++)
        {
            await (await live.DequeueAsync(Prompt))!.AckAsync();
        }

        for (int i = 0; i < 10; i++)
        {
            await (await lagging.DequeueAsync(Prompt))!.AckAsync();
        }

        // The lagging group acknowledged 10: the trim stops at its last delivered entry (kept), none of the 20 it has not
        // read goes.
        await live.WhenAcksAnsweredForTesting(); // Pipelined acks of both groups recorded before trimming.
        await lagging.WhenAcksAnsweredForTesting();
        Assert.Equal((9L, 0L), await live.TrimAsync());
        Assert.Equal(21, await _redis.Connection.GetDatabase().StreamLengthAsync(live.StreamKey));
    }

    [Fact]
    public void Bounds_must_be_positive()
    {
        Assert.Equal("MaxUnacknowledgedLength", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new RedisReliableQueue<WorkItem>(_redis.Connection, "q", new RedisQueueOptions { MaxUnacknowledgedLength = 0 })).ParamName);
        Assert.Equal("MaxUnacknowledgedAge", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new RedisReliableQueue<WorkItem>(_redis.Connection, "q", new RedisQueueOptions { MaxUnacknowledgedAge = TimeSpan.Zero })).ParamName);
    }

    /// <summary>Sums <see cref="QueueTelemetry.TrimmedUnacknowledged"/> (only this class sets bounds, and its tests run
    /// one at a time).</summary>
    private sealed class DroppedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _total;

        public DroppedCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == QueueTelemetry.MeterName && instrument.Name == QueueTelemetry.TrimmedUnacknowledged)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
            _listener.Start();
        }

        public long Total => Interlocked.Read(ref _total);

        public void Dispose() => _listener.Dispose();
    }
}
