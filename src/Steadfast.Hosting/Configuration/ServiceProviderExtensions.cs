using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Steadfast.Hosting.Configuration;

/// <summary>The two things every primitive takes from the container: its logger and the clock.</summary>
internal static class ServiceProviderExtensions
{
    /// <summary>DI's <see cref="ILogger{TCategoryName}"/>; a null logger when the container has no logging.</summary>
    public static ILogger<T> LoggerFor<T>(this IServiceProvider services) =>
        services.GetService<ILogger<T>>() ?? NullLogger<T>.Instance;

    /// <summary>The registered <see cref="TimeProvider"/> (a FakeTimeProvider in tests), else the system clock.</summary>
    public static TimeProvider Clock(this IServiceProvider services) =>
        services.GetService<TimeProvider>() ?? TimeProvider.System;
}
