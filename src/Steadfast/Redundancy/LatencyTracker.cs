namespace Steadfast.Redundancy;

/// <summary>
/// A percentile over the last <see cref="Capacity"/> latencies (a ring buffer), recomputed on every sample while there
/// are few and every 64 samples after that (a sort of 512 values), so that reading it is a field load. Thread-safe.
/// </summary>
internal sealed class LatencyTracker
{
    internal const int Capacity = 512;
    internal const int MinimumSamples = 20;
    private const int RecomputeEvery = 64;

    private readonly object _gate = new();
    private readonly double[] _ring = new double[Capacity];
    private readonly double[] _scratch = new double[Capacity];
    private readonly double _percentile;
    private int _count;
    private int _next;
    private int _sinceRecompute;
    private long _cachedTicks = -1;

    public LatencyTracker(double percentile) => _percentile = percentile;

    /// <summary>The percentile of recent latencies, or <see langword="null"/> until <see cref="MinimumSamples"/> were recorded.</summary>
    public TimeSpan? Current
    {
        get
        {
            long ticks = Volatile.Read(ref _cachedTicks);
            return ticks < 0 ? null : TimeSpan.FromTicks(ticks);
        }
    }

    public void Record(TimeSpan latency)
    {
        lock (_gate)
        {
            _ring[_next] = latency.Ticks;
            _next = (_next + 1) % Capacity;
            if (_count < Capacity)
            {
                _count++;
            }

            if (_count < MinimumSamples || (++_sinceRecompute < RecomputeEvery && _count >= 2 * MinimumSamples))
            {
                return;
            }

            _sinceRecompute = 0;
            Array.Copy(_ring, _scratch, _count);
            Array.Sort(_scratch, 0, _count);
            int index = Math.Clamp((int)Math.Ceiling(_percentile * _count) - 1, 0, _count - 1);
            Volatile.Write(ref _cachedTicks, (long)_scratch[index]);
        }
    }
}
