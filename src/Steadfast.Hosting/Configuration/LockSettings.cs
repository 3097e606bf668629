using Steadfast.Hosting.Configuration;

namespace Steadfast.Hosting;

/// <summary>The section <c>Steadfast:Locks</c>: the lock provider. Read when it is created: changes need a restart.</summary>
public sealed class LockSettings : IValidatedSettings
{
    /// <summary>Prefix of the Redis lock keys. Default <c>steadfast:lock</c> (the Redis lock provider's own default).</summary>
    public string KeyPrefix { get; set; } = new Steadfast.Locks.RedisLockProviderOptions().KeyPrefix;

    void IValidatedSettings.Validate(SettingsErrors errors) => errors.NotBlank(nameof(KeyPrefix), KeyPrefix);
}
