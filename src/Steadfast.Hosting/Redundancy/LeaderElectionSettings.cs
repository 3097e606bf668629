using Steadfast.Hosting.Configuration;
using Steadfast.Redundancy;

namespace Steadfast.Hosting;

/// <summary>The section <c>Steadfast:LeaderElections:NAME</c>. Read when the leader-only service starts: changes need a restart.</summary>
public sealed class LeaderElectionSettings : IValidatedSettings
{
    private static readonly LeaderElectionOptions Defaults = new();

    /// <summary>The leadership lease, renewed at a third of it while leading; a crashed leader is replaced once it runs
    /// out. Default 15 s. Positive.</summary>
    public TimeSpan Lease { get; set; } = Defaults.Lease;

    /// <summary>How long to wait before contending again after the lock backend failed, or after the leader work
    /// failed. Default 1 s. Positive.</summary>
    public TimeSpan RetryDelay { get; set; } = Defaults.RetryDelay;

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        errors.Positive(nameof(Lease), Lease);
        errors.Positive(nameof(RetryDelay), RetryDelay);
    }
}
