using System.Diagnostics.Metrics;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Instruments of the "Steadfast.CircuitBreakers" meter. Each is tagged with <c>circuit</c> (the breaker's name).
/// </summary>
internal static class CircuitBreakerTelemetry
{
    public const string MeterName = "Steadfast.CircuitBreakers";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Calls rejected without being attempted (open, isolated, or half-open with no probe slot).</summary>
    public static readonly Counter<long> Rejected = Meter.CreateCounter<long>(
        "steadfast.circuit_breaker.rejected", unit: "{call}", description: "Calls rejected by an open, isolated or saturated half-open circuit.");

    /// <summary>State transitions, also tagged with <c>state</c> (the new state).</summary>
    public static readonly Counter<long> Transitions = Meter.CreateCounter<long>(
        "steadfast.circuit_breaker.transitions", unit: "{transition}", description: "Circuit state transitions.");

    /// <summary>Failed calls to the shared state store (the breaker carried on in-process).</summary>
    public static readonly Counter<long> StoreErrors = Meter.CreateCounter<long>(
        "steadfast.circuit_breaker.store_errors", unit: "{error}", description: "Failed calls to the circuit state store.");
}
