using Microsoft.Extensions.Options;

namespace Steadfast.Hosting.Configuration;

/// <summary>
/// Validates every named <typeparamref name="TSettings"/> (run at host start through <c>ValidateOnStart</c>, and on each
/// reload): the failure lists one message per bad value, each naming its appsettings.json key.
/// </summary>
internal sealed class SettingsValidator<TSettings>(IEnumerable<SettingsSection<TSettings>> sections) : IValidateOptions<TSettings>
    where TSettings : class, IValidatedSettings
{
    private readonly Dictionary<string, string> _paths = sections
        .GroupBy(s => s.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First().Path, StringComparer.Ordinal);

    public ValidateOptionsResult Validate(string? name, TSettings options)
    {
        if (!_paths.TryGetValue(name ?? Options.DefaultName, out string? path))
        {
            return ValidateOptionsResult.Skip; // Not one of ours (a name nobody registered).
        }

        var errors = new SettingsErrors(path);
        options.Validate(errors);
        return errors.Messages.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors.Messages);
    }
}
