using Steadfast.Locks;
using Steadfast.Queues;
using Steadfast.Redis.RateLimiting;
using Steadfast.Redundancy;

namespace Steadfast;

/// <summary>The names Steadfast's telemetry is published under.</summary>
public static class SteadfastInstrumentation
{
    /// <summary>The ActivitySource of every Steadfast trace.</summary>
    public const string ActivitySourceName = SteadfastTracing.ActivitySourceName;

    /// <summary>Every Steadfast meter: locks, queues, circuit breakers, redundancy, rate limiting.</summary>
    public static IReadOnlyList<string> MeterNames { get; } =
    [
        LockTelemetry.MeterName,
        QueueTelemetry.MeterName,
        // CircuitBreakerTelemetry's name is not public in Steadfast; this is its value.
        "Steadfast.CircuitBreakers",
        RedundancyTelemetry.MeterName,
        RateLimitingTelemetry.MeterName,
    ];
}
