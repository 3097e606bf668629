using Steadfast.Locks;
using Steadfast.Testing.Locks;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>The shared lock contract on a real redis-server.</summary>
public sealed class RedisLockContractTests(RedisServerFixture redis) : DistributedLockContractTests, IClassFixture<RedisServerFixture>
{
    protected override IDistributedLockProvider CreateProvider() => new RedisLockProvider(redis.Connection);
}

/// <summary>The shared lock contract on the fixture's local 3-master Redis Cluster.</summary>
public sealed class RedisClusterLockContractTests(RedisClusterFixture cluster) : DistributedLockContractTests, IClassFixture<RedisClusterFixture>
{
    protected override IDistributedLockProvider CreateProvider() => new RedisLockProvider(cluster.Connection);
}
