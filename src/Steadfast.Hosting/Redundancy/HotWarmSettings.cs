using Steadfast.Hosting.Configuration;
using Steadfast.Redundancy;

namespace Steadfast.Hosting;

/// <summary>The section <c>Steadfast:HotWarm:NAME</c>: an active-passive pair. Read when the pair is created: changes need a restart.</summary>
public sealed class HotWarmSettings : IValidatedSettings
{
    private static readonly HotWarmOptions<object> Defaults = new();

    /// <summary>How often both replicas are health-checked. Default 1 s. Positive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = Defaults.HeartbeatInterval;

    /// <summary>Consecutive failures (heartbeats or calls) that make the active replica fail over. Default 3. At least 1.</summary>
    public int FailureThreshold { get; set; } = Defaults.FailureThreshold;

    /// <summary>Whether calls may be retried on the other replica after a failure (only for idempotent calls). Default false.</summary>
    public bool Idempotent { get; set; }

    /// <summary><c>Manual</c> (default) or <c>Automatic</c>: whether the primary takes over again once healthy for the grace period.</summary>
    public FailbackPolicy Failback { get; set; } = Defaults.Failback;

    /// <summary>How long the primary must stay healthy before an automatic failback. Default 30 s. Not negative.</summary>
    public TimeSpan FailbackGracePeriod { get; set; } = Defaults.FailbackGracePeriod;

    /// <summary>The bound on one health check; empty (default) for the heartbeat interval. Positive.</summary>
    public TimeSpan? HealthCheckTimeout { get; set; }

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        errors.Positive(nameof(HeartbeatInterval), HeartbeatInterval);
        errors.AtLeast(nameof(FailureThreshold), FailureThreshold, 1);
        errors.Defined(nameof(Failback), Failback);
        errors.NotNegative(nameof(FailbackGracePeriod), FailbackGracePeriod);
        if (HealthCheckTimeout is { } timeout)
        {
            errors.Positive(nameof(HealthCheckTimeout), timeout);
        }
    }

    internal HotWarmOptions<TReplica> ToOptions<TReplica>(string name, Func<TReplica, CancellationToken, ValueTask<bool>> healthCheck,
        Microsoft.Extensions.Logging.ILogger logger) => new()
    {
        Name = name,
        HealthCheck = healthCheck,
        HeartbeatInterval = HeartbeatInterval,
        FailureThreshold = FailureThreshold,
        Idempotent = Idempotent,
        Failback = Failback,
        FailbackGracePeriod = FailbackGracePeriod,
        // Unset means the heartbeat interval, which is also what the runtime's default resolves to.
        HealthCheckTimeout = HealthCheckTimeout ?? HeartbeatInterval,
        Logger = logger,
    };
}
