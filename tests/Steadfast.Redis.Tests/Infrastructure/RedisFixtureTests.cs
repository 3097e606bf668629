using System.Diagnostics;
using StackExchange.Redis;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Infrastructure;

/// <summary>Proves the Redis fixtures the other Redis tests rely on: real processes, loopback, faults, cleanup.</summary>
public sealed class RedisFixtureTests(RedisServerFixture shared, RedisClusterFixture cluster)
    : IClassFixture<RedisServerFixture>, IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Shared_server_answers_ping_and_set_get_on_loopback()
    {
        var server = shared.Connection.GetServer(shared.Server.EndPoint);
        var db = shared.Connection.GetDatabase();
        var key = RedisServerFixture.UniqueKey();

        Assert.True(await db.PingAsync() < TimeSpan.FromSeconds(2));
        Assert.True(await db.StringSetAsync(key, "value"));
        Assert.Equal("value", (string?)await db.StringGetAsync(key));

        Assert.StartsWith("127.0.0.1:", shared.Server.EndPoint);
        var bind = await server.ConfigGetAsync("bind");
        Assert.Equal("127.0.0.1", Assert.Single(bind).Value);
        Assert.Equal("yes", Assert.Single(await server.ConfigGetAsync("protected-mode")).Value);
        Assert.Equal("", Assert.Single(await server.ConfigGetAsync("save")).Value);
    }

    [Fact]
    public async Task Extra_args_reach_the_server()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { ExtraArgs = ["--notify-keyspace-events", "KEA"] });
        await using var connection = await server.ConnectAsync();

        var value = Assert.Single(await connection.GetServer(server.EndPoint).ConfigGetAsync("notify-keyspace-events")).Value;

        Assert.Equal("AKE".OrderBy(c => c), value.OrderBy(c => c));
    }

    [Fact]
    public async Task Data_survives_restart_with_aof()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });
        var key = RedisServerFixture.UniqueKey();
        await using (var connection = await server.ConnectAsync())
        {
            await connection.GetDatabase().StringSetAsync(key, "persisted");
        }

        var pidBefore = server.ProcessId;
        await server.RestartAsync();

        Assert.NotEqual(pidBefore, server.ProcessId);
        await using var reconnected = await server.ConnectAsync();
        Assert.Equal("persisted", (string?)await reconnected.GetDatabase().StringGetAsync(key));
    }

    [Fact]
    public async Task Stopped_server_fails_commands_with_a_typed_exception_then_recovers_after_restart()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var db = connection.GetDatabase();
        var key = RedisServerFixture.UniqueKey();
        await db.StringSetAsync(key, "before");

        await server.StopAsync();
        Assert.False(server.IsRunning);

        var started = Stopwatch.GetTimestamp();
        var error = await Record.ExceptionAsync(() => db.StringGetAsync(key));
        Assert.True(error is RedisConnectionException or RedisTimeoutException, $"unexpected: {error}");
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "the failure must not hang");

        await server.RestartAsync();

        // The multiplexer reconnects on its own heartbeat; give it a bounded window.
        Assert.True(await EventuallyAsync(async () => await db.StringSetAsync(key, "after")), "no reconnect within 30 s");
        Assert.Equal("after", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task Dispose_kills_the_process_and_removes_the_directory()
    {
        var server = await RedisServer.StartAsync();
        var pid = server.ProcessId ?? throw new InvalidOperationException("not running");
        var directory = server.DataDirectory;
        Assert.True(Directory.Exists(directory));
        Assert.True(IsAlive(pid));

        await server.DisposeAsync();

        Assert.False(IsAlive(pid));
        Assert.False(Directory.Exists(directory));
        Assert.Null(server.ProcessId);
    }

    [Fact]
    public void Missing_redis_server_explains_how_to_install_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RedisExecutable.Find(overridden: null, path: "/nonexistent-steadfast"));

        Assert.Contains("apt-get update && apt-get install -y redis-server", error.Message);
    }

    [Fact]
    public async Task Cluster_is_ok_with_three_masters()
    {
        var servers = cluster.Connection.GetServers();

        Assert.Equal(3, servers.Count(s => !s.IsReplica && s.IsConnected));
        foreach (var node in cluster.Cluster.Nodes)
        {
            var info = (string?)await cluster.Connection.GetServer(node.EndPoint).ExecuteAsync("CLUSTER", "INFO");
            Assert.Contains("cluster_state:ok", info);
            Assert.Contains("cluster_size:3", info);
        }
    }

    [Fact]
    public async Task Keys_in_different_slots_land_on_different_nodes()
    {
        var db = cluster.Connection.GetDatabase();
        // One key per slot range: 0-5460, 5461-10922, 10923-16383.
        var found = new string?[3];
        for (var i = 0; found.Contains(null) && i < 10_000; i++)
        {
            var key = $"spread:{Guid.NewGuid():N}";
            var range = cluster.Connection.HashSlot(key) switch { <= 5460 => 0, <= 10922 => 1, _ => 2 };
            found[range] ??= key;
        }

        var keys = found.Select(k => (RedisKey)k!).ToArray();

        for (var i = 0; i < keys.Length; i++)
        {
            await db.StringSetAsync(keys[i], i);
        }

        for (var i = 0; i < keys.Length; i++)
        {
            // Ask each node directly (no redirection) which of the keys it holds.
            await using var direct = await cluster.Cluster.Nodes[i].ConnectAsync();
            var node = direct.GetServer(cluster.Cluster.Nodes[i].EndPoint);
            var held = new List<RedisKey>();
            await foreach (var key in node.KeysAsync(pattern: "spread:*"))
            {
                held.Add(key);
            }

            Assert.Contains(keys[i], held);
            Assert.All(keys.Where((_, j) => j != i), other => Assert.DoesNotContain(other, held));
        }
    }

    [Fact]
    public async Task Cluster_dispose_kills_every_node()
    {
        var ownCluster = await RedisCluster.StartAsync();
        var pids = ownCluster.Nodes.Select(n => n.ProcessId!.Value).ToArray();
        var directories = ownCluster.Nodes.Select(n => n.DataDirectory).ToArray();
        Assert.All(directories, d => Assert.True(File.Exists(Path.Combine(d, "nodes.conf"))));

        await ownCluster.DisposeAsync();

        Assert.All(pids, pid => Assert.False(IsAlive(pid)));
        Assert.All(directories, d => Assert.False(Directory.Exists(d)));
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> attempt)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
        {
            try
            {
                if (await attempt())
                {
                    return true;
                }
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
            {
            }

            await Task.Delay(100);
        }

        return false;
    }
}
