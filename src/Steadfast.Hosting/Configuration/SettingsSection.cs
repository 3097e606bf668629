namespace Steadfast.Hosting.Configuration;

/// <summary>Which configuration section the named <typeparamref name="TSettings"/> bind from (so messages can name its keys).</summary>
internal sealed record SettingsSection<TSettings>(string Name, string Path);
