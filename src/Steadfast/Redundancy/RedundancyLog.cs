using Microsoft.Extensions.Logging;

namespace Steadfast.Redundancy;

/// <summary>
/// The redundancy log events. Event ids: 7001 hedge sent, 7002 replica failed (a read moved on), 7003 every replica
/// failed, 7004 write quorum reached with failures, 7005 write quorum missed, 7101 failover, 7102 failover impossible
/// (the other side is unhealthy), 7103 switchover completed, 7104 health check failed, 7201 leadership gained,
/// 7202 leadership lost, 7203 leadership released, 7204 election backend error, 7301 replica ejected,
/// 7302 replica re-admitted, 7401 fallback served.
/// </summary>
internal static class RedundancyLog
{
    private static readonly Action<ILogger, string?, int, int, TimeSpan, Exception?> HedgeSentMessage =
        LoggerMessage.Define<string?, int, int, TimeSpan>(LogLevel.Debug, new EventId(7001, "HedgeSent"),
            "HotHot {Name}: hedging replica {Replica} (attempt {Attempt}) after no answer for {HedgeDelay}.");

    private static readonly Action<ILogger, string?, int, Exception?> ReplicaFailedMessage =
        LoggerMessage.Define<string?, int>(LogLevel.Information, new EventId(7002, "ReplicaFailed"),
            "HotHot {Name}: replica {Replica} failed; moving on.");

    private static readonly Action<ILogger, string?, int, Exception?> AllFailedMessage =
        LoggerMessage.Define<string?, int>(LogLevel.Warning, new EventId(7003, "AllReplicasFailed"),
            "HotHot {Name}: all {Count} replicas tried failed.");

    private static readonly Action<ILogger, string?, string, int, Exception?> QuorumWithFailuresMessage =
        LoggerMessage.Define<string?, string, int>(LogLevel.Warning, new EventId(7004, "WriteQuorumWithFailures"),
            "HotHot {Name}: write reached its quorum but replicas {FailedReplicas} failed ({Succeeded} succeeded).");

    private static readonly Action<ILogger, string?, string, int, Exception?> QuorumMissedMessage =
        LoggerMessage.Define<string?, string, int>(LogLevel.Error, new EventId(7005, "WriteQuorumMissed"),
            "HotHot {Name}: write missed its quorum; replicas {FailedReplicas} failed ({Succeeded} succeeded).");

    private static readonly Action<ILogger, string?, ReplicaRole, ReplicaRole, FailoverReason, int, Exception?> FailoverMessage =
        LoggerMessage.Define<string?, ReplicaRole, ReplicaRole, FailoverReason, int>(LogLevel.Warning, new EventId(7101, "Failover"),
            "HotWarm {Name}: switching from {From} to {To} ({Reason}, {ConsecutiveFailures} consecutive failures).");

    private static readonly Action<ILogger, string?, ReplicaRole, ReplicaRole, int, Exception?> FailoverImpossibleMessage =
        LoggerMessage.Define<string?, ReplicaRole, ReplicaRole, int>(LogLevel.Error, new EventId(7102, "FailoverImpossible"),
            "HotWarm {Name}: {From} failed {ConsecutiveFailures} times in a row but {To} is not healthy; staying.");

    private static readonly Action<ILogger, string?, ReplicaRole, FailoverReason, TimeSpan, Exception?> SwitchoverMessage =
        LoggerMessage.Define<string?, ReplicaRole, FailoverReason, TimeSpan>(LogLevel.Information, new EventId(7103, "SwitchoverCompleted"),
            "HotWarm {Name}: {To} served its first success; switchover ({Reason}) took {SwitchoverTime}.");

    private static readonly Action<ILogger, string?, ReplicaRole, Exception?> HealthCheckFailedMessage =
        LoggerMessage.Define<string?, ReplicaRole>(LogLevel.Debug, new EventId(7104, "HealthCheckFailed"),
            "HotWarm {Name}: health check of {Role} failed.");

    private static readonly Action<ILogger, string, long, Exception?> LeadershipGainedMessage =
        LoggerMessage.Define<string, long>(LogLevel.Information, new EventId(7201, "LeadershipGained"),
            "Leader election {ElectionName}: became leader with fencing token {FencingToken}.");

    private static readonly Action<ILogger, string, long, Exception?> LeadershipLostMessage =
        LoggerMessage.Define<string, long>(LogLevel.Warning, new EventId(7202, "LeadershipLost"),
            "Leader election {ElectionName}: lost leadership (fencing token {FencingToken}); standing by.");

    private static readonly Action<ILogger, string, long, Exception?> LeadershipReleasedMessage =
        LoggerMessage.Define<string, long>(LogLevel.Information, new EventId(7203, "LeadershipReleased"),
            "Leader election {ElectionName}: released leadership (fencing token {FencingToken}).");

