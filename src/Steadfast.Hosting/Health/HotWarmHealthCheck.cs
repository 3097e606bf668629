using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Steadfast.Redundancy;

namespace Steadfast.Hosting.Health;

/// <summary>
/// A hot-warm pair: Healthy on a healthy primary, Degraded while running on the standby (or with the standby unhealthy:
/// no failover left), Unhealthy when neither replica is healthy.
/// </summary>
internal sealed class HotWarmHealthCheck<TReplica>(string name, IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pair = services.GetRequiredKeyedService<HotWarm<TReplica>>(name);
        bool primary = pair.IsHealthy(ReplicaRole.Primary);
        bool standby = pair.IsHealthy(ReplicaRole.Standby);
        var data = new Dictionary<string, object>
        {
            ["active"] = pair.ActiveRole.ToString(),
            ["primaryHealthy"] = primary,
            ["standbyHealthy"] = standby,
        };
        HealthCheckResult result = (primary, standby, pair.ActiveRole) switch
        {
            (false, false, _) => new HealthCheckResult(context.Registration.FailureStatus, $"HotWarm '{name}': neither replica is healthy.", data: data),
            (_, _, ReplicaRole.Standby) => HealthCheckResult.Degraded($"HotWarm '{name}' runs on its standby.", data: data),
            (_, false, _) => HealthCheckResult.Degraded($"HotWarm '{name}': the standby is unhealthy (no failover left).", data: data),
            _ => HealthCheckResult.Healthy($"HotWarm '{name}' runs on its primary.", data),
        };
        return Task.FromResult(result);
    }
}
