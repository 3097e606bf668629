using System.Diagnostics;

namespace Steadfast.Redis.RateLimiting;

/// <summary>The span of <see cref="RedisTokenBucketRateLimiter"/> (documented in docs/rate-limiting.md, "Tracing").</summary>
internal static class RateLimitingTracing
{
    public const string AcquireActivity = "steadfast.ratelimit.acquire";
    public const string QueuedEvent = "steadfast.ratelimit.queued";

    /// <summary>The bucket's name: fine on a span, never a metric tag (unbounded cardinality).</summary>
    public const string KeyTag = "steadfast.ratelimit.key";
    public const string PermitsTag = "steadfast.ratelimit.permits";
    public const string PermittedTag = "steadfast.ratelimit.permitted";
    public const string RetryAfterTag = "steadfast.ratelimit.retry_after";

    /// <summary>The error type when Redis was not even tried: the multiplexer had no connection to the bucket's primary.</summary>
    public const string NotConnectedErrorType = "redis_not_connected";

    public static Activity? StartAcquire(string key, int permitCount)
    {
        Activity? activity = SteadfastTracing.Source.StartActivity(AcquireActivity, ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(KeyTag, key);
            activity.SetTag(PermitsTag, permitCount);
        }

        return activity;
    }

    /// <summary>A refused request waits <paramref name="retryAfter"/> in the queue before asking Redis again.</summary>
    public static void Queued(Activity? activity, TimeSpan retryAfter)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.AddEvent(new ActivityEvent(QueuedEvent, tags: new ActivityTagsCollection { { RetryAfterTag, retryAfter.TotalSeconds } }));
        }
    }

    /// <summary>
    /// The round trip failed (<paramref name="error"/>) or could not be made (null): the span fails, whatever lease
    /// <c>WhenUnavailable</c> then hands out.
    /// </summary>
    public static void Unavailable(Activity? activity, Exception? error)
    {
        if (activity is null)
        {
            return;
        }

        if (error is not null)
        {
            activity.SetError(error);
            return;
        }

        activity.SetError(NotConnectedErrorType);
    }

    public static void Completed(Activity? activity, bool permitted)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(PermittedTag, permitted);
        }
    }
}
