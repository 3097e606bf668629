using System.Globalization;
using StackExchange.Redis;
using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Faults;

/// <summary>Injects a scenario's fault into its topology, and records each injection.</summary>
internal sealed class FaultInjector(ChaosTopology topology, ChaosScenario scenario, TimeSpan stall, TimeSpan downtime)
{
    private readonly List<FaultRecord> _faults = [];
    private bool _promoted;

    public IReadOnlyList<FaultRecord> Faults => _faults;

    /// <summary>False once a one-time fault (the promotion) has happened.</summary>
    public bool CanInject => scenario.Fault != FaultKind.ReplicaPromotion || !_promoted;

    public async Task InjectAsync()
    {
        long started = Clock.Now;
        long at = started;
        bool losesData = scenario.LossWindow > TimeSpan.Zero;
        switch (scenario.Fault)
        {
            case FaultKind.Kill9AofAlways:
            case FaultKind.Kill9AofEverysec:
            case FaultKind.Kill9NoPersistence:
                await topology.Primary.StopAsync().ConfigureAwait(false); // SIGKILL.
                at = Clock.Now; // Everything acknowledged before this moment was acknowledged before the crash.
                await Task.Delay(downtime).ConfigureAwait(false);
                await topology.Primary.RestartAsync().ConfigureAwait(false); // A start from the AOF.
                break;
            case FaultKind.Restart:
                await ShutdownAsync().ConfigureAwait(false);
                at = Clock.Now;
                await Task.Delay(downtime).ConfigureAwait(false);
                await topology.Primary.RestartAsync().ConfigureAwait(false);
                break;
            case FaultKind.ClientPause:
                await PrimaryServer().ExecuteAsync("CLIENT", "PAUSE", (long)stall.TotalMilliseconds, "ALL").ConfigureAwait(false);
                await Task.Delay(stall).ConfigureAwait(false);
                break;
            case FaultKind.DebugSleep:
                // The reply comes when the server wakes.
                await PrimaryServer().ExecuteAsync("DEBUG", "SLEEP", stall.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture))
                    .ConfigureAwait(false);
                break;
            case FaultKind.ReplicaPromotion:
                await topology.Primary.StopAsync().ConfigureAwait(false); // SIGKILL; it stays down.
                at = Clock.Now;
                await topology.Admin.GetServer(topology.Replica!.EndPoint).ExecuteAsync("REPLICAOF", "NO", "ONE").ConfigureAwait(false);
                _promoted = true;
                break;
            default:
                throw new InvalidOperationException($"Unknown fault {scenario.Fault}.");
        }

        _faults.Add(new FaultRecord(scenario.Fault, at, System.Diagnostics.Stopwatch.GetElapsedTime(started), losesData));
    }

    private IServer PrimaryServer() => topology.Admin.GetServer(topology.Primary.EndPoint);

    // SHUTDOWN flushes the AOF and exits; the connection drops instead of a reply.
    private async Task ShutdownAsync()
    {
        try
        {
            await PrimaryServer().ExecuteAsync("SHUTDOWN").ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Expected: the server closed the connection.
        }

        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (topology.Primary.IsRunning && DateTime.UtcNow < deadline)
        {
            // Polling another process for its exit; bounded by the deadline.
            await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
