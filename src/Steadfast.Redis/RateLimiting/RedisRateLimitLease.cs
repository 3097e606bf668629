using System.Threading.RateLimiting;

namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// A lease from a Redis limiter. Token-bucket permits are spent when granted, so disposing returns nothing. A lease
/// refused by the bucket carries <see cref="MetadataName.RetryAfter"/>; a lease decided by
/// <see cref="RedisUnavailableBehavior"/> carries <see cref="MetadataName.ReasonPhrase"/> and
/// <see cref="RedisRateLimiterMetadata.RedisUnavailable"/>.
/// </summary>
internal sealed class RedisRateLimitLease : RateLimitLease
{
    private static readonly string[] NoNames = [];
    private static readonly string[] RetryAfterNames = [MetadataName.RetryAfter.Name];
    private static readonly string[] ReasonNames = [MetadataName.ReasonPhrase.Name];
    private static readonly string[] UnavailableNames = [MetadataName.ReasonPhrase.Name, RedisRateLimiterMetadata.RedisUnavailable.Name];

    public static readonly RedisRateLimitLease Acquired = new(true, null, null);

    /// <summary>Refused without a retry hint (the queue was full of bigger requests, or the limiter was disposed).</summary>
    public static readonly RedisRateLimitLease Refused = new(false, null, null);

    public static readonly RedisRateLimitLease Deferred = new(false, null, "AttemptAcquire is deferred (DeferAttemptAcquire): call AcquireAsync.");

    private readonly TimeSpan? _retryAfter;
    private readonly string? _reason;
    private readonly string? _redisUnavailable;

    private RedisRateLimitLease(bool acquired, TimeSpan? retryAfter, string? reason, string? redisUnavailable = null)
    {
        IsAcquired = acquired;
        _retryAfter = retryAfter;
        _reason = reason;
        _redisUnavailable = redisUnavailable;
    }

    public override bool IsAcquired { get; }

    /// <summary>How long until the bucket can grant the request; null unless the bucket refused it.</summary>
    public TimeSpan? RetryAfter => _retryAfter;

    public override IEnumerable<string> MetadataNames =>
        _retryAfter is not null ? RetryAfterNames : _redisUnavailable is not null ? UnavailableNames : _reason is not null ? ReasonNames : NoNames;

    public static RedisRateLimitLease Rejected(TimeSpan retryAfter) => new(false, retryAfter, null);

    /// <summary>Decided without Redis; <paramref name="why"/> is the <see cref="RedisRateLimiterMetadata.RedisUnavailable"/> value.</summary>
    public static RedisRateLimitLease Unavailable(bool admitted, string why) => new(
        admitted,
        null,
        admitted ? $"Redis unavailable ({why}): admitted (WhenUnavailable = Allow)." : $"Redis unavailable ({why}): rejected (WhenUnavailable = Reject).",
        why);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (_retryAfter is { } retryAfter && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = retryAfter;
            return true;
        }

        if (_reason is not null && metadataName == MetadataName.ReasonPhrase.Name)
        {
            metadata = _reason;
            return true;
        }

        if (_redisUnavailable is not null && metadataName == RedisRateLimiterMetadata.RedisUnavailable.Name)
        {
            metadata = _redisUnavailable;
            return true;
        }

        metadata = null;
        return false;
    }
}
