using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Steadfast.Redundancy;

namespace Steadfast.Tests.Redundancy;

/// <summary>Collects measurements of the Steadfast.Redundancy meter that carry one component name (tests run in parallel).</summary>
internal sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly string _name;

    public MetricsCollector(string name)
    {
        _name = name;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RedundancyTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    public ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = new();

    public double Sum(string instrument) => Measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

    public IReadOnlyList<double> Values(string instrument) => Measurements.Where(m => m.Instrument == instrument).Select(m => m.Value).ToList();

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            map[tag.Key] = tag.Value;
        }

        if (map.TryGetValue(RedundancyTelemetry.NameTag, out var name) && (string?)name == _name)
        {
            Measurements.Enqueue((instrument.Name, value, map));
        }
    }
}
