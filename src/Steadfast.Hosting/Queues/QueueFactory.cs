using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Steadfast.Hosting.Backends;
using Steadfast.Hosting.Configuration;
using Steadfast.Queues;

namespace Steadfast.Hosting.Queues;

/// <summary>Builds the queue registered under a name, on the chosen backend, from its settings.</summary>
internal static class QueueFactory
{
    public static IReliableQueue<T> Create<T>(IServiceProvider services, string name)
    {
        SteadfastBackend backend = services.GetRequiredService<SteadfastBackend>();
        QueueSettings settings = services.GetRequiredService<IOptionsMonitor<QueueSettings>>().Get(name);
        TimeProvider time = services.Clock();
        if (!backend.UsesRedis)
        {
            return new InMemoryReliableQueue<T>(settings.ToInMemoryOptions(), time) { Name = name };
        }

        return new RedisReliableQueue<T>(backend.Multiplexer, name, new RedisQueueOptions
        {
            VisibilityTimeout = settings.VisibilityTimeout,
            MaxDeliveries = settings.MaxDeliveries,
            DeadLetterCapacity = settings.DeadLetterCapacity,
            ConsumerGroup = settings.ConsumerGroup,
            ConsumerName = string.IsNullOrEmpty(settings.ConsumerName) ? null : settings.ConsumerName,
            KeyPrefix = settings.KeyPrefix,
            PrefetchCount = settings.PrefetchCount,
            IdleRecheckInterval = settings.IdleRecheckInterval,
            TimeProvider = time,
            Logger = services.LoggerFor<RedisReliableQueue<T>>(),
        });
    }
}
