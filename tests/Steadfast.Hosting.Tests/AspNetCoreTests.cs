using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Steadfast.Hosting.AspNetCore;
using Steadfast.Testing.Redis;

namespace Steadfast.Hosting.Tests;

/// <summary>A real WebApplication on Kestrel: Steadfast's limiter in ASP.NET Core's middleware, and /health.</summary>
public sealed class AspNetCoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RateLimiterPolicy_RefusesPastTheBucket_PerPartition(bool onRedis)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Steadfast:RateLimiters:api:TokenLimit"] = "2",
            ["Steadfast:RateLimiters:api:TokensPerPeriod"] = "1",
            ["Steadfast:RateLimiters:api:ReplenishmentPeriod"] = "01:00:00",
        };
        if (onRedis)
        {
            settings["Steadfast:Redis:ConnectionString"] = redis.Server.EndPoint;
        }

        await using WebApplication app = BuildApp(settings, builder =>
        {
            builder.Services.AddSteadfast().AddRateLimiter("api");
            // A fresh partition name per run: the Redis bucket of an earlier run must not count.
            string run = Guid.NewGuid().ToString("N");
            builder.Services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                o.AddSteadfastPolicy("api", context => run + ":" + context.Request.Query["user"]);
            });
        }, app =>
        {
            app.UseRateLimiter();
            app.MapGet("/orders", () => "ok").RequireRateLimiting("api");
        });
        using var client = await StartAsync(app);

        var alice = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            alice.Add((await client.GetAsync("/orders?user=alice")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], alice);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/orders?user=bob")).StatusCode); // Bob has a bucket of his own.
    }

    [Fact]
    public async Task RedisOutage_InTheLimiter_IsLoggedThroughTheHostsLogging()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        var logs = new CapturingLoggerProvider();
        await using WebApplication app = BuildApp(new Dictionary<string, string?>
        {
            ["Steadfast:Redis:ConnectionString"] = server.EndPoint + ",connectTimeout=1000,asyncTimeout=1000",
        }, builder =>
        {
            builder.Logging.AddProvider(logs);
            builder.Services.AddSteadfast().AddRateLimiter("api");
            builder.Services.AddRateLimiter(o =>
            {
                o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
                o.AddSteadfastPolicy("api");
            });
        }, app =>
        {
            app.UseRateLimiter();
            app.MapGet("/orders", () => "ok").RequireRateLimiting("api");
        });
        using var client = await StartAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/orders")).StatusCode);

        await server.StopAsync();
        // WhenUnavailable = Reject (the default): refused, and the outage is in the host's log, not only a 429.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/orders")).StatusCode);
        var outage = await Eventually.MatchesAsync(() => Task.FromResult(logs.Entries.Where(e => e.EventId == 8101).ToList()), e => e.Count > 0,
            "the outage to be logged");
        Assert.All(outage, e => Assert.Equal((LogLevel.Warning, "Steadfast.Redis.RateLimiting.RedisTokenBucketRateLimiter"), (e.Level, e.Category)));
    }

    [Fact]
    public async Task HealthEndpoint_ListsEveryCheck_AsJson()
    {
        await using WebApplication app = BuildApp(new Dictionary<string, string?>
        {
            ["Steadfast:Redis:ConnectionString"] = redis.Server.EndPoint,
            ["Steadfast:Queues:orders:KeyPrefix"] = TestHosts.UniquePrefix(),
        }, builder => builder.Services.AddSteadfast().AddQueue<string>("orders").AddCircuitBreaker("payments").AddHealthChecks(),
            app => app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = SteadfastHealthResponse.WriteJsonAsync }));
        using var client = await StartAsync(app);

        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var checks = json.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order();
        Assert.Equal(["steadfast-circuit-breaker-payments", "steadfast-queue-orders", "steadfast-redis"], checks);
    }

    private static WebApplication BuildApp(Dictionary<string, string?> settings, Action<WebApplicationBuilder> services, Action<WebApplication> endpoints)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions());
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services(builder);
        var app = builder.Build();
        endpoints(app);
        return app;
    }

    private static async Task<HttpClient> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }
}

/// <summary>Keeps every log entry of a host, for tests that assert what was logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Entries.Enqueue((category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
