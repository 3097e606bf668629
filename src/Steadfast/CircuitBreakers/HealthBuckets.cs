using System.Runtime.CompilerServices;

namespace Steadfast.CircuitBreakers;

/// <summary>The window's buckets stored inline, so the window lives inside the breaker with no array.</summary>
[InlineArray(HealthWindow.BucketCount)]
internal struct HealthBuckets
{
    private HealthBucket _first;
}
