using System.Globalization;
using StackExchange.Redis;
using Steadfast.Chaos.History;
using Steadfast.Chaos.Workloads;

namespace Steadfast.Chaos.Faults;

/// <summary>Injects a scenario's fault into its topology, and records each injection.</summary>
internal sealed class FaultInjector(ChaosTopology topology, ChaosScenario scenario, TimeSpan stall, TimeSpan downtime, LostLockProbe? probe = null)
{
    private readonly List<FaultRecord> _faults = [];
    private LostLockProbe? _probe = probe;
    private bool _promoted;

    public IReadOnlyList<FaultRecord> Faults => _faults;

    /// <summary>False once a one-time fault (the promotion) has happened.</summary>
    public bool CanInject => scenario.Fault != FaultKind.ReplicaPromotion || !_promoted;

    public async Task InjectAsync()
    {
        long started = Clock.Now;
        long at = started;
        bool losesData = scenario.LosesData;
        switch (scenario.Fault)
        {
            case FaultKind.Kill9AofAlways:
            case FaultKind.Kill9AofEverysec:
            case FaultKind.Kill9NoPersistence:
                LostLockProbe? witness = Interlocked.Exchange(ref _probe, null); // The first kill only.
                if (witness is not null)
                {
                    await witness.AcquireBeforeFaultAsync().ConfigureAwait(false);
                }

                await topology.Primary.StopAsync().ConfigureAwait(false); // SIGKILL.
                at = Clock.Now; // Everything acknowledged before this moment was acknowledged before the crash.
                await Task.Delay(downtime).ConfigureAwait(false);
                await topology.Primary.RestartAsync().ConfigureAwait(false); // A start from the AOF.
                if (witness is not null)
                {
                    await witness.ContendAfterFaultAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                }

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
                at = await PromoteLaggingReplicaAsync().ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"Unknown fault {scenario.Fault}.");
        }

        _faults.Add(new FaultRecord(scenario.Fault, at, System.Diagnostics.Stopwatch.GetElapsedTime(started), losesData));
    }

    // A loopback port nobody listens on (taken from the OS and given back at once).
    private static int UnusedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private IServer PrimaryServer() => topology.Admin.GetServer(topology.Primary.EndPoint);

    /// <summary>
    /// Makes the replica lag — it is pointed at a port nobody listens on, so it keeps its data but takes nothing more
    /// from the primary, which keeps acknowledging — for the stall; then kills the primary, promotes the replica at once
    /// and starts a new replica of it (so WAIT can be satisfied again). Returns when the primary died.
    /// </summary>
    private async Task<long> PromoteLaggingReplicaAsync()
    {
        IServer replica = topology.Admin.GetServer(topology.Replica!.EndPoint);
        await replica.ExecuteAsync("REPLICAOF", "127.0.0.1", UnusedPort().ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        long lagEnds = Clock.Now + Clock.Ticks(stall);
        if (_probe is not null)
        {
            await _probe.AcquireBeforeFaultAsync().ConfigureAwait(false);
        }

        long remaining = lagEnds - Clock.Now;
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Clock.Milliseconds(remaining))).ConfigureAwait(false);
        }

        await topology.Primary.StopAsync().ConfigureAwait(false); // SIGKILL; it stays down.
        long at = Clock.Now;
        await replica.ExecuteAsync("REPLICAOF", "NO", "ONE").ConfigureAwait(false);
        _promoted = true;
        await topology.StartReplicaOfPromotedAsync().ConfigureAwait(false);
        if (_probe is not null)
        {
            await _probe.ContendAfterFaultAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        return at;
    }

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
