namespace Steadfast.Chaos.History;

/// <summary>
/// The protected resource: an in-process register per lock name that takes a write only when the writer's fencing
/// token is at least the highest it has taken (the rule of <c>RedisFencedWriter</c>), and logs every write in its own
/// order. It lives outside the faulted Redis on purpose: the resource is another system, whose memory of the highest
/// token a Redis crash does not roll back.
/// </summary>
internal sealed class FencedRegister
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _highest = new(StringComparer.Ordinal);
    private readonly List<RegisterWrite> _log = [];

    /// <summary>Offers a write; true when taken, false when a greater token had written before (a stale writer).</summary>
    public bool TryWrite(string name, long holdId, long token)
    {
        lock (_gate)
        {
            long highest = _highest.GetValueOrDefault(name);
            bool accepted = token >= highest;
            if (accepted)
            {
                _highest[name] = token;
            }

            _log.Add(new RegisterWrite(_log.Count, name, holdId, token, accepted, Clock.Now));
            return accepted;
        }
    }

    public IReadOnlyList<RegisterWrite> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }
}
