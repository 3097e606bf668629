using Microsoft.Extensions.Diagnostics.HealthChecks;
using Steadfast.Hosting.Redundancy;

namespace Steadfast.Hosting.Health;

/// <summary>
/// A leader-only service's election as seen from this instance: Healthy when leading or standing by (data
/// <c>leader</c> says which: standing by is the normal state of every other instance), Degraded when the last term
/// ended in a failure of the work, Unhealthy when the service has stopped contending while the host still runs.
/// </summary>
internal sealed class LeadershipHealthCheck(string election, LeadershipStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var term = status.Current;
        var data = new Dictionary<string, object> { ["leader"] = term is not null };
        if (term is not null)
        {
            data["fencingToken"] = term.FencingToken;
        }

        HealthCheckResult result = status switch
        {
            { Stopped: true } => new HealthCheckResult(context.Registration.FailureStatus, $"Election '{election}': this instance no longer contends.", data: data),
            { LastFailure: { } failure } => HealthCheckResult.Degraded($"Election '{election}': the leader work failed; contending again.", failure, data),
            _ when term is not null => HealthCheckResult.Healthy($"Election '{election}': this instance leads.", data),
            _ => HealthCheckResult.Healthy($"Election '{election}': standing by.", data),
        };
        return Task.FromResult(result);
    }
}
