using Steadfast.Queues;
using Steadfast.Testing.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Queues;

/// <summary>The shared queue contract, on a real redis-server, in real time (short visibility timeout).</summary>
public sealed class RedisReliableQueueContractTests : ReliableQueueContractTests, IClassFixture<RedisServerFixture>, IAsyncLifetime
{
    private readonly RedisServerFixture _redis;
    private readonly List<RedisReliableQueue<WorkItem>> _queues = [];
    private readonly Dictionary<RedisReliableQueue<WorkItem>, RedisQueueOptions> _options = [];

    public RedisReliableQueueContractTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    protected override TimeSpan VisibilityTimeout => TimeSpan.FromMilliseconds(400);

    protected override IReliableQueue<WorkItem> CreateQueue(QueueOptions? options = null)
    {
        options ??= new QueueOptions { VisibilityTimeout = VisibilityTimeout };
        var redisOptions = new RedisQueueOptions
        {
            VisibilityTimeout = options.VisibilityTimeout,
            MaxDeliveries = options.MaxDeliveries,
            DeadLetterCapacity = options.DeadLetterCapacity,
        };
        return Track(new RedisReliableQueue<WorkItem>(_redis.Connection, RedisServerFixture.UniqueKey("contract"), redisOptions), redisOptions);
    }

    protected override IReliableQueue<WorkItem> CreatePeer(IReliableQueue<WorkItem> queue)
    {
        var original = (RedisReliableQueue<WorkItem>)queue;
        RedisQueueOptions options = _options[original];
        return Track(new RedisReliableQueue<WorkItem>(_redis.Connection, original.Name, options), options);
    }

    protected override Task AdvanceAsync(TimeSpan time) => Task.Delay(time);

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
