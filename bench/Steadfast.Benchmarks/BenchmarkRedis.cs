using StackExchange.Redis;
using Steadfast.Testing.Redis;

namespace Steadfast.Benchmarks;

/// <summary>The Redis a benchmark process talks to: the one named by --redis, or a private redis-server it starts.</summary>
public sealed class BenchmarkRedis : IAsyncDisposable
{
    /// <summary>Carries --redis from the launcher to the benchmark processes BenchmarkDotNet spawns.</summary>
    public const string EndPointVariable = "STEADFAST_BENCH_REDIS";

    private readonly RedisServer? _server;

    private BenchmarkRedis(RedisServer? server, ConnectionMultiplexer connection)
    {
        _server = server;
        Connection = connection;
    }

    public ConnectionMultiplexer Connection { get; }

    public static async Task<BenchmarkRedis> StartAsync()
    {
        string? endPoint = Environment.GetEnvironmentVariable(EndPointVariable);
        RedisServer? server = null;
        if (string.IsNullOrEmpty(endPoint))
        {
            server = await RedisServer.StartAsync();
            endPoint = server.EndPoint;
        }

        var options = ConfigurationOptions.Parse(endPoint);
        options.AbortOnConnectFail = false;
        options.AllowAdmin = true;
        return new BenchmarkRedis(server, await ConnectionMultiplexer.ConnectAsync(options));
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
