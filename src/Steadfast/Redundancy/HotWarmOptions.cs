using Microsoft.Extensions.Logging;
using Steadfast.Internal;

namespace Steadfast.Redundancy;

/// <summary>
/// Settings of a <see cref="HotWarm{TReplica}"/>. Checked when a pair is created: a bad value throws an exception whose
/// ParamName is the option's name.
/// </summary>
/// <typeparam name="TReplica">The replica type.</typeparam>
public sealed class HotWarmOptions<TReplica>
{
    private TimeSpan? _healthCheckTimeout;

    /// <summary>
    /// Answers whether a replica is healthy. Runs every <see cref="HeartbeatInterval"/> against both sides (so the
    /// standby is known to be warm). Returning <see langword="false"/>, throwing, or taking longer than
    /// <see cref="HealthCheckTimeout"/> (its token is then cancelled) counts as a failure. Required (not null).
    /// </summary>
    public Func<TReplica, CancellationToken, ValueTask<bool>> HealthCheck { get; init; } = null!;

    /// <summary>How often both sides are health-checked. Positive. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many consecutive failures of the active replica (failed health checks and handled call failures, in any mix;
    /// any success resets the count) make it fail over to the other side — if that side's last health check passed.
    /// At least 1. Default 3.
    /// </summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>
    /// Whether the actions given to <see cref="HotWarm{TReplica}.ExecuteAsync"/> may safely run twice. When
    /// <see langword="true"/>, a call that fails with a handled exception is retried once on the other side if that
    /// side is active now (the failure caused a failover) or known healthy, so no call is lost during a switchover.
    /// Default <see langword="false"/>: the failure surfaces to the caller.
    /// </summary>
    public bool Idempotent { get; init; }

    /// <summary>When to switch back to the primary after a failover. Default <see cref="FailbackPolicy.Manual"/>.</summary>
    public FailbackPolicy Failback { get; init; } = FailbackPolicy.Manual;

    /// <summary>
    /// With <see cref="FailbackPolicy.Automatic"/>: how long the primary must pass every health check before the pair
    /// switches back to it (guards against flapping). Not negative. Default 30 s.
    /// </summary>
    public TimeSpan FailbackGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one health check may take before it counts as failed (its token is cancelled; a check that ignores the
    /// token is abandoned). Positive. Default: half of <see cref="HeartbeatInterval"/>.
    /// </summary>
    /// <remarks>
    /// Keep it below the interval: a heartbeat that comes while the previous round is still running is skipped, so a
    /// timeout of a whole interval or more makes a hanging replica's checks come every other interval, and the
    /// documented switchover bound (<c>HeartbeatInterval × (FailureThreshold − 1)</c> plus one check) no longer holds.
    /// </remarks>
    public TimeSpan HealthCheckTimeout
    {
        get => _healthCheckTimeout ?? HeartbeatInterval / 2;
        init => _healthCheckTimeout = value;
    }

    /// <summary>
    /// Which exceptions thrown by calls count as failures of the replica. Others propagate without being counted.
    /// Default: every exception except <see cref="OperationCanceledException"/>. A cancellation of the caller's own
    /// token is never counted.
    /// </summary>
    public Func<Exception, bool> ShouldHandle { get; init; } = static ex => ex is not OperationCanceledException;

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives failover, switchover and health events. Optional.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is missing or out of range; ParamName is the option's name.</summary>
    internal void Validate()
    {
        const string type = "HotWarmOptions";
        if (HealthCheck is null)
        {
            throw OptionChecks.Missing(type, nameof(HealthCheck));
        }

        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(HeartbeatInterval), HeartbeatInterval, "must be positive");
        }

        if (FailureThreshold < 1)
        {
            throw OptionChecks.OutOfRange(type, nameof(FailureThreshold), FailureThreshold, "must be at least 1");
        }

        if (!Enum.IsDefined(Failback))
        {
            throw OptionChecks.OutOfRange(type, nameof(Failback), Failback, $"must be a defined {nameof(FailbackPolicy)} value");
        }

        if (FailbackGracePeriod < TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(FailbackGracePeriod), FailbackGracePeriod, "must not be negative");
        }

        if (HealthCheckTimeout <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(HealthCheckTimeout), HealthCheckTimeout, "must be positive");
        }

        if (ShouldHandle is null)
        {
            throw OptionChecks.Missing(type, nameof(ShouldHandle));
        }
    }
}
