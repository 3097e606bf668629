using Steadfast.Hosting.Configuration;
using Steadfast.Retry;

namespace Steadfast.Hosting;

/// <summary>
/// The section <c>Steadfast:RetryPolicies:NAME</c>. Every value reloads: a change builds a new policy that
/// <see cref="RetryPolicyProvider.Get"/> hands out from then on.
/// </summary>
public sealed class RetrySettings : IValidatedSettings
{
    private static readonly RetryOptions Defaults = new();

    /// <summary>Total attempts, the first included. Default 3. At least 1.</summary>
    public int MaxAttempts { get; set; } = Defaults.MaxAttempts;

    /// <summary>The delay the exponential backoff grows from. Default 200 ms. Positive.</summary>
    public TimeSpan BaseDelay { get; set; } = Defaults.BaseDelay;

    /// <summary>The longest single delay. Default 30 s. Positive.</summary>
    public TimeSpan MaxDelay { get; set; } = Defaults.MaxDelay;

    /// <summary>The jitter: <c>Full</c> (default) or <c>Decorrelated</c>.</summary>
    public RetryJitter Jitter { get; set; } = Defaults.Jitter;

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        errors.AtLeast(nameof(MaxAttempts), MaxAttempts, 1);
        errors.Positive(nameof(BaseDelay), BaseDelay);
        errors.Positive(nameof(MaxDelay), MaxDelay);
        errors.Defined(nameof(Jitter), Jitter);
    }
}
