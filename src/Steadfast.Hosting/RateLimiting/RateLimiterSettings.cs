using Steadfast.Hosting.Configuration;
using Steadfast.Redis.RateLimiting;

namespace Steadfast.Hosting;

/// <summary>
/// The section <c>Steadfast:RateLimiters:NAME</c>: a token bucket per partition (the BCL's
/// <c>TokenBucketRateLimiter</c> in memory, <see cref="RedisTokenBucketRateLimiter"/> on Redis). Every value reloads:
/// partitions created after a change use the new values, and the old ones are dropped once idle.
/// </summary>
public sealed class RateLimiterSettings : IValidatedSettings
{
    /// <summary>The most tokens a bucket holds (the burst). Default 100. At least 1.</summary>
    public int TokenLimit { get; set; } = 100;

    /// <summary>Tokens added each period. Default 100. At least 1.</summary>
    public int TokensPerPeriod { get; set; } = 100;

    /// <summary>How often tokens are added. Default 1 s. Between 1 ms and 365 days.</summary>
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Permits that may wait for tokens instead of being refused. Default 0. Not negative.</summary>
    public int QueueLimit { get; set; }

    /// <summary>Redis: what a request gets while Redis cannot be reached, <c>Reject</c> (default) or <c>Allow</c>.</summary>
    public RedisUnavailableBehavior WhenUnavailable { get; set; } = RedisUnavailableBehavior.Reject;

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        errors.AtLeast(nameof(TokenLimit), TokenLimit, 1);
        errors.AtLeast(nameof(TokensPerPeriod), TokensPerPeriod, 1);
        if (ReplenishmentPeriod < TimeSpan.FromMilliseconds(1) || ReplenishmentPeriod > TimeSpan.FromDays(365))
        {
            errors.Add(nameof(ReplenishmentPeriod), ReplenishmentPeriod, "must be at least 1 ms and at most 365 days");
        }

        errors.AtLeast(nameof(QueueLimit), QueueLimit, 0);
        errors.Defined(nameof(WhenUnavailable), WhenUnavailable);
    }
}
