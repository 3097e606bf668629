using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Steadfast.Queues;

namespace Steadfast.Hosting.Tests;

/// <summary>AddSteadfastInstrumentation() subscribes the OpenTelemetry SDK to Steadfast's meters and traces.</summary>
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task AddSteadfastInstrumentation_ExportsQueueMetricsAndTraces()
    {
        var metrics = new List<Metric>();
        var activities = new List<Activity>();
        var builder = TestHosts.Builder(new Dictionary<string, string?>());
        // A queue name no other test uses: the exported data are filtered by it.
        string name = "otel-" + Guid.NewGuid().ToString("N");
        builder.Services.AddSteadfast().AddQueue<string>(name);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddInMemoryExporter(metrics))
            .WithTracing(t => t.AddInMemoryExporter(activities))
            .AddSteadfastInstrumentation();
        using IHost host = builder.Build();
        await host.StartAsync();

        await host.Keyed<IReliableQueue<string>>(name).EnqueueAsync("order-1");
        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        host.Services.GetRequiredService<TracerProvider>().ForceFlush();

        Assert.Contains(metrics, m => m.MeterName == QueueTelemetry.MeterName && m.Name == QueueTelemetry.Enqueued);
        Assert.Contains(activities, a => a.Source.Name == SteadfastInstrumentation.ActivitySourceName
            && a.Tags.Any(t => t.Value == name));
        await host.StopQuietlyAsync();
    }
}
