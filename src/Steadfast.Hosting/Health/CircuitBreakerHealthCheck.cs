using Microsoft.Extensions.Diagnostics.HealthChecks;
using Steadfast.CircuitBreakers;

namespace Steadfast.Hosting.Health;

/// <summary>A breaker's state: Healthy when closed, Degraded when open, half-open or isolated (calls are being refused,
/// the application itself still runs).</summary>
internal sealed class CircuitBreakerHealthCheck(string name, CircuitBreakerProvider breakers) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        CircuitState state = breakers.Get(name).State;
        var data = new Dictionary<string, object> { ["state"] = state.ToString() };
        return Task.FromResult(state == CircuitState.Closed
            ? HealthCheckResult.Healthy($"Circuit '{name}' is closed.", data)
            : HealthCheckResult.Degraded($"Circuit '{name}' is {state}: calls through it are refused.", data: data));
    }
}
