using System.Reflection;
using Steadfast.Locks;
using Steadfast.Queues;

namespace Steadfast.Redis.Tests;

/// <summary>
/// The shape of what users compile against: public classes are sealed unless designed for inheritance, and the
/// names the public surface fixes exist where it says (outside checks compile against them).
/// </summary>
public sealed class PublicApiShapeTests
{
    private static readonly Assembly[] Shipped = [typeof(InMemoryLockProvider).Assembly, typeof(RedisLockProvider).Assembly];

    // Designed for inheritance: RedisQueueOptions extends the queue options every backend shares.
    private static readonly Type[] OpenByDesign = [typeof(QueueOptions)];

    [Fact]
    public void PublicClassesAreSealedUnlessDesignedForInheritance()
    {
        var open = Shipped.SelectMany(a => a.GetExportedTypes())
            .Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract && !OpenByDesign.Contains(t))
            .Select(t => t.FullName)
            .ToList();
        Assert.True(open.Count == 0, "unsealed public classes: " + string.Join(", ", open));
    }

    [Theory]
    [InlineData("Steadfast.Locks.IDistributedLockProvider")]
    [InlineData("Steadfast.Locks.ILockHandle")]
    [InlineData("Steadfast.Locks.LockOptions")]
    [InlineData("Steadfast.Locks.InMemoryLockProvider")]
    [InlineData("Steadfast.Locks.RedisLockProvider")]
    [InlineData("Steadfast.Queues.IReliableQueue`1")]
    [InlineData("Steadfast.Queues.IDelivery`1")]
    [InlineData("Steadfast.Queues.InMemoryReliableQueue`1")]
    [InlineData("Steadfast.Queues.RedisReliableQueue`1")]
    [InlineData("Steadfast.Queues.QueueOptions")]
    [InlineData("Steadfast.Queues.RedisQueueOptions")]
    [InlineData("Steadfast.CircuitBreakers.CircuitBreaker")]
    [InlineData("Steadfast.CircuitBreakers.CircuitBreakerOptions")]
    [InlineData("Steadfast.CircuitBreakers.CircuitState")]
    [InlineData("Steadfast.CircuitBreakers.CircuitBreakerOpenException")]
    [InlineData("Steadfast.CircuitBreakers.ICircuitStateStore")]
    [InlineData("Steadfast.CircuitBreakers.RedisCircuitStateStore")]
    [InlineData("Steadfast.Redundancy.HotHot`1")]
    [InlineData("Steadfast.Redundancy.HotWarm`1")]
    [InlineData("Steadfast.Redundancy.HotHotOptions")]
    [InlineData("Steadfast.Redundancy.HotWarmOptions`1")]
    [InlineData("Steadfast.Redundancy.FailoverEventArgs")]
    [InlineData("Steadfast.Redis.RateLimiting.RedisTokenBucketRateLimiter")]
    [InlineData("Steadfast.Redis.RateLimiting.RedisTokenBucketOptions")]
    public void FixedNameExists(string fullName) =>
        Assert.Contains(Shipped.SelectMany(a => a.GetExportedTypes()), t => t.FullName == fullName);
}
