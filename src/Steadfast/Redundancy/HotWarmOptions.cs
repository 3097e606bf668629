using Microsoft.Extensions.Logging;

namespace Steadfast.Redundancy;

/// <summary>
/// Settings of a <see cref="HotWarm{TReplica}"/>. Every property is checked when it is set (and
/// <see cref="HealthCheck"/> by the constructor), so a bad value fails with an exception naming the property.
/// </summary>
/// <typeparam name="TReplica">The replica type.</typeparam>
public sealed class HotWarmOptions<TReplica>
{
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(1);
    private int _failureThreshold = 3;
    private TimeSpan _failbackGracePeriod = TimeSpan.FromSeconds(30);
    private TimeSpan? _healthCheckTimeout;
    private Func<Exception, bool> _shouldHandle = static ex => ex is not OperationCanceledException;

    /// <summary>
    /// Answers whether a replica is healthy. Runs every <see cref="HeartbeatInterval"/> against both sides (so the
    /// standby is known to be warm). Returning <see langword="false"/>, throwing, or taking longer than
    /// <see cref="HealthCheckTimeout"/> (its token is then cancelled) counts as a failure. Required.
    /// </summary>
    public Func<TReplica, CancellationToken, ValueTask<bool>> HealthCheck { get; init; } = null!;

    /// <summary>How often both sides are health-checked. Positive. Default 1 s.</summary>
    public TimeSpan HeartbeatInterval
    {
        get => _heartbeatInterval;
        init => _heartbeatInterval = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), value, $"{nameof(HeartbeatInterval)} must be positive.");
    }

    /// <summary>
    /// How many consecutive failures of the active replica (failed health checks and handled call failures, in any mix;
    /// any success resets the count) make it fail over to the other side — if that side's last health check passed.
    /// At least 1. Default 3.
    /// </summary>
    public int FailureThreshold
    {
        get => _failureThreshold;
        init => _failureThreshold = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(FailureThreshold), value, $"{nameof(FailureThreshold)} must be at least 1.");
    }

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
    public TimeSpan FailbackGracePeriod
    {
        get => _failbackGracePeriod;
        init => _failbackGracePeriod = value >= TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(FailbackGracePeriod), value, $"{nameof(FailbackGracePeriod)} must not be negative.");
    }

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
        get => _healthCheckTimeout ?? _heartbeatInterval / 2;
        init => _healthCheckTimeout = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(HealthCheckTimeout), value, $"{nameof(HealthCheckTimeout)} must be positive.");
    }

    /// <summary>
    /// Which exceptions thrown by calls count as failures of the replica. Others propagate without being counted.
    /// Default: every exception except <see cref="OperationCanceledException"/>. A cancellation of the caller's own
    /// token is never counted.
    /// </summary>
    public Func<Exception, bool> ShouldHandle
    {
        get => _shouldHandle;
        init => _shouldHandle = value ?? throw new ArgumentNullException(nameof(ShouldHandle), $"{nameof(ShouldHandle)} must not be null.");
    }

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives failover, switchover and health events. Optional.</summary>
    public ILogger? Logger { get; init; }
}
