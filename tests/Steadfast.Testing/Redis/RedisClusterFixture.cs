using StackExchange.Redis;

namespace Steadfast.Testing.Redis;

/// <summary>A 3-master <see cref="RedisCluster"/> shared by the tests of a class or collection.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;
    private ConnectionMultiplexer? _connection;

    /// <summary>The running cluster.</summary>
    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>A cluster-aware multiplexer shared by the tests using this fixture.</summary>
    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _cluster = await RedisCluster.StartAsync().ConfigureAwait(false);
        _connection = await _cluster.ConnectAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
