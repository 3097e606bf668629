using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Steadfast.Hosting;
using Steadfast.Hosting.Backends;
using Steadfast.Hosting.Configuration;
using Steadfast.Locks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Steadfast in a service collection: <c>builder.Services.AddSteadfast()</c>.</summary>
public static class SteadfastServiceCollectionExtensions
{
    /// <summary>
    /// Adds Steadfast: the backend choice (in-memory unless <c>Steadfast:Redis:ConnectionString</c> is set or
    /// <see cref="SteadfastBuilder.UseRedis()"/> is called), the distributed lock provider
    /// (<see cref="IDistributedLockProvider"/>), and the builder that adds queues, consumers, breakers, retry policies,
    /// rate limiters, leader-only services, redundancy and health checks. Settings bind from the configuration section
    /// <c>Steadfast</c> of the host's <c>IConfiguration</c> and are validated when the host starts.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <returns>The builder; calling <c>AddSteadfast</c> again returns a builder over the same registrations.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static SteadfastBuilder AddSteadfast(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        SteadfastRegistry registry = SteadfastRegistry.GetOrAdd(services);
        var builder = new SteadfastBuilder(services, registry);
        if (registry.CoreAdded)
        {
            return builder;
        }

        registry.CoreAdded = true;
        services.AddOptions();
        services.AddSettings<SteadfastOptions>(string.Empty, SectionPaths.Root);
        services.AddSettings<LockSettings>(string.Empty, SectionPaths.Locks);
        services.TryAddSingleton<SteadfastBackend>();
        services.TryAddSingleton<IDistributedLockProvider>(sp => sp.GetRequiredService<SteadfastBackend>().CreateLockProvider(sp));
        return builder;
    }

    /// <summary>
    /// Binds <typeparamref name="TSettings"/> named <paramref name="name"/> to the configuration section
    /// <paramref name="sectionPath"/>, validates it on start with messages naming the keys, and returns the options builder.
    /// </summary>
    internal static OptionsBuilder<TSettings> AddSettings<TSettings>(this IServiceCollection services, string name, string sectionPath)
        where TSettings : class, IValidatedSettings
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TSettings>, SettingsValidator<TSettings>>());
        services.AddSingleton(new SettingsSection<TSettings>(name, sectionPath));
        return services.AddOptions<TSettings>(name)
            .BindConfiguration(sectionPath)
            .ValidateOnStart();
    }
}
