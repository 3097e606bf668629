using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Steadfast.Hosting.Tests;

/// <summary>Real Generic Hosts built the way an application builds them, with the test's configuration values.</summary>
internal static class TestHosts
{
    public static HostApplicationBuilder Builder(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    /// <summary>A unique key prefix, so tests sharing one redis-server never see each other's keys.</summary>
    public static string UniquePrefix() => "test:" + Guid.NewGuid().ToString("N");

    public static async Task StopQuietlyAsync(this IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.StopAsync(timeout.Token);
        await ((IAsyncDisposable)host).DisposeAsync(); // Redis queues dispose asynchronously only.
    }

    public static T Keyed<T>(this IHost host, string key)
        where T : notnull => host.Services.GetRequiredKeyedService<T>(key);
}
