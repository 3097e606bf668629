using Microsoft.Extensions.Options;
using Steadfast.CircuitBreakers;
using Steadfast.Hosting.Backends;
using Steadfast.Hosting.Configuration;

namespace Steadfast.Hosting;

/// <summary>
/// The circuit breakers registered with <see cref="SteadfastBuilder.AddCircuitBreaker"/>, by name. Code that wants
/// reloaded settings calls <see cref="Get"/> per use; <c>[FromKeyedServices("name")] CircuitBreaker</c> is a singleton,
/// the breaker current when it was first resolved.
/// </summary>
public sealed class CircuitBreakerProvider : IDisposable
{
    private readonly ReloadingInstances<CircuitBreakerSettings, CircuitBreaker> _breakers;
    private readonly Lazy<ICircuitStateStore?> _store;

    internal CircuitBreakerProvider(IServiceProvider services, SteadfastRegistry registry, SteadfastBackend backend,
        IOptionsMonitor<CircuitBreakerSettings> settings)
    {
        TimeProvider time = services.Clock();
        _store = new(() => backend.UsesRedis ? new RedisCircuitStateStore(backend.Multiplexer) : null);
        var logger = services.LoggerFor<CircuitBreaker>();
        _breakers = new(settings, registry.CircuitBreakers, "circuit breaker", "AddCircuitBreaker", (name, s) => new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = name,
            FailureRatio = s.FailureRatio,
            MinimumThroughput = s.MinimumThroughput,
            SamplingDuration = s.SamplingDuration,
            BreakDuration = s.BreakDuration,
            HalfOpenProbes = s.HalfOpenProbes,
            Logger = logger,
        }, s.ShareState ? _store.Value : null, time), services.LoggerFor<CircuitBreakerProvider>());
    }

    /// <summary>The breaker registered as <paramref name="name"/>, with its current settings.</summary>
    /// <param name="name">The registered name.</param>
    /// <returns>The breaker.</returns>
    /// <exception cref="InvalidOperationException">No breaker of that name was registered.</exception>
    public CircuitBreaker Get(string name) => _breakers.Get(name);

    /// <summary>Stops following settings changes.</summary>
    public void Dispose() => _breakers.Dispose();
}
