using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Steadfast.Hosting.Logging;

namespace Steadfast.Hosting.Configuration;

/// <summary>
/// One instance per registered name, built from its named settings on first use and built again when the settings
/// change (a reload that fails validation never reaches here, so the old instance stays).
/// </summary>
internal sealed class ReloadingInstances<TSettings, TInstance> : IDisposable
    where TInstance : class
{
    private readonly IOptionsMonitor<TSettings> _monitor;
    private readonly IReadOnlySet<string> _names;
    private readonly Func<string, TSettings, TInstance> _create;
    private readonly ILogger _logger;
    private readonly string _kind;
    private readonly string _addMethod;
    private readonly ConcurrentDictionary<string, TInstance> _instances = new(StringComparer.Ordinal);
    private readonly IDisposable? _subscription;

    public ReloadingInstances(IOptionsMonitor<TSettings> monitor, IReadOnlySet<string> names, string kind, string addMethod,
        Func<string, TSettings, TInstance> create, ILogger logger)
    {
        _monitor = monitor;
        _names = names;
        _kind = kind;
        _addMethod = addMethod;
        _create = create;
        _logger = logger;
        _subscription = monitor.OnChange(OnChange);
    }

    public TInstance Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_names.Contains(name))
        {
            throw new InvalidOperationException($"No {_kind} named '{name}' was registered; add it with AddSteadfast().{_addMethod}(\"{name}\").");
        }

        return _instances.GetOrAdd(name, n => _create(n, _monitor.Get(n)));
    }

    private void OnChange(TSettings settings, string? name)
    {
        if (name is null || !_instances.ContainsKey(name))
        {
            return; // Not built yet: the first Get reads the new settings.
        }

        _instances[name] = _create(name, settings);
        HostingLog.Reloaded(_logger, _kind, name);
    }

    public void Dispose() => _subscription?.Dispose();
}
