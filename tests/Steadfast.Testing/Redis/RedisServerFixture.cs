using StackExchange.Redis;

namespace Steadfast.Testing.Redis;

/// <summary>
/// One redis-server shared by the tests of a class (<c>IClassFixture&lt;RedisServerFixture&gt;</c>) or a
/// collection. Tests share it, so they must use their own keys (e.g. <see cref="UniqueKey"/>) and must not stop
/// it: fault tests start a private <see cref="RedisServer"/> instead.
/// </summary>
public class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    /// <summary>The running server.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>A multiplexer shared by the tests using this fixture.</summary>
    public ConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>Options the server starts with; override to turn on AOF or add arguments.</summary>
    protected virtual RedisServerOptions Options => new();

    /// <summary>A key no other test uses: <c>{prefix}:{guid}</c>.</summary>
    public static string UniqueKey(string prefix = "test") => $"{prefix}:{Guid.NewGuid():N}";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync(Options).ConfigureAwait(false);
        _connection = await _server.ConnectAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
