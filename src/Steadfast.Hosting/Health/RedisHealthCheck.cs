using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Steadfast.Hosting.Backends;

namespace Steadfast.Hosting.Health;

/// <summary>Redis reachable: Healthy when a PING is answered, Unhealthy when it is not (or the connection is down).</summary>
internal sealed class RedisHealthCheck(SteadfastBackend backend) : IHealthCheck
{
    // Bounds the PING in real time whatever the multiplexer's timeouts are; the caller's token may end it sooner.
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var multiplexer = backend.Multiplexer;
            if (!multiplexer.IsConnected)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, "Redis is not connected.");
            }

            long start = Stopwatch.GetTimestamp();
            TimeSpan latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(PingTimeout, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.", new Dictionary<string, object>
            {
                ["latencyMs"] = latency.TotalMilliseconds,
                ["checkMs"] = Stopwatch.GetElapsedTime(start).TotalMilliseconds,
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis did not answer: " + ex.Message, ex);
        }
    }
}
