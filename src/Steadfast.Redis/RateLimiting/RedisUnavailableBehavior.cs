namespace Steadfast.Redis.RateLimiting;

/// <summary>What a Redis rate limiter answers when Redis cannot be reached or fails the command.</summary>
public enum RedisUnavailableBehavior
{
    /// <summary>Fail closed (the default): the lease is not acquired. Protects the limited resource during an outage.</summary>
    Reject = 0,

    /// <summary>Fail open: the lease is acquired. Keeps serving during an outage, unlimited until Redis is back.</summary>
    Allow = 1,
}
