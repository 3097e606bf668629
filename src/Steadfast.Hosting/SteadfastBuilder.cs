using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Steadfast.CircuitBreakers;
using Steadfast.Hosting.Backends;
using Steadfast.Hosting.Configuration;
using Steadfast.Hosting.Consumers;
using Steadfast.Hosting.Health;
using Steadfast.Hosting.Queues;
using Steadfast.Hosting.Redundancy;
using Steadfast.Queues;
using Steadfast.Redundancy;
using Steadfast.Retry;

namespace Steadfast.Hosting;

/// <summary>
/// Adds Steadfast's primitives to the application's services, each under a name whose settings bind from
/// <c>Steadfast:KIND:NAME</c> in the configuration (docs/hosting.md lists the keys). Returned by
/// <c>services.AddSteadfast()</c>; every method returns the builder for chaining.
/// </summary>
public sealed class SteadfastBuilder
{
    private readonly SteadfastRegistry _registry;

    internal SteadfastBuilder(IServiceCollection services, SteadfastRegistry registry)
    {
        Services = services;
        _registry = registry;
    }

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Runs every primitive on Redis through the <see cref="IConnectionMultiplexer"/> already registered in DI
    /// (not disposed by Steadfast).</summary>
    /// <returns>This builder.</returns>
    public SteadfastBuilder UseRedis() => UseRedis(static sp => sp.GetRequiredService<IConnectionMultiplexer>());

