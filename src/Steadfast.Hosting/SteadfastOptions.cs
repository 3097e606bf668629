using Steadfast.Hosting.Configuration;

namespace Steadfast.Hosting;

/// <summary>The section <c>Steadfast</c>: which backend every primitive uses.</summary>
/// <remarks>Read once, when the first primitive is created: changing it needs a restart.</remarks>
public sealed class SteadfastOptions : IValidatedSettings
{
    /// <summary>The Redis backend (<c>Steadfast:Redis</c>). Setting its connection string is the one value that moves
    /// every primitive from the in-memory backend to Redis.</summary>
    public SteadfastRedisOptions Redis { get; set; } = new();

    /// <summary>Whether the primitives run on Redis: <see cref="SteadfastRedisOptions.ConnectionString"/> is set or
    /// <see cref="SteadfastBuilder.UseRedis()"/> was called.</summary>
    internal bool UsesRedis(SteadfastRegistry registry) =>
        registry.MultiplexerFactory is not null || !string.IsNullOrWhiteSpace(Redis.ConnectionString);

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        string? connection = Redis.ConnectionString;
        if (string.IsNullOrEmpty(connection))
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(connection))
        {
            errors.Add("Redis:ConnectionString", "blank", "must not be blank (leave it out for the in-memory backend)");
            return;
        }

        try
        {
            _ = StackExchange.Redis.ConfigurationOptions.Parse(connection);
        }
        catch (ArgumentException ex)
        {
            // The value is not echoed: it may hold a password.
            errors.Add("Redis:ConnectionString", "hidden", "is not a StackExchange.Redis connection string: " + ex.Message);
        }
    }
}

/// <summary>The section <c>Steadfast:Redis</c>.</summary>
public sealed class SteadfastRedisOptions
{
    /// <summary>
    /// A StackExchange.Redis connection string (<c>localhost:6379</c>, <c>host1,host2,password=…</c>). Empty (default):
    /// the in-memory backends. Steadfast connects with <c>abortConnect=false</c>, so the host starts while Redis is down
    /// and the Redis health check reports it. Ignored when <see cref="SteadfastBuilder.UseRedis()"/> supplied a multiplexer.
    /// </summary>
    public string? ConnectionString { get; set; }
}
