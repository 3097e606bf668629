namespace Steadfast.CircuitBreakers;

/// <summary>Outcome counts of one slice of the sampling window.</summary>
internal struct HealthBucket
{
    /// <summary>Which time slice (timestamp / bucket length) the counts belong to.</summary>
    public long Slice;
    public int Successes;
    public int Failures;
}
