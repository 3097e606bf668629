using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Steadfast.Hosting.Configuration;
using Steadfast.Locks;

namespace Steadfast.Hosting.Backends;

/// <summary>
/// The backend every primitive is built on, chosen once: Redis when a multiplexer was supplied through
/// <see cref="SteadfastBuilder.UseRedis()"/> or <c>Steadfast:Redis:ConnectionString</c> is set, in-memory otherwise.
/// A multiplexer made from the connection string is owned (disposed with the container); one from DI is not.
/// </summary>
internal sealed class SteadfastBackend : IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly SteadfastRegistry _registry;
    private readonly SteadfastOptions _options;
    private readonly Lazy<IConnectionMultiplexer> _multiplexer;
    private bool _ownsMultiplexer;

    public SteadfastBackend(IServiceProvider services, SteadfastRegistry registry, IOptions<SteadfastOptions> options)
    {
        _services = services;
        _registry = registry;
        _options = options.Value;
        UsesRedis = _options.UsesRedis(registry);
        _multiplexer = new Lazy<IConnectionMultiplexer>(Connect, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Whether the primitives run on Redis.</summary>
    public bool UsesRedis { get; }

    /// <summary>The Redis connection; only when <see cref="UsesRedis"/>.</summary>
    public IConnectionMultiplexer Multiplexer => UsesRedis
        ? _multiplexer.Value
        : throw new InvalidOperationException("Steadfast runs on the in-memory backend: set Steadfast:Redis:ConnectionString or call UseRedis() for Redis.");

    public IDistributedLockProvider CreateLockProvider(IServiceProvider services)
    {
        TimeProvider time = services.Clock();
        if (!UsesRedis)
        {
            return new InMemoryLockProvider(time, services.LoggerFor<InMemoryLockProvider>());
        }

        LockSettings settings = services.GetRequiredService<IOptions<LockSettings>>().Value;
        return new RedisLockProvider(Multiplexer, new RedisLockProviderOptions
        {
            KeyPrefix = settings.KeyPrefix,
            TimeProvider = time,
            Logger = services.LoggerFor<RedisLockProvider>(),
        });
    }

    private IConnectionMultiplexer Connect()
    {
        if (_registry.MultiplexerFactory is { } factory)
        {
            return factory(_services);
        }

        var configuration = ConfigurationOptions.Parse(_options.Redis.ConnectionString!);
        // The host starts while Redis is down; the multiplexer keeps reconnecting and the health check reports it.
        configuration.AbortOnConnectFail = false;
        _ownsMultiplexer = true;
        return ConnectionMultiplexer.Connect(configuration);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsMultiplexer && _multiplexer.IsValueCreated)
        {
            await _multiplexer.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
