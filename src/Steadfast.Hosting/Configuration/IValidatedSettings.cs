namespace Steadfast.Hosting.Configuration;

/// <summary>Settings that check themselves, reporting each problem with the configuration key it came from.</summary>
internal interface IValidatedSettings
{
    /// <summary>Adds one message per bad value to <paramref name="errors"/>.</summary>
    /// <param name="errors">Collects the problems; each message names its key through <see cref="SettingsErrors.Key"/>.</param>
    void Validate(SettingsErrors errors);
}
