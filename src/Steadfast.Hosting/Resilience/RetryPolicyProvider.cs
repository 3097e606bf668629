using Microsoft.Extensions.Options;
using Steadfast.Hosting.Configuration;
using Steadfast.Retry;

namespace Steadfast.Hosting;

/// <summary>
/// The retry policies registered with <see cref="SteadfastBuilder.AddRetryPolicy"/>, by name. Singletons that want
/// reloaded settings call <see cref="Get"/> per use; <c>[FromKeyedServices("name")] RetryPolicy</c> gives the policy
/// current at resolution time.
/// </summary>
public sealed class RetryPolicyProvider : IDisposable
{
    private readonly ReloadingInstances<RetrySettings, RetryPolicy> _policies;

    internal RetryPolicyProvider(IServiceProvider services, SteadfastRegistry registry, IOptionsMonitor<RetrySettings> settings)
    {
        TimeProvider time = services.Clock();
        _policies = new(settings, registry.RetryPolicies, "retry policy", "AddRetryPolicy", (_, s) => new RetryPolicy(new RetryOptions
        {
            MaxAttempts = s.MaxAttempts,
            BaseDelay = s.BaseDelay,
            MaxDelay = s.MaxDelay,
            Jitter = s.Jitter,
        }, time), services.LoggerFor<RetryPolicyProvider>());
    }

    /// <summary>The policy registered as <paramref name="name"/>, with its current settings.</summary>
    /// <param name="name">The registered name.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="InvalidOperationException">No policy of that name was registered.</exception>
    public RetryPolicy Get(string name) => _policies.Get(name);

    /// <summary>Stops following settings changes.</summary>
    public void Dispose() => _policies.Dispose();
}