    private static readonly Action<ILogger, string, TimeSpan, Exception?> ElectionErrorMessage =
        LoggerMessage.Define<string, TimeSpan>(LogLevel.Warning, new EventId(7204, "ElectionBackendError"),
            "Leader election {ElectionName}: the lock backend failed; trying again in {RetryDelay}.");

    private static readonly Action<ILogger, string?, int, int, TimeSpan, Exception?> EjectedMessage =
        LoggerMessage.Define<string?, int, int, TimeSpan>(LogLevel.Warning, new EventId(7301, "ReplicaEjected"),
            "Load balancer {Name}: replica {Replica} ejected after {ConsecutiveFailures} consecutive failures for {Cooldown}.");

    private static readonly Action<ILogger, string?, int, Exception?> ReadmittedMessage =
        LoggerMessage.Define<string?, int>(LogLevel.Information, new EventId(7302, "ReplicaReadmitted"),
            "Load balancer {Name}: replica {Replica} passed its probe and is back in rotation.");

    private static readonly Action<ILogger, string?, string, Exception?> FallbackMessage =
        LoggerMessage.Define<string?, string>(LogLevel.Warning, new EventId(7401, "FallbackServed"),
            "Fallback {Name}: the primary path failed ({Reason}); serving the fallback.");

    public static void HedgeSent(ILogger? logger, string? name, int replica, int attempt, TimeSpan delay)
    {
        if (logger is not null && logger.IsEnabled(LogLevel.Debug))
        {
            HedgeSentMessage(logger, name, replica, attempt, delay, null);
        }
    }

    public static void ReplicaFailed(ILogger? logger, string? name, int replica, Exception exception)
    {
        if (logger is not null)
        {
            ReplicaFailedMessage(logger, name, replica, exception);
        }
    }

    public static void AllFailed(ILogger? logger, string? name, int count)
    {
        if (logger is not null)
        {
            AllFailedMessage(logger, name, count, null);
        }
    }

    public static void QuorumWithFailures(ILogger? logger, string? name, QuorumWriteResult result)
    {
        if (logger is not null)
        {
            QuorumWithFailuresMessage(logger, name, string.Join(",", result.Failures.Select(f => f.ReplicaIndex)), result.Succeeded.Count,
                result.Failures[0].Exception);
        }
    }

    public static void QuorumMissed(ILogger? logger, string? name, QuorumWriteResult result)
    {
        if (logger is not null)
        {
            QuorumMissedMessage(logger, name, string.Join(",", result.Failures.Select(f => f.ReplicaIndex)), result.Succeeded.Count,
                result.Failures.Count > 0 ? result.Failures[0].Exception : null);
        }
    }

    public static void Failover(ILogger? logger, string? name, ReplicaRole from, ReplicaRole to, FailoverReason reason, int failures, Exception? last)
    {
        if (logger is not null)
        {
            FailoverMessage(logger, name, from, to, reason, failures, last);
        }
    }

    public static void FailoverImpossible(ILogger? logger, string? name, ReplicaRole from, ReplicaRole to, int failures, Exception? last)
    {
        if (logger is not null)
        {
            FailoverImpossibleMessage(logger, name, from, to, failures, last);
        }
    }

    public static void Switchover(ILogger? logger, string? name, ReplicaRole to, FailoverReason reason, TimeSpan elapsed)
    {
        if (logger is not null)
        {
            SwitchoverMessage(logger, name, to, reason, elapsed, null);
        }
    }

    public static void HealthCheckFailed(ILogger? logger, string? name, ReplicaRole role, Exception? exception)
    {
        if (logger is not null && logger.IsEnabled(LogLevel.Debug))
        {
            HealthCheckFailedMessage(logger, name, role, exception);
        }
    }

    public static void LeadershipGained(ILogger? logger, string name, long token)
    {
        if (logger is not null)
        {
            LeadershipGainedMessage(logger, name, token, null);
        }
    }

    public static void LeadershipLost(ILogger? logger, string name, long token)
    {
        if (logger is not null)
        {
            LeadershipLostMessage(logger, name, token, null);
        }
    }

    public static void LeadershipReleased(ILogger? logger, string name, long token)
    {
        if (logger is not null)
        {
            LeadershipReleasedMessage(logger, name, token, null);
        }
    }

    public static void ElectionError(ILogger? logger, string name, TimeSpan retry, Exception exception)
    {
        if (logger is not null)
        {
            ElectionErrorMessage(logger, name, retry, exception);
        }
    }

    public static void Ejected(ILogger? logger, string? name, int replica, int failures, TimeSpan cooldown)
    {
        if (logger is not null)
        {
            EjectedMessage(logger, name, replica, failures, cooldown, null);
        }
    }

    public static void Readmitted(ILogger? logger, string? name, int replica)
    {
        if (logger is not null)
        {
            ReadmittedMessage(logger, name, replica, null);
        }
    }

    public static void FallbackServed(ILogger? logger, string? name, string reason, Exception exception)
    {
        if (logger is not null)
        {
            FallbackMessage(logger, name, reason, exception);
        }
    }
}
