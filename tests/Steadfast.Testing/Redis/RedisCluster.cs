using System.Diagnostics;
using StackExchange.Redis;

namespace Steadfast.Testing.Redis;

/// <summary>
/// A local 3-master Redis Cluster (no replicas) on loopback free ports, each node with its own temp
/// directory and nodes.conf. Slots are split 0-5460 / 5461-10922 / 10923-16383.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private static readonly (int From, int To)[] SlotRanges = [(0, 5460), (5461, 10922), (10923, 16383)];

    private RedisCluster(IReadOnlyList<RedisServer> nodes) => Nodes = nodes;

    /// <summary>The master nodes, in slot order.</summary>
    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>All endpoints, comma separated, as a StackExchange.Redis configuration string.</summary>
    public string ConnectionString => string.Join(",", Nodes.Select(n => n.EndPoint));

    /// <summary>Starts three cluster-enabled nodes, assigns slots, joins them and waits for <c>cluster_state:ok</c>.</summary>
    public static async Task<RedisCluster> StartAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var options = new RedisServerOptions { ClusterEnabled = true };
        var starts = SlotRanges.Select(_ => RedisServer.StartAsync(options, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var cluster = new RedisCluster(starts.Select(s => s.Result).ToArray());
        try
        {
            await cluster.FormAsync(limit, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new multiplexer over all nodes, with the same test-friendly timeouts as <see cref="RedisServer.ConnectAsync"/>.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? configure = null)
    {
        var options = RedisServer.CreateTestConfiguration(Nodes.Select(n => n.EndPoint).ToArray());
        configure?.Invoke(options);
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }

    /// <summary>Stops every node and deletes their directories.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task FormAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var commandTimeout = TimeSpan.FromSeconds(5);
        for (var i = 0; i < Nodes.Count; i++)
        {
            var (from, to) = SlotRanges[i];
            await RespCommand.SendAsync(Nodes[i].Port, commandTimeout, cancellationToken,
                "CLUSTER", "ADDSLOTSRANGE", from.ToString(), to.ToString()).ConfigureAwait(false);
        }

        for (var i = 1; i < Nodes.Count; i++)
        {
            await RespCommand.SendAsync(Nodes[0].Port, commandTimeout, cancellationToken,
                "CLUSTER", "MEET", "127.0.0.1", Nodes[i].Port.ToString()).ConfigureAwait(false);
        }

        // Gossip spreads the topology in about a second; poll each node's own view until all agree.
        var started = Stopwatch.GetTimestamp();
        var lastInfo = "";
        while (Stopwatch.GetElapsedTime(started) < limit)
        {
            var ready = true;
            foreach (var node in Nodes)
            {
                lastInfo = await RespCommand.SendAsync(node.Port, commandTimeout, cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
                ready &= lastInfo.Contains("cluster_state:ok", StringComparison.Ordinal)
                    && lastInfo.Contains($"cluster_known_nodes:{Nodes.Count}", StringComparison.Ordinal)
                    && lastInfo.Contains("cluster_slots_ok:16384", StringComparison.Ordinal);
            }

            if (ready)
            {
                return;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"Redis Cluster did not reach cluster_state:ok within {limit}. Last CLUSTER INFO:\n{lastInfo}");
    }
}
