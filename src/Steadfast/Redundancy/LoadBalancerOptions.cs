using Microsoft.Extensions.Logging;

namespace Steadfast.Redundancy;

/// <summary>How a <see cref="LoadBalancer{T}"/> picks a replica.</summary>
public enum LoadBalancingStrategy
{
    /// <summary>Each admitted replica in turn: over any run of calls, counts differ by at most one.</summary>
    RoundRobin = 0,

    /// <summary>The admitted replica with the fewest requests in flight; ties go round robin.</summary>
    LeastOutstanding = 1,

    /// <summary>Two distinct admitted replicas at random; the one with fewer requests in flight (the first on a tie).
    /// Nearly as good as least-outstanding without a global scan, and it does not herd onto one replica.</summary>
    PowerOfTwoChoices = 2,
}

/// <summary>
/// Settings of a <see cref="LoadBalancer{T}"/>. Every property is checked when it is set, with an exception naming it.
/// </summary>
public sealed class LoadBalancerOptions
{
    private int _ejectionThreshold = 5;
    private TimeSpan _ejectionCooldown = TimeSpan.FromSeconds(30);
    private Func<Exception, bool> _shouldHandle = static ex => ex is not OperationCanceledException;

    /// <summary>The picking strategy. Default <see cref="LoadBalancingStrategy.RoundRobin"/>.</summary>
    public LoadBalancingStrategy Strategy { get; init; } = LoadBalancingStrategy.RoundRobin;

    /// <summary>
    /// Consecutive failures after which a replica is ejected (gets no traffic) for <see cref="EjectionCooldown"/>;
    /// after the cool-down one probe request is let through: success re-admits it, failure ejects it again.
    /// 0 turns ejection off. At least 0. Default 5.
    /// </summary>
    public int EjectionThreshold
    {
        get => _ejectionThreshold;
        init => _ejectionThreshold = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(EjectionThreshold), value, $"{nameof(EjectionThreshold)} must not be negative.");
    }

    /// <summary>How long an ejected replica gets no traffic before it is probed. Positive. Default 30 s.</summary>
    public TimeSpan EjectionCooldown
    {
        get => _ejectionCooldown;
        init => _ejectionCooldown = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(EjectionCooldown), value, $"{nameof(EjectionCooldown)} must be positive.");
    }

    /// <summary>
    /// Which exceptions thrown through <see cref="LoadBalancer{T}.ExecuteAsync"/> count as the replica's failure.
    /// Default: every exception except <see cref="OperationCanceledException"/>.
    /// </summary>
    public Func<Exception, bool> ShouldHandle
    {
        get => _shouldHandle;
        init => _shouldHandle = value ?? throw new ArgumentNullException(nameof(ShouldHandle), $"{nameof(ShouldHandle)} must not be null.");
    }

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives ejection and re-admission events. Optional.</summary>
    public ILogger? Logger { get; init; }
}
