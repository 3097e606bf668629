using System.Threading.RateLimiting;

namespace Steadfast.Redis.RateLimiting;

/// <summary>Lease metadata that Redis rate limiters add beside the BCL's <see cref="MetadataName"/> entries.</summary>
public static class RedisRateLimiterMetadata
{
    /// <summary>
    /// Present only on a lease decided without Redis (by <see cref="RedisTokenBucketOptions.WhenUnavailable"/>), so an
    /// application can tell an outage from throttling — answer 503 rather than 429. The value says why:
    /// <c>disconnected</c> (not connected to the key's primary: answered at once), <c>timeout</c> (the command timed
    /// out) or <c>error</c> (the command failed).
    /// </summary>
    public static MetadataName<string> RedisUnavailable { get; } = MetadataName.Create<string>("STEADFAST_REDIS_UNAVAILABLE");
}
