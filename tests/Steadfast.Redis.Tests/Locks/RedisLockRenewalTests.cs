using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Locks.Internal;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Time;
using Steadfast.Testing.Conditions;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>
/// Renewal tolerance on a real server that stalls or goes away, with the holder's clock moved by hand: a failed renewal
/// is retried while the lease allows, and Lost still fires before the lease can have run out.
/// </summary>
public sealed class RedisLockRenewalTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Retry = LeasedLockHandle.RenewalRetryDelay(Lease);
    private static readonly TimeSpan LostAt = Lease - LockArguments.SafetyMargin(Lease);

    private static string NewName() => "renew-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_renewal_that_times_out_during_a_stall_is_retried_and_the_lease_is_kept()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync(); // 2 s timeouts
        await using var admin = await server.ConnectAsync();
        var clock = new ObservedTimeProvider();
        var locks = new RedisLockProvider(connection, new RedisLockProviderOptions { TimeProvider = clock });
        var name = NewName();
        var handle = (LeasedLockHandle)await locks.AcquireAsync(name, new LockOptions { Lease = Lease });
        await clock.WaitForTimerAsync(_ => true, Prompt);

        // The server stalls writes (a failover in progress) for longer than the client's timeout.
        await admin.GetServer(server.EndPoint).ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE");
        try
        {
            clock.Advance(Lease / 3);
            await Until.TrueAsync(() => handle.FailedRenewals == 1, "one failed renewal", Prompt);
            Assert.False(handle.Lost.IsCancellationRequested, "one failed renewal with two thirds of the lease left must not lose it");
        }
        finally
        {
            await admin.GetServer(server.EndPoint).ExecuteAsync("CLIENT", "UNPAUSE");
        }

        clock.Advance(Retry);
        await Until.TrueAsync(() => handle.ConfirmedRenewals == 1 || handle.FailedRenewals > 1, "a renewal after the failed one", Prompt);
        Assert.Equal(1, handle.ConfirmedRenewals);

        // Past the deadline of the first lease: still held, because the retry renewed it.
        clock.Advance(LostAt - (Lease / 3) - Retry + TimeSpan.FromSeconds(1));
        Assert.False(handle.Lost.IsCancellationRequested);
        Assert.True(await handle.ReleaseAsync());
    }

    [Fact]
    public async Task A_server_that_stays_down_gets_retries_and_Lost_fires_before_the_lease_runs_out()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var clock = new ObservedTimeProvider();
        var locks = new RedisLockProvider(connection, new RedisLockProviderOptions { TimeProvider = clock });
        var handle = (LeasedLockHandle)await locks.AcquireAsync(NewName(), new LockOptions { Lease = Lease });
        await clock.WaitForTimerAsync(_ => true, Prompt);
        await server.StopAsync();

        clock.Advance(Lease / 3);
        await Until.TrueAsync(() => handle.FailedRenewals == 1, "one failed renewal", Prompt);
        Assert.False(handle.Lost.IsCancellationRequested);

        clock.Advance(Retry);
        await Until.TrueAsync(() => handle.FailedRenewals == 2, "two failed renewals", Prompt);
        Assert.False(handle.Lost.IsCancellationRequested);

        // A tick before the deadline (lease minus a tenth): not yet lost; at it: lost, with a tenth of the lease to spare.
        clock.Advance(LostAt - (Lease / 3) - Retry - TimeSpan.FromTicks(1));
        Assert.False(handle.Lost.IsCancellationRequested);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.True(handle.Lost.IsCancellationRequested);
        Assert.Equal(0, handle.ConfirmedRenewals);
        await handle.DisposeAsync();
    }

    [Fact]
    public async Task A_renewal_refused_because_the_lock_moved_on_loses_the_lease_at_once()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var clock = new ObservedTimeProvider();
        var locks = new RedisLockProvider(connection, new RedisLockProviderOptions { TimeProvider = clock });
        var name = NewName();
        var handle = (LeasedLockHandle)await locks.AcquireAsync(name, new LockOptions { Lease = Lease });
        await clock.WaitForTimerAsync(_ => true, Prompt);
        await connection.GetDatabase().KeyDeleteAsync(locks.GetKeys(name).Keys[0]); // as if it had expired and moved on

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = handle.Lost.Register(() => lost.TrySetResult());
        clock.Advance(Lease / 3);
        await lost.Task.WaitAsync(Prompt);

        Assert.Equal(0, handle.FailedRenewals);
        Assert.False(await handle.ExtendAsync(Lease));
    }
}