    /// <summary>Runs every primitive on Redis through the multiplexer <paramref name="multiplexer"/> returns (not disposed by Steadfast).</summary>
    /// <param name="multiplexer">Gives the connection; called once.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="multiplexer"/> is null.</exception>
    public SteadfastBuilder UseRedis(Func<IServiceProvider, IConnectionMultiplexer> multiplexer)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        _registry.MultiplexerFactory = multiplexer;
        return this;
    }

    /// <summary>Runs every primitive on Redis at <paramref name="connectionString"/> (a StackExchange.Redis connection
    /// string), overriding <c>Steadfast:Redis:ConnectionString</c>. Steadfast owns and disposes this connection.</summary>
    /// <param name="connectionString">Where Redis is, e.g. <c>localhost:6379</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null or blank.</exception>
    public SteadfastBuilder UseRedis(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Services.PostConfigure<SteadfastOptions>(o => o.Redis.ConnectionString = connectionString);
        return this;
    }

    /// <summary>
    /// Adds the reliable queue <paramref name="name"/> of <typeparamref name="T"/> messages as the keyed service
    /// <c>[FromKeyedServices("name")] IReliableQueue&lt;T&gt;</c> (the first queue of each message type is also the
    /// unkeyed <see cref="IReliableQueue{T}"/>). Settings: <c>Steadfast:Queues:NAME</c>.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="name">The queue's name (on Redis, part of its keys).</param>
    /// <param name="configure">Changes the settings after they are bound from configuration; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    public SteadfastBuilder AddQueue<T>(string name, Action<QueueSettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_registry.Queues.Any(q => q.Name == name && q.MessageType == typeof(T)))
        {
            _registry.Queues.Add(new QueueRegistration(name, typeof(T), sp => new QueueHealthCheck<T>(name, sp)));
            Configure(Services.AddSettings<QueueSettings>(name, SectionPaths.Named(SectionPaths.Queues, name)), configure);
            Services.AddKeyedSingleton<IReliableQueue<T>>(name, (sp, _) => QueueFactory.Create<T>(sp, name));
            Services.TryAddSingleton<IReliableQueue<T>>(sp => sp.GetRequiredKeyedService<IReliableQueue<T>>(name));
        }
        else if (configure is not null)
        {
            Services.Configure(name, configure);
        }

        return this;
    }

    /// <summary>
    /// Runs a hosted consumer of queue <paramref name="queueName"/> (added if it was not): <see cref="ConsumerSettings.Concurrency"/>
    /// messages at a time, each handled by a <typeparamref name="THandler"/> from a new DI scope; acknowledged when the
    /// handler returns, given back with an exponential backoff when it throws (dead letters after the queue's
    /// MaxDeliveries). On shutdown it stops reading, lets running handlers finish within the host's shutdown timeout,
    /// and gives the rest back at once. Settings: <c>Steadfast:Consumers:QUEUE</c>.
    /// </summary>
    /// <typeparam name="TMessage">The message type.</typeparam>
    /// <typeparam name="THandler">The handler; registered as scoped unless already registered.</typeparam>
    /// <param name="queueName">The queue's name.</param>
    /// <param name="configure">Changes the consumer's settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is null or blank.</exception>
    public SteadfastBuilder AddQueueConsumer<TMessage, THandler>(string queueName, Action<ConsumerSettings>? configure = null)
        where THandler : class, IQueueHandler<TMessage>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        AddQueue<TMessage>(queueName);
        Configure(Services.AddSettings<ConsumerSettings>(queueName, SectionPaths.Named(SectionPaths.Consumers, queueName)), configure);
        Services.TryAddScoped<THandler>();
        Services.AddSingleton<IHostedService>(sp => new QueueConsumerService<TMessage, THandler>(queueName, sp));
        return this;
    }

    /// <summary>
    /// Adds the circuit breaker <paramref name="name"/>: <see cref="CircuitBreakerProvider.Get"/> (the breaker current
    /// now: it follows reloads) or <c>[FromKeyedServices("name")] CircuitBreaker</c> (a singleton: the breaker current
    /// when it was first resolved). On Redis its trips are shared with same-named breakers in other
    /// processes (<see cref="CircuitBreakerSettings.ShareState"/>). Settings: <c>Steadfast:CircuitBreakers:NAME</c> (reload).
    /// </summary>
    /// <param name="name">The breaker's name.</param>
    /// <param name="configure">Changes the settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    public SteadfastBuilder AddCircuitBreaker(string name, Action<CircuitBreakerSettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_registry.CircuitBreakers.Add(name))
        {
            Configure(Services.AddSettings<CircuitBreakerSettings>(name, SectionPaths.Named(SectionPaths.CircuitBreakers, name)), configure);
            Services.TryAddSingleton(sp => new CircuitBreakerProvider(sp, _registry, sp.GetRequiredService<SteadfastBackend>(),
                sp.GetRequiredService<IOptionsMonitor<CircuitBreakerSettings>>()));
            // Singleton, not transient: a breaker is IAsyncDisposable, and a DI scope disposes the transients it resolved —
            // a handler's scope would dispose the shared breaker after the first message. Reloads reach Get(name).
            Services.AddKeyedSingleton<CircuitBreaker>(name, (sp, _) => sp.GetRequiredService<CircuitBreakerProvider>().Get(name));
        }
        else if (configure is not null)
        {
            Services.Configure(name, configure);
        }

        return this;
    }

    /// <summary>
    /// Adds the retry policy <paramref name="name"/>: <see cref="RetryPolicyProvider.Get"/> or
    /// <c>[FromKeyedServices("name")] RetryPolicy</c>. Settings: <c>Steadfast:RetryPolicies:NAME</c> (reload).
    /// </summary>
    /// <param name="name">The policy's name.</param>
    /// <param name="configure">Changes the settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    public SteadfastBuilder AddRetryPolicy(string name, Action<RetrySettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_registry.RetryPolicies.Add(name))
        {
            Configure(Services.AddSettings<RetrySettings>(name, SectionPaths.Named(SectionPaths.RetryPolicies, name)), configure);
            Services.TryAddSingleton(sp => new RetryPolicyProvider(sp, _registry, sp.GetRequiredService<IOptionsMonitor<RetrySettings>>()));
            Services.AddKeyedTransient<RetryPolicy>(name, (sp, _) => sp.GetRequiredService<RetryPolicyProvider>().Get(name));
        }
        else if (configure is not null)
        {
            Services.Configure(name, configure);
        }

        return this;
    }

    /// <summary>
    /// Adds the token-bucket rate limiter <paramref name="name"/>, partitioned by key, through
    /// <see cref="RateLimiterProvider.GetPartition"/> (in memory: the BCL's token bucket; on Redis: one bucket shared by
    /// every process). For ASP.NET Core's <c>AddRateLimiter</c> use Steadfast.Hosting.AspNetCore's
    /// <c>AddSteadfastPolicy</c>. Settings: <c>Steadfast:RateLimiters:NAME</c> (reload).
    /// </summary>
    /// <param name="name">The limiter's name.</param>
    /// <param name="configure">Changes the settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    public SteadfastBuilder AddRateLimiter(string name, Action<RateLimiterSettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_registry.RateLimiters.Add(name))
        {
            Configure(Services.AddSettings<RateLimiterSettings>(name, SectionPaths.Named(SectionPaths.RateLimiters, name)), configure);
            Services.TryAddSingleton(sp => new RateLimiterProvider(sp, _registry, sp.GetRequiredService<SteadfastBackend>(),
                sp.GetRequiredService<IOptionsMonitor<RateLimiterSettings>>()));
        }
        else if (configure is not null)
        {
            Services.Configure(name, configure);
        }

        return this;
    }

    /// <summary>
    /// Runs <typeparamref name="TService"/> as hosted work only while this instance leads the election
    /// <paramref name="electionName"/> (a leased lock from the registered <see cref="Locks.IDistributedLockProvider"/>):
    /// its token fires when leadership is lost, and another instance takes over. Settings:
    /// <c>Steadfast:LeaderElections:NAME</c>.
    /// </summary>
    /// <typeparam name="TService">The work; registered as scoped unless already registered, resolved once per term.</typeparam>
    /// <param name="electionName">The election (lock) name; one leader-only service per election.</param>
    /// <param name="configure">Changes the election's settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="electionName"/> is null or blank.</exception>
    /// <exception cref="InvalidOperationException">The election already has a leader-only service.</exception>
    public SteadfastBuilder AddLeaderService<TService>(string electionName, Action<LeaderElectionSettings>? configure = null)
        where TService : class, ILeaderService
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(electionName);
        if (!_registry.LeaderElections.Add(electionName))
        {
            throw new InvalidOperationException($"The election '{electionName}' already has a leader-only service.");
        }

        Configure(Services.AddSettings<LeaderElectionSettings>(electionName, SectionPaths.Named(SectionPaths.LeaderElections, electionName)), configure);
        Services.TryAddScoped<TService>();
        Services.AddKeyedSingleton(electionName, new LeadershipStatus());
        Services.AddSingleton<IHostedService>(sp =>
            new LeaderHostedService<TService>(electionName, sp, sp.GetRequiredKeyedService<LeadershipStatus>(electionName)));
        return this;
    }

    /// <summary>
    /// Adds the hot-warm pair <paramref name="name"/> as <c>[FromKeyedServices("name")] HotWarm&lt;TReplica&gt;</c>:
    /// calls go to the primary, the standby is health-checked and takes over after repeated failures. Settings:
    /// <c>Steadfast:HotWarm:NAME</c>.
    /// </summary>
    /// <typeparam name="TReplica">The replica type (a client).</typeparam>
    /// <param name="name">The pair's name.</param>
    /// <param name="primary">Makes the primary replica.</param>
    /// <param name="standby">Makes the standby replica.</param>
    /// <param name="healthCheck">Whether a replica is healthy; runs every heartbeat.</param>
    /// <param name="configure">Changes the settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    /// <exception cref="ArgumentNullException">A factory or the health check is null.</exception>
    public SteadfastBuilder AddHotWarm<TReplica>(string name, Func<IServiceProvider, TReplica> primary, Func<IServiceProvider, TReplica> standby,
        Func<TReplica, CancellationToken, ValueTask<bool>> healthCheck, Action<HotWarmSettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(standby);
        ArgumentNullException.ThrowIfNull(healthCheck);
        _registry.HotWarm.Add(new ReplicaPairRegistration(name, typeof(TReplica), sp => new HotWarmHealthCheck<TReplica>(name, sp)));
        Configure(Services.AddSettings<HotWarmSettings>(name, SectionPaths.Named(SectionPaths.HotWarm, name)), configure);
        Services.AddKeyedSingleton(name, (sp, _) =>
        {
            HotWarmSettings settings = sp.GetRequiredService<IOptionsMonitor<HotWarmSettings>>().Get(name);
            return new HotWarm<TReplica>(primary(sp), standby(sp),
                settings.ToOptions(name, healthCheck, sp.LoggerFor<HotWarm<TReplica>>()), sp.Clock());
        });
        return this;
    }

    /// <summary>
    /// Adds the hot-hot group <paramref name="name"/> as <c>[FromKeyedServices("name")] HotHot&lt;TReplica&gt;</c>: reads
    /// hedged across replicas, writes fanned out. Settings: <c>Steadfast:HotHot:NAME</c>.
    /// </summary>
    /// <typeparam name="TReplica">The replica type (a client).</typeparam>
    /// <param name="name">The group's name.</param>
    /// <param name="replicas">Makes the replicas.</param>
    /// <param name="configure">Changes the settings after they are bound; optional.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or blank.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="replicas"/> is null.</exception>
    public SteadfastBuilder AddHotHot<TReplica>(string name, Func<IServiceProvider, IReadOnlyList<TReplica>> replicas,
        Action<HotHotSettings>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(replicas);
        Configure(Services.AddSettings<HotHotSettings>(name, SectionPaths.Named(SectionPaths.HotHot, name)), configure);
        Services.AddKeyedSingleton(name, (sp, _) => new HotHot<TReplica>(replicas(sp),
            sp.GetRequiredService<IOptionsMonitor<HotHotSettings>>().Get(name).ToOptions(name, sp.LoggerFor<HotHot<TReplica>>()), sp.Clock()));
        return this;
    }

    /// <summary>
    /// Adds health checks (Microsoft.Extensions.Diagnostics.HealthChecks) for everything this builder registers,
    /// whenever it is registered: Redis reachable, each queue's backlog / oldest pending age / dead letters against its
    /// thresholds, each breaker's state, each hot-warm pair, each leader-only service's election. All are tagged
    /// <c>steadfast</c>. Degraded and Unhealthy are described in docs/hosting.md.
    /// </summary>
    /// <returns>This builder.</returns>
    public SteadfastBuilder AddHealthChecks()
    {
        if (!_registry.HealthChecksAdded)
        {
            _registry.HealthChecksAdded = true;
            Services.AddHealthChecks();
            Services.AddSingleton<IConfigureOptions<HealthCheckServiceOptions>, HealthCheckRegistrations>();
        }

        return this;
    }

    private static void Configure<TSettings>(OptionsBuilder<TSettings> options, Action<TSettings>? configure)
        where TSettings : class
    {
        if (configure is not null)
        {
            options.Configure(configure);
        }
    }
}
