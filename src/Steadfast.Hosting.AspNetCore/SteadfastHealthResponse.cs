using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Steadfast.Hosting.AspNetCore;

/// <summary>A health-check response that lists every check: <c>app.MapHealthChecks("/health", new() { ResponseWriter = SteadfastHealthResponse.WriteJsonAsync })</c>.</summary>
public static class SteadfastHealthResponse
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Writes <c>{ status, checks: { name: { status, description, data } } }</c> as JSON.</summary>
    /// <param name="context">The request.</param>
    /// <param name="report">The health report.</param>
    /// <returns>A task that completes when written.</returns>
    public static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        };
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Options));
    }
}
