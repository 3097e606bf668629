using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Steadfast;

namespace OpenTelemetry;

/// <summary><c>AddSteadfastInstrumentation()</c> for the OpenTelemetry builders.</summary>
public static class SteadfastOpenTelemetryExtensions
{
    /// <summary>Subscribes to Steadfast's traces and metrics: <c>services.AddOpenTelemetry().AddSteadfastInstrumentation()</c>.</summary>
    /// <param name="builder">The OpenTelemetry builder.</param>
    /// <returns>The builder.</returns>
    public static IOpenTelemetryBuilder AddSteadfastInstrumentation(this IOpenTelemetryBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSteadfastInstrumentation());
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddSteadfastInstrumentation());
        return builder;
    }

    /// <summary>Subscribes to Steadfast's ActivitySource (locks, queues, breakers, retries, redundancy, rate limiting).</summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddSteadfastInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(SteadfastInstrumentation.ActivitySourceName);
    }

    /// <summary>Subscribes to Steadfast's meters (<see cref="SteadfastInstrumentation.MeterNames"/>).</summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddSteadfastInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter([.. SteadfastInstrumentation.MeterNames]);
    }
}
