using System.Diagnostics;

namespace Steadfast.Testing.Redis;

/// <summary>
/// A primary and one replica (<c>--replicaof</c>) on loopback, for failover tests: <see cref="PromoteReplicaAsync"/>
/// turns the replica into a primary (<c>REPLICAOF NO ONE</c>) while the old primary keeps running and accepting writes,
/// as in a failover whose old primary has not noticed yet.
/// </summary>
public sealed class RedisPrimaryReplica : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private RedisPrimaryReplica(RedisServer primary, RedisServer replica)
    {
        Primary = primary;
        Replica = replica;
    }

    /// <summary>The server started as primary.</summary>
    public RedisServer Primary { get; }

    /// <summary>The server started as its replica.</summary>
    public RedisServer Replica { get; }

    /// <summary>Starts both and waits until the replica's link to the primary is up and the initial sync is done.</summary>
    public static async Task<RedisPrimaryReplica> StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        RedisServer primary = await RedisServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        RedisServer? replica = null;
        try
        {
            replica = await RedisServer.StartAsync(
                new RedisServerOptions { ExtraArgs = ["--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)] },
                cancellationToken).ConfigureAwait(false);
            var pair = new RedisPrimaryReplica(primary, replica);
            await pair.WaitForReplicationAsync("master_link_status:up", pair.Replica, timeout ?? TimeSpan.FromSeconds(30), cancellationToken)
                .ConfigureAwait(false);
            return pair;
        }
        catch
        {
            if (replica is not null)
            {
                await replica.DisposeAsync().ConfigureAwait(false);
            }

            await primary.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Makes the replica a primary of its own (<c>REPLICAOF NO ONE</c>); the old primary is left running.</summary>
    public async Task PromoteReplicaAsync(CancellationToken cancellationToken = default)
    {
        await RespCommand.SendAsync(Replica.Port, CommandTimeout, cancellationToken, "REPLICAOF", "NO", "ONE").ConfigureAwait(false);
        await WaitForReplicationAsync("role:master", Replica, CommandTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops both servers.</summary>
    public async ValueTask DisposeAsync()
    {
        await Replica.DisposeAsync().ConfigureAwait(false);
        await Primary.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WaitForReplicationAsync(string line, RedisServer server, TimeSpan limit, CancellationToken cancellationToken)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        string info = "";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            info = await RespCommand.SendAsync(server.Port, CommandTimeout, cancellationToken, "INFO", "replication").ConfigureAwait(false);
            if (info.Contains(line, StringComparison.Ordinal))
            {
                return;
            }

            // Polling a state another process reaches on its own; bounded by the deadline above.
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"{server} did not reach '{line}' within {limit}. INFO replication:\n{info}");
    }
}
