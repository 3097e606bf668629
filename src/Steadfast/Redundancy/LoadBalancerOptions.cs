using Microsoft.Extensions.Logging;
using Steadfast.Internal;

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
/// Settings of a <see cref="LoadBalancer{T}"/>. Checked when a balancer is created: a bad value throws an exception
/// whose ParamName is the option's name.
/// </summary>
public sealed class LoadBalancerOptions
{
    /// <summary>The picking strategy. Default <see cref="LoadBalancingStrategy.RoundRobin"/>.</summary>
    public LoadBalancingStrategy Strategy { get; init; } = LoadBalancingStrategy.RoundRobin;

    /// <summary>
    /// Consecutive failures after which a replica is ejected (gets no traffic) for <see cref="EjectionCooldown"/>;
    /// after the cool-down one probe request is let through: success re-admits it, failure ejects it again.
    /// 0 turns ejection off. At least 0. Default 5.
    /// </summary>
    public int EjectionThreshold { get; init; } = 5;

    /// <summary>How long an ejected replica gets no traffic before it is probed. Positive. Default 30 s.</summary>
    public TimeSpan EjectionCooldown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Which exceptions thrown through <see cref="LoadBalancer{T}.ExecuteAsync"/> count as the replica's failure.
    /// Default: every exception except <see cref="OperationCanceledException"/>.
    /// </summary>
    public Func<Exception, bool> ShouldHandle { get; init; } = static ex => ex is not OperationCanceledException;

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives ejection and re-admission events. Optional.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is out of range; ParamName is the option's name.</summary>
    internal void Validate()
    {
        const string type = nameof(LoadBalancerOptions);
        if (!Enum.IsDefined(Strategy))
        {
            throw OptionChecks.OutOfRange(type, nameof(Strategy), Strategy, $"must be a defined {nameof(LoadBalancingStrategy)} value");
        }

        if (EjectionThreshold < 0)
        {
            throw OptionChecks.OutOfRange(type, nameof(EjectionThreshold), EjectionThreshold, "must not be negative");
        }

        if (EjectionCooldown <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(EjectionCooldown), EjectionCooldown, "must be positive");
        }

        if (ShouldHandle is null)
        {
            throw OptionChecks.Missing(type, nameof(ShouldHandle));
        }
    }
}
