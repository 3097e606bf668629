namespace Steadfast.CircuitBreakers;

/// <summary>
/// Sliding count of successes and failures over the sampling duration, in <see cref="BucketCount"/> time-slice
/// buckets (a bucket is reused when its slice has expired). A mutable struct kept in a field of the breaker and
/// only touched under its lock: recording an outcome allocates nothing.
/// </summary>
internal struct HealthWindow
{
    public const int BucketCount = 10;

    private readonly long _sliceLength;
    private HealthBuckets _buckets;

    /// <param name="samplingDuration">The window length in timestamp units.</param>
    public HealthWindow(long samplingDuration)
    {
        _sliceLength = Math.Max(1, samplingDuration / BucketCount);
        Reset();
    }

    /// <summary>The length of one bucket in timestamp units: the window's "tick".</summary>
    public readonly long SliceLength => _sliceLength;

    public void Reset()
    {
        for (var i = 0; i < BucketCount; i++)
        {
            _buckets[i] = new HealthBucket { Slice = long.MinValue };
        }
    }

    public void RecordSuccess(long now) => _buckets[BucketIndex(now)].Successes++;

    /// <summary>Records a failure and returns the totals of the live window, failure included.</summary>
    public (int Total, int Failures) RecordFailure(long now)
    {
        _buckets[BucketIndex(now)].Failures++;

        var current = now / _sliceLength;
        int total = 0, failures = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            ref var bucket = ref _buckets[i];
            if (bucket.Slice > current - BucketCount && bucket.Slice <= current)
            {
                total += bucket.Successes + bucket.Failures;
                failures += bucket.Failures;
            }
        }

        return (total, failures);
    }

    /// <summary>The index of the bucket for <paramref name="now"/>, emptied first if it held an expired slice.</summary>
    private int BucketIndex(long now)
    {
        var slice = now / _sliceLength;
        var index = (int)(((slice % BucketCount) + BucketCount) % BucketCount);
        ref var bucket = ref _buckets[index];
        if (bucket.Slice != slice)
        {
            // The bucket holds an expired slice: start it over for this one.
            bucket = new HealthBucket { Slice = slice };
        }

        return index;
    }
}
