using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Conditions;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>
/// The shared queue contract on a real redis-server, on a fake clock. A Redis queue has two clocks: its own (dequeue
/// waits, the fallback re-read, the reclaim interval, the age of read-ahead entries: <see cref="RedisQueueOptions.TimeProvider"/>)
/// and the server's, which times the visibility timeout by the idle time of each pending entry. Advancing moves both:
/// the fake clock, and every pending entry's idle time (XCLAIM … IDLE … JUSTID to the entry's own consumer, which keeps
/// its delivery count). The visibility timeout is long, so the real time a test takes never makes an entry claimable.
/// </summary>
public sealed class RedisReliableQueueContractTests : ReliableQueueContractTests, IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly RedisServerFixture _redis;
    private readonly List<RedisReliableQueue<WorkItem>> _queues = [];
    private readonly Dictionary<RedisReliableQueue<WorkItem>, RedisQueueOptions> _options = [];
    private readonly FakeTimeProvider _time = new();

    public RedisReliableQueueContractTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    protected override TimeSpan VisibilityTimeout => TimeSpan.FromSeconds(30);

    protected override IReliableQueue<WorkItem> CreateQueue(QueueOptions? options = null)
    {
        options ??= new QueueOptions { VisibilityTimeout = VisibilityTimeout };
        var redisOptions = new RedisQueueOptions
        {
            VisibilityTimeout = options.VisibilityTimeout,
            MaxDeliveries = options.MaxDeliveries,
            DeadLetterCapacity = options.DeadLetterCapacity,
            TimeProvider = _time,
        };
        return Track(new RedisReliableQueue<WorkItem>(_redis.Connection, RedisServerFixture.UniqueKey("contract"), redisOptions), redisOptions);
    }

    protected override IReliableQueue<WorkItem> CreatePeer(IReliableQueue<WorkItem> queue)
    {
        var original = (RedisReliableQueue<WorkItem>)queue;
        RedisQueueOptions options = _options[original];
        return Track(new RedisReliableQueue<WorkItem>(_redis.Connection, original.Name, options), options);
    }

    protected override async Task AdvanceAsync(TimeSpan time)
    {
        IDatabase db = _redis.Connection.GetDatabase();
        RedisReliableQueue<WorkItem>[] queues;
        lock (_queues)
        {
            queues = [.. _queues];
        }

        foreach (var stream in queues.Select(q => (q.StreamKey, q.ConsumerGroup)).Distinct())
        {
            if (!await GroupExistsAsync(db, stream.StreamKey, stream.ConsumerGroup))
            {
                continue;
            }

            foreach (StreamPendingMessageInfo pending in await db.StreamPendingMessagesAsync(stream.StreamKey, stream.ConsumerGroup, int.MaxValue, RedisValue.Null))
            {
                await db.ExecuteAsync("XCLAIM", stream.StreamKey, stream.ConsumerGroup, pending.ConsumerName, 0, pending.MessageId,
                    "IDLE", pending.IdleTimeInMilliseconds + (long)time.TotalMilliseconds, "JUSTID");
            }
        }

        _time.Advance(time);
    }

    protected override async Task UntilWaitingAsync(IReliableQueue<WorkItem> consumer)
    {
        // A waiting consumer is subscribed to the queue's enqueue notifications (channel documented on RedisQueueOptions).
        var queue = (RedisReliableQueue<WorkItem>)consumer;
        RedisChannel channel = queue.WakeChannel;
        Assert.Equal(RedisChannel.Literal($"steadfast:queue:{queue.Name}:wake"), channel); // Classic on a standalone server.
        IServer server = _redis.Connection.GetServer(_redis.Server.EndPoint);
        await Until.TrueAsync(async () => await server.SubscriptionSubscriberCountAsync(channel) > 0, "the consumer subscribing", Prompt);
    }

    protected override Task UntilAcksRecordedAsync(IReliableQueue<WorkItem> queue) =>
        ((RedisReliableQueue<WorkItem>)queue).WhenAcksAnsweredForTesting();

    private static async Task<bool> GroupExistsAsync(IDatabase db, RedisKey stream, string group) =>
        await db.KeyExistsAsync(stream)
        && (await db.StreamGroupInfoAsync(stream)).Any(g => g.Name == group);

    protected override async Task<IReadOnlyList<DeadLetter<WorkItem>>> GetDeadLettersAsync(IReliableQueue<WorkItem> queue) =>
        await ((RedisReliableQueue<WorkItem>)queue).ReadDeadLettersAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            await queue.DisposeAsync();
        }
    }

    private RedisReliableQueue<WorkItem> Track(RedisReliableQueue<WorkItem> queue, RedisQueueOptions options)
    {
        lock (_queues)
        {
            _queues.Add(queue);
            _options[queue] = options;
        }

        return queue;
    }
}
