using System.Globalization;

namespace Steadfast.Hosting.Configuration;

/// <summary>Problems found in one settings object, each naming its appsettings.json key (<c>Steadfast:Queues:orders:MaxDeliveries</c>).</summary>
internal sealed class SettingsErrors(string sectionPath)
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages => _messages;

    /// <summary>The full configuration key of a property of this section.</summary>
    public string Key(string property) => sectionPath.Length == 0 ? property : sectionPath + ":" + property;

    public void Add(string property, object? value, string rule) =>
        _messages.Add(string.Create(CultureInfo.InvariantCulture, $"{Key(property)} {rule} (was {value ?? "empty"})."));

    public void Positive(string property, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            Add(property, value, "must be positive");
        }
    }

    public void NotNegative(string property, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            Add(property, value, "must not be negative");
        }
    }

    public void AtLeast(string property, long value, long minimum)
    {
        if (value < minimum)
        {
            Add(property, value, string.Create(CultureInfo.InvariantCulture, $"must be at least {minimum}"));
        }
    }

    public void NotBlank(string property, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(property, value, "must not be empty");
        }
    }

    public void NullOrNotBlank(string property, string? value)
    {
        if (value is { Length: > 0 } && string.IsNullOrWhiteSpace(value))
        {
            Add(property, value, "must not be empty (leave it out for the default)");
        }
    }

    public void Defined<TEnum>(string property, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            Add(property, value, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}");
        }
    }
}
