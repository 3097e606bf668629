using System.Diagnostics.Metrics;

namespace Steadfast.Redis.RateLimiting;

/// <summary>The instruments behind <see cref="RateLimitingTelemetry"/>.</summary>
internal static class RateLimitingMetrics
{
    private static readonly Meter Meter = new(RateLimitingTelemetry.MeterName, typeof(RateLimitingMetrics).Assembly.GetName().Version?.ToString());

    private static readonly Counter<long> Leases = Meter.CreateCounter<long>(
        RateLimitingTelemetry.Leases, "{lease}", "Leases handed out by Redis rate limiters.");

    private static readonly Counter<long> Unavailable = Meter.CreateCounter<long>(
        RateLimitingTelemetry.Unavailable, "{acquire}", "Acquire attempts decided by WhenUnavailable because Redis could not be reached.");

    private static readonly Histogram<double> QueueDuration = Meter.CreateHistogram<double>(
        RateLimitingTelemetry.QueueDuration, "s", "Time queued acquire calls waited.");

    public static void RecordLease(bool acquired)
    {
        if (Leases.Enabled)
        {
            Leases.Add(1, new KeyValuePair<string, object?>(RateLimitingTelemetry.OutcomeTag, acquired ? "acquired" : "rejected"));
        }
    }

    public static void RecordUnavailable(bool acquired, string reason)
    {
        if (Unavailable.Enabled)
        {
            Unavailable.Add(
                1,
                new KeyValuePair<string, object?>(RateLimitingTelemetry.OutcomeTag, acquired ? "acquired" : "rejected"),
                new KeyValuePair<string, object?>(RateLimitingTelemetry.UnavailableReasonTag, reason));
        }
    }

    public static void RecordQueued(string outcome, TimeSpan waited)
    {
        if (QueueDuration.Enabled)
        {
            QueueDuration.Record(waited.TotalSeconds, new KeyValuePair<string, object?>(RateLimitingTelemetry.OutcomeTag, outcome));
        }
    }
}
