using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// Factories for Redis rate limiters partitioned by a key drawn from each resource (a user, a tenant, an API key): one
/// <see cref="RedisTokenBucketRateLimiter"/> per partition, each with its own bucket in Redis.
/// </summary>
/// <remarks>
/// Built on the BCL's <see cref="PartitionedRateLimiter.Create{TResource, TPartitionKey}"/>, so partitions idle for a
/// while are dropped from memory (their buckets stay in Redis until their TTL) and disposing the partitioned limiter
/// disposes every partition.
/// </remarks>
public static class RedisRateLimiter
{
    /// <summary>A partitioned limiter whose partitions all use <paramref name="options"/>.</summary>
    /// <typeparam name="TResource">What is limited, e.g. <c>HttpContext</c>.</typeparam>
    /// <param name="multiplexer">The connection; shared, not owned.</param>
    /// <param name="partitionKey">The bucket name for a resource (never null or empty).</param>
    /// <param name="options">Every partition's options; checked here.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; ParamName and the message name it.</exception>
    public static PartitionedRateLimiter<TResource> CreatePartitioned<TResource>(
        IConnectionMultiplexer multiplexer, Func<TResource, string> partitionKey, RedisTokenBucketOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return CreatePartitioned(multiplexer, partitionKey, _ => options);
    }

    /// <summary>A partitioned limiter whose partitions take their options from <paramref name="optionsFactory"/>.</summary>
    /// <typeparam name="TResource">What is limited, e.g. <c>HttpContext</c>.</typeparam>
    /// <param name="multiplexer">The connection; shared, not owned.</param>
    /// <param name="partitionKey">The bucket name for a resource (never null or empty).</param>
    /// <param name="optionsFactory">
    /// Options for a partition, called once when the partition is first used; bad options throw from that acquire.
    /// </param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static PartitionedRateLimiter<TResource> CreatePartitioned<TResource>(
        IConnectionMultiplexer multiplexer, Func<TResource, string> partitionKey, Func<string, RedisTokenBucketOptions> optionsFactory)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(optionsFactory);
        return PartitionedRateLimiter.Create<TResource, string>(
            resource => GetTokenBucketPartition(multiplexer, partitionKey(resource), optionsFactory),
            StringComparer.Ordinal);
    }

    /// <summary>
    /// One partition for <see cref="PartitionedRateLimiter.Create{TResource, TPartitionKey}"/> or ASP.NET Core's
    /// <c>RateLimiterOptions.AddPolicy</c>: the Redis counterpart of <c>RateLimitPartition.GetTokenBucketLimiter</c>.
    /// </summary>
    /// <param name="multiplexer">The connection; shared, not owned.</param>
    /// <param name="partitionKey">The partition, also the bucket's name.</param>
    /// <param name="optionsFactory">Options for the partition, called once when it is first used.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static RateLimitPartition<string> GetTokenBucketPartition(
        IConnectionMultiplexer multiplexer, string partitionKey, Func<string, RedisTokenBucketOptions> optionsFactory)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(optionsFactory);
        return RateLimitPartition.Get(partitionKey, key => new RedisTokenBucketRateLimiter(multiplexer, key, optionsFactory(key)));
    }
}
