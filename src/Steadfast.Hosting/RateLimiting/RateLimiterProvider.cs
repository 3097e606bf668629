using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Steadfast.Hosting.Backends;
using Steadfast.Hosting.Configuration;
using Steadfast.Hosting.Logging;
using Steadfast.Redis.RateLimiting;

namespace Steadfast.Hosting;

/// <summary>
/// The rate limiters registered with <see cref="SteadfastBuilder.AddRateLimiter"/>, as partitions for
/// <see cref="PartitionedRateLimiter.Create{TResource, TPartitionKey}"/> or ASP.NET Core's <c>RateLimiterOptions.AddPolicy</c>
/// (package Steadfast.Hosting.AspNetCore does that in one call).
/// </summary>
public sealed class RateLimiterProvider : IDisposable
{
    private readonly SteadfastBackend _backend;
    private readonly IOptionsMonitor<RateLimiterSettings> _settings;
    private readonly IReadOnlySet<string> _names;
    private readonly ConcurrentDictionary<string, int> _versions = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;
    private readonly Microsoft.Extensions.Logging.ILogger _limiterLogger;

    internal RateLimiterProvider(IServiceProvider services, SteadfastRegistry registry, SteadfastBackend backend,
        IOptionsMonitor<RateLimiterSettings> settings)
    {
        _backend = backend;
        _settings = settings;
        _names = registry.RateLimiters;
        _limiterLogger = services.LoggerFor<RedisTokenBucketRateLimiter>();
        var logger = services.LoggerFor<RateLimiterProvider>();
        _subscription = settings.OnChange((_, name) =>
        {
            if (name is not null && _names.Contains(name))
            {
                // A new version means new partition keys in memory: new limiters with the new settings. The Redis bucket
                // key stays the same, so the tokens already spent still count.
                _versions.AddOrUpdate(name, 1, (_, v) => v + 1);
                HostingLog.Reloaded(logger, "rate limiter", name);
            }
        });
    }

    /// <summary>
    /// The partition of limiter <paramref name="name"/> for <paramref name="partitionKey"/> (a user, a tenant, an IP
    /// address): a token bucket of its own, shared by every process on Redis.
    /// </summary>
    /// <param name="name">The registered limiter name.</param>
    /// <param name="partitionKey">The partition; not null (empty for one bucket for everyone).</param>
    /// <returns>The partition.</returns>
    /// <remarks>On Redis the limiter's synchronous <c>AttemptAcquire</c> does not block on a round trip: it answers "not
    /// acquired, call AcquireAsync" (what ASP.NET Core's middleware does next). Acquire with <c>AcquireAsync</c>.</remarks>
    /// <exception cref="InvalidOperationException">No limiter of that name was registered.</exception>
    public RateLimitPartition<string> GetPartition(string name, string partitionKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(partitionKey);
        if (!_names.Contains(name))
        {
            throw new InvalidOperationException($"No rate limiter named '{name}' was registered; add it with AddSteadfast().AddRateLimiter(\"{name}\").");
        }

        int version = _versions.GetValueOrDefault(name);
        string bucket = partitionKey.Length == 0 ? name : name + ":" + partitionKey;
        string key = string.Create(CultureInfo.InvariantCulture, $"{version}\n{bucket}");
        RateLimiterSettings settings = _settings.Get(name);
        if (!_backend.UsesRedis)
        {
            return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.TokenLimit,
                TokensPerPeriod = settings.TokensPerPeriod,
                ReplenishmentPeriod = settings.ReplenishmentPeriod,
                QueueLimit = settings.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }

        return RateLimitPartition.Get(key, _ => new RedisTokenBucketRateLimiter(_backend.Multiplexer, bucket, new RedisTokenBucketOptions
        {
            TokenLimit = settings.TokenLimit,
            TokensPerPeriod = settings.TokensPerPeriod,
            ReplenishmentPeriod = settings.ReplenishmentPeriod,
            QueueLimit = settings.QueueLimit,
            WhenUnavailable = settings.WhenUnavailable,
            // ASP.NET Core's middleware tries AttemptAcquire first: answered without a blocking round trip.
            DeferAttemptAcquire = true,
            // A Redis outage is logged (rate-limited) through DI's logging, not only counted.
            Logger = _limiterLogger,
        }));
    }

    /// <summary>Stops following settings changes.</summary>
    public void Dispose() => _subscription?.Dispose();
}
