using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Steadfast.Hosting.Configuration;

/// <summary>
/// What one service collection registered through <see cref="SteadfastBuilder"/>: kept as a singleton instance, so
/// health checks added at any point cover every queue, breaker, replica pair and election, whatever the call order.
/// </summary>
internal sealed class SteadfastRegistry
{
    public bool CoreAdded { get; set; }

    public bool HealthChecksAdded { get; set; }

    /// <summary>Set by <see cref="SteadfastBuilder.UseRedis()"/>: where the multiplexer comes from.</summary>
    public Func<IServiceProvider, IConnectionMultiplexer>? MultiplexerFactory { get; set; }

    public List<QueueRegistration> Queues { get; } = [];

    public HashSet<string> CircuitBreakers { get; } = new(StringComparer.Ordinal);

    public HashSet<string> RetryPolicies { get; } = new(StringComparer.Ordinal);

    public HashSet<string> RateLimiters { get; } = new(StringComparer.Ordinal);

    public List<ReplicaPairRegistration> HotWarm { get; } = [];

    public HashSet<string> LeaderElections { get; } = new(StringComparer.Ordinal);

    public static SteadfastRegistry GetOrAdd(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(SteadfastRegistry) && descriptor.ImplementationInstance is SteadfastRegistry existing)
            {
                return existing;
            }
        }

        var registry = new SteadfastRegistry();
        services.AddSingleton(registry);
        return registry;
    }
}

/// <summary>A queue registered under <paramref name="Name"/>, with the factory of its typed health check.</summary>
internal sealed record QueueRegistration(string Name, Type MessageType, Func<IServiceProvider, IHealthCheck> HealthCheck);

/// <summary>A hot-warm pair registered under <paramref name="Name"/>, with the factory of its typed health check.</summary>
internal sealed record ReplicaPairRegistration(string Name, Type ReplicaType, Func<IServiceProvider, IHealthCheck> HealthCheck);
