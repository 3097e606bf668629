using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Steadfast.Redis.RateLimiting;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.RateLimiting;

/// <summary>
/// The Redis limiter in ASP.NET Core's rate-limiting middleware, unchanged: the set-up of docs/rate-limiting.md on a
/// real Kestrel (loopback, free port) and a real redis-server.
/// </summary>
public sealed class AspNetCoreMiddlewareTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Global_and_policy_limiters_answer_429_with_Retry_After_once_the_bucket_is_empty()
    {
        string prefix = "web-" + Guid.NewGuid().ToString("N");
        var perClient = new RedisTokenBucketOptions
        {
            TokenLimit = 3,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(30),
            DeferAttemptAcquire = true,
        };
        var perUser = new RedisTokenBucketOptions
        {
            TokenLimit = 100,
            TokensPerPeriod = 100,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            DeferAttemptAcquire = true,
        };

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter =
                        ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                return ValueTask.CompletedTask;
            };
            options.GlobalLimiter = RedisRateLimiter.CreatePartitioned<HttpContext>(
                redis.Connection, context => $"{prefix}:ip:{context.Connection.RemoteIpAddress}", perClient);
            options.AddPolicy("api", context => RedisRateLimiter.GetTokenBucketPartition(
                redis.Connection, $"{prefix}:user:{context.Request.Headers["X-User"]}", _ => perUser));
        });

        await using WebApplication app = builder.Build();
        app.UseRateLimiter();
        app.MapGet("/orders", () => "ok").RequireRateLimiting("api");
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var statuses = new List<HttpStatusCode>();
            HttpResponseMessage? last = null;
            for (int i = 0; i < 5; i++)
            {
                last?.Dispose();
                last = await client.GetAsync("/orders");
                statuses.Add(last.StatusCode);
            }

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
            Assert.NotNull(last!.Headers.RetryAfter?.Delta);
            Assert.InRange(last.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            last.Dispose();
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_Redis_outage_answers_503_through_the_documented_OnRejected()
    {
        await using StackExchange.Redis.ConnectionMultiplexer unreachable = await UnreachableRedis.ConnectAsync();
        var perClient = new RedisTokenBucketOptions
        {
            TokenLimit = 3,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(30),
            DeferAttemptAcquire = true,
            WhenUnavailable = RedisUnavailableBehavior.Reject,
        };

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // As in docs/rate-limiting.md, "When Redis cannot be reached".
            options.OnRejected = (context, _) =>
            {
                if (context.Lease.TryGetMetadata(RedisRateLimiterMetadata.RedisUnavailable, out string? _))
                {
                    // Redis is down and WhenUnavailable = Reject: the service is unavailable, the client is not over its limit.
                    context.HttpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.HttpContext.Response.Headers.RetryAfter = "5";
                }
                else if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter =
                        ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                return ValueTask.CompletedTask;
            };
            options.GlobalLimiter = RedisRateLimiter.CreatePartitioned<HttpContext>(
                unreachable, context => $"outage:ip:{context.Connection.RemoteIpAddress}", perClient);
        });

        await using WebApplication app = builder.Build();
        app.UseRateLimiter();
        app.MapGet("/orders", () => "ok");
        await app.StartAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            using HttpResponseMessage response = await client.GetAsync("/orders");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
