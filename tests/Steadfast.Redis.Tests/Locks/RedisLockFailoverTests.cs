using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>
/// A primary and a replica on loopback, the replica promoted (<c>REPLICAOF NO ONE</c>) mid-run while the old primary keeps
/// accepting writes: what holds with <see cref="RedisLockProviderOptions.ReplicaAcknowledgements"/> and without it.
/// </summary>
public sealed class RedisLockFailoverTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static readonly RedisLockProviderOptions Acknowledged = new()
    {
        ReplicaAcknowledgements = 1,
        ReplicaAcknowledgementTimeout = TimeSpan.FromMilliseconds(1500),
    };

    private static string NewName() => "failover-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task An_acknowledged_acquire_survives_the_promotion_and_an_unacknowledged_one_fails_and_is_released()
    {
        await using var pair = await RedisPrimaryReplica.StartAsync();
        // WAIT answers within its own timeout: the multiplexer's must be longer, or it would report a timeout instead.
        await using var toOldPrimary = await pair.Primary.ConnectAsync(o => o.AsyncTimeout = 10_000);
        var acknowledged = new RedisLockProvider(toOldPrimary, Acknowledged);
        var name = NewName();

        var held = await acknowledged.AcquireAsync(name, new LockOptions { Lease = Lease });
        Assert.True(await held.ExtendAsync(Lease)); // renewals wait for the replica too
        await pair.PromoteReplicaAsync();

        await using var toNewPrimary = await pair.Replica.ConnectAsync();
        var other = new RedisLockProvider(toNewPrimary);
        Assert.Null(await other.TryAcquireAsync(name));
        // The fencing counter came along: a later holder on the new primary gets a greater token.
        var fence = other.GetKeys(name).Keys[1];
        Assert.Equal(held.FencingToken, (long)await toNewPrimary.GetDatabase().StringGetAsync(fence));

        // Mid-run, after the promotion: the old primary still answers, but no replica acknowledges any more.
        var second = NewName();
        var ex = await Assert.ThrowsAsync<RedisLockException>(async () => await acknowledged.AcquireAsync(second, new LockOptions { Lease = Lease }));
        Assert.Contains("0 of 1 replicas", ex.Message, StringComparison.Ordinal);
        Assert.False(await toOldPrimary.GetDatabase().KeyExistsAsync(acknowledged.GetKeys(second).Keys[0])); // released again
        await using var onNew = await other.AcquireAsync(second, new LockOptions { Lease = Lease });
        Assert.True(await onNew.ReleaseAsync());
    }

    [Fact]
    public async Task Without_acknowledgements_the_old_primary_grants_a_lock_the_promoted_replica_grants_again()
    {
        await using var pair = await RedisPrimaryReplica.StartAsync();
        await using var toOldPrimary = await pair.Primary.ConnectAsync();
        var unacknowledged = new RedisLockProvider(toOldPrimary);
        await pair.PromoteReplicaAsync();
        await using var toNewPrimary = await pair.Replica.ConnectAsync();
        var other = new RedisLockProvider(toNewPrimary);
        var name = NewName();

        // The write the old primary acknowledged never reaches the new one: two holders at once. This is what the
        // docs say holds without ReplicaAcknowledgements (fencing at the resource is the remaining defence).
        await using var first = await unacknowledged.AcquireAsync(name, new LockOptions { Lease = Lease });
        await using var second = await other.AcquireAsync(name, new LockOptions { Lease = Lease, WaitTimeout = TimeSpan.Zero });

        Assert.False(first.Lost.IsCancellationRequested);
        Assert.False(second.Lost.IsCancellationRequested);
        // Tokens come from the servers' clocks (here one machine's): the later holder's is still the greater one.
        Assert.True(second.FencingToken > first.FencingToken);
    }
}
