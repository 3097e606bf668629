using Steadfast.Locks;
using Steadfast.Testing.Locks;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>The shared lock contract on a real redis-server.</summary>
public sealed class RedisLockContractTests(RedisServerFixture redis) : DistributedLockContractTests, IClassFixture<RedisServerFixture>
{
    protected override IDistributedLockProvider CreateProvider() => new RedisLockProvider(redis.Connection);

    // Real time on a shared 2-core CI box: leases long enough that a renewal delayed by scheduling is not a lost lease.
    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(2);
}

/// <summary>The shared lock contract on the fixture's local 3-master Redis Cluster.</summary>
public sealed class RedisClusterLockContractTests(RedisClusterFixture cluster) : DistributedLockContractTests, IClassFixture<RedisClusterFixture>
{
    protected override IDistributedLockProvider CreateProvider() => new RedisLockProvider(cluster.Connection);

    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(2);
}
