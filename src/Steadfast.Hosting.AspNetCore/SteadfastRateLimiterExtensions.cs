using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Steadfast.Hosting;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Steadfast's rate limiters in ASP.NET Core's rate-limiting middleware.</summary>
public static class SteadfastRateLimiterExtensions
{
    /// <summary>
    /// Adds the policy <paramref name="limiterName"/> to ASP.NET Core's rate limiter: the Steadfast limiter of that name
    /// (registered with <c>AddSteadfast().AddRateLimiter(name)</c>), one bucket per <paramref name="partitionBy"/> key —
    /// in memory, or on Redis shared by every instance. Use it with <c>RequireRateLimiting(name)</c> or
    /// <c>[EnableRateLimiting(name)]</c>; refused requests get <see cref="RateLimiterOptions.RejectionStatusCode"/>.
    /// </summary>
    /// <param name="options">ASP.NET Core's rate limiter options (inside <c>services.AddRateLimiter(o => …)</c>).</param>
    /// <param name="limiterName">The Steadfast limiter's name, also the policy's name.</param>
    /// <param name="partitionBy">The bucket of a request (a user, an API key, an IP address); null for one bucket for all.</param>
    /// <returns>The options, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="limiterName"/> is null or blank.</exception>
    public static RateLimiterOptions AddSteadfastPolicy(this RateLimiterOptions options, string limiterName, Func<HttpContext, string>? partitionBy = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(limiterName);
        return options.AddPolicy(limiterName, context => context.RequestServices.GetRequiredService<RateLimiterProvider>()
            .GetPartition(limiterName, partitionBy?.Invoke(context) ?? string.Empty));
    }
}
