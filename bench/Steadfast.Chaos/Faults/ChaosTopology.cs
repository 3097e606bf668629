using StackExchange.Redis;
using Steadfast.Chaos.Worker;
using Steadfast.Testing.Redis;

namespace Steadfast.Chaos.Faults;

/// <summary>The redis-server processes of one scenario and an admin connection to inject faults with.</summary>
internal sealed class ChaosTopology : IAsyncDisposable
{
    private ChaosTopology(RedisServer primary, RedisServer? replica, ConnectionMultiplexer admin)
    {
        Primary = primary;
        Replica = replica;
        Admin = admin;
        EndPoints = replica is null ? [primary.EndPoint] : [primary.EndPoint, replica.EndPoint];
    }

    public RedisServer Primary { get; }

    public RedisServer? Replica { get; }

    /// <summary>Every endpoint clients are given (the replica too, so they find it once promoted).</summary>
    public IReadOnlyList<string> EndPoints { get; }

    /// <summary>Admin commands (CLIENT PAUSE, DEBUG SLEEP, SHUTDOWN, REPLICAOF); timeouts above any stall injected.</summary>
    public ConnectionMultiplexer Admin { get; }

    public static async Task<ChaosTopology> StartAsync(ChaosScenario scenario)
    {
        RedisServer primary = await RedisServer.StartAsync(PrimaryOptions(scenario.Fault)).ConfigureAwait(false);
        RedisServer? replica = null;
        try
        {
            if (scenario.Fault == FaultKind.ReplicaPromotion)
            {
                replica = await RedisServer.StartAsync(ReplicaOptions(primary)).ConfigureAwait(false);
            }

            ConfigurationOptions options = ChaosConnection.Options("chaos-admin", replica is null ? [primary.EndPoint] : [primary.EndPoint, replica.EndPoint]);
            options.AllowAdmin = true;
            options.AsyncTimeout = options.SyncTimeout = 10_000;
            ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            var topology = new ChaosTopology(primary, replica, admin);
            if (replica is not null)
            {
                await topology.WaitForReplicaLinkAsync().ConfigureAwait(false);
            }

            return topology;
        }
        catch
        {
            await primary.DisposeAsync().ConfigureAwait(false);
            if (replica is not null)
            {
                await replica.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The replica started for the promoted server (see <see cref="StartReplicaOfPromotedAsync"/>), if any.</summary>
    public RedisServer? NewReplica { get; private set; }

    /// <summary>Starts a new replica of the promoted replica, as an operator replacing the lost primary would.</summary>
    public async Task StartReplicaOfPromotedAsync()
    {
        NewReplica = await RedisServer.StartAsync(ReplicaOptions(Replica!)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Admin.DisposeAsync().ConfigureAwait(false);
        if (NewReplica is not null)
        {
            await NewReplica.DisposeAsync().ConfigureAwait(false);
        }

        await Primary.DisposeAsync().ConfigureAwait(false);
        if (Replica is not null)
        {
            await Replica.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static RedisServerOptions ReplicaOptions(RedisServer primary) => new()
    {
        AppendOnly = true,
        ExtraArgs = ["--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
    };

    private static RedisServerOptions PrimaryOptions(FaultKind fault) => fault switch
    {
        FaultKind.Kill9AofAlways or FaultKind.Restart or FaultKind.ReplicaPromotion => new RedisServerOptions { AppendOnly = true },
        // Later arguments win: everysec replaces the always that AppendOnly sets.
        FaultKind.Kill9AofEverysec => new RedisServerOptions { AppendOnly = true, ExtraArgs = ["--appendfsync", "everysec"] },
        // DEBUG is refused unless enabled; "local" allows it from loopback only.
        FaultKind.DebugSleep => new RedisServerOptions { ExtraArgs = ["--enable-debug-command", "local"] },
        _ => new RedisServerOptions(),
    };

    // The replica must hold the primary's data before the run starts, or a promotion loses more than replication lag.
    private async Task WaitForReplicaLinkAsync()
    {
        IServer replica = Admin.GetServer(Replica!.EndPoint);
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            string info = (string?)await replica.ExecuteAsync("INFO", "replication").ConfigureAwait(false) ?? "";
            if (info.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return;
            }

            // Polling another process that offers no readiness signal; bounded by the deadline.
            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"Replica {Replica.EndPoint} did not link to {Primary.EndPoint} within 30 s.");
    }
}
