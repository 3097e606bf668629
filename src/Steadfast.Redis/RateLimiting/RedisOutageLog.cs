using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// Logs acquires decided without Redis at most once per <see cref="Interval"/> per logger, with the count of those
/// not logged since: an outage under load decides thousands of acquires a second, across every partition's limiter.
/// Limiters that share a logger share the throttle.
/// </summary>
internal sealed class RedisOutageLog
{
    /// <summary>The least time between two warnings to one logger.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private static readonly ConditionalWeakTable<ILogger, RedisOutageLog> ByLogger = new();

    private static readonly Action<ILogger, string, string, string, long, Exception?> UnavailableMessage =
        LoggerMessage.Define<string, string, string, long>(LogLevel.Warning, new EventId(8101, "RateLimiterRedisUnavailable"),
            "Rate limiter {Key}: Redis unavailable ({Reason}); the acquire was {Decision} by WhenUnavailable. {Unlogged} more acquires were decided without Redis since the previous warning.");

    private readonly object _gate = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _lastLoggedAt;
    private bool _loggedOnce;
    private long _unlogged;

    private RedisOutageLog(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    /// <summary>The throttle of <paramref name="logger"/> (created on first use, with <paramref name="time"/> as its clock).</summary>
    public static RedisOutageLog For(ILogger logger, TimeProvider time) => ByLogger.GetValue(logger, l => new RedisOutageLog(l, time));

    public void Report(string key, string reason, bool admitted, Exception? error)
    {
        long now = _time.GetTimestamp();
        long unlogged;
        lock (_gate)
        {
            if (_loggedOnce && _time.GetElapsedTime(_lastLoggedAt, now) < Interval)
            {
                _unlogged++;
                return;
            }

            _loggedOnce = true;
            _lastLoggedAt = now;
            unlogged = _unlogged;
            _unlogged = 0;
        }

        UnavailableMessage(_logger, key, reason, admitted ? "admitted" : "rejected", unlogged, error);
    }
}
