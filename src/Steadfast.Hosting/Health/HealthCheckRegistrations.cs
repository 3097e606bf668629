using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Steadfast.Hosting.Backends;
using Steadfast.Hosting.Configuration;
using Steadfast.Hosting.Redundancy;

namespace Steadfast.Hosting.Health;

/// <summary>
/// Adds a check for everything registered through the builder, read when the health-check service is built — so
/// <c>AddHealthChecks()</c> may come before or after the primitives it covers. Every check is tagged <c>steadfast</c>
/// and its kind (<c>redis</c>, <c>queue</c>, <c>circuit-breaker</c>, <c>hot-warm</c>, <c>leadership</c>).
/// </summary>
internal sealed class HealthCheckRegistrations(SteadfastRegistry registry, IServiceProvider services) : IConfigureOptions<HealthCheckServiceOptions>
{
    public const string Tag = "steadfast";

    public void Configure(HealthCheckServiceOptions options)
    {
        if (services.GetRequiredService<SteadfastBackend>().UsesRedis)
        {
            Add(options, "steadfast-redis", "redis", sp => new RedisHealthCheck(sp.GetRequiredService<SteadfastBackend>()));
        }

        foreach (QueueRegistration queue in registry.Queues)
        {
            Add(options, "steadfast-queue-" + queue.Name, "queue", queue.HealthCheck);
        }

        foreach (string breaker in registry.CircuitBreakers)
        {
            Add(options, "steadfast-circuit-breaker-" + breaker, "circuit-breaker",
                sp => new CircuitBreakerHealthCheck(breaker, sp.GetRequiredService<CircuitBreakerProvider>()));
        }

        foreach (ReplicaPairRegistration pair in registry.HotWarm)
        {
            Add(options, "steadfast-hot-warm-" + pair.Name, "hot-warm", pair.HealthCheck);
        }

        foreach (string election in registry.LeaderElections)
        {
            Add(options, "steadfast-leadership-" + election, "leadership",
                sp => new LeadershipHealthCheck(election, sp.GetRequiredKeyedService<LeadershipStatus>(election)));
        }
    }

    private static void Add(HealthCheckServiceOptions options, string name, string kind, Func<IServiceProvider, IHealthCheck> factory)
    {
        if (options.Registrations.Any(r => r.Name == name))
        {
            return;
        }

        options.Registrations.Add(new HealthCheckRegistration(name, factory, HealthStatus.Unhealthy, [Tag, kind]));
    }
}
