using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Redundancy;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Time;
using Steadfast.Testing.Conditions;

namespace Steadfast.Redis.Tests.Redundancy;

/// <summary>Leader election across "processes" (one multiplexer and provider each) on a real redis-server.</summary>
public sealed class LeaderElectionRedisTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WakeUp = TimeSpan.FromSeconds(1); // the provider's longest fallback re-check
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30); // bounds a hang, never a success

    /// <summary>One contender: its own connection, provider and election loop.</summary>
    private sealed class Contender : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        private Contender(string name, ConnectionMultiplexer connection, RedisLockProvider locks)
        {
            Name = name;
            Connection = connection;
            Locks = locks;
        }

        public string Name { get; }

        public ConnectionMultiplexer Connection { get; }

        public RedisLockProvider Locks { get; }

        public TaskCompletionSource<Leadership> Elected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long ElectedAt;

        public long LostAt;

        public TaskCompletionSource WriteAgain { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<bool> SecondWrite { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task? Run { get; private set; }

        public static async Task<Contender> StartAsync(string name, RedisServer server, string prefix, string election,
            RedisFencedWriter resource, string resourceKey, TimeProvider? clock = null)
        {
            var connection = await server.ConnectAsync();
            var locks = new RedisLockProvider(connection, new RedisLockProviderOptions { KeyPrefix = prefix, TimeProvider = clock });
            var contender = new Contender(name, connection, locks);
            var leaderElection = new LeaderElection(locks, new LeaderElectionOptions { Lease = Lease, RetryDelay = TimeSpan.FromMilliseconds(100) }, clock);
            contender.Run = leaderElection.RunAsync(election, async (leadership, ct) =>
            {
                Interlocked.CompareExchange(ref contender.ElectedAt, Stopwatch.GetTimestamp(), 0);
                leadership.Lost.Register(() => Interlocked.CompareExchange(ref contender.LostAt, Stopwatch.GetTimestamp(), 0));
                Assert.True(await resource.TrySetAsync(resourceKey, name, leadership.FencingToken));
                contender.Elected.TrySetResult(leadership);

                // Lead until told to write again (a paused leader waking up) or until leadership is lost.
                await contender.WriteAgain.Task.WaitAsync(ct);
                contender.SecondWrite.TrySetResult(await resource.TrySetAsync(resourceKey, name, leadership.FencingToken));
                await Task.Delay(Timeout.Infinite, ct);
            }, contender._stop.Token);
            return contender;
        }

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            try
            {
                await Run!.WaitAsync(Wait);
            }
            catch (OperationCanceledException)
            {
            }

            await Connection.DisposeAsync();
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task After_the_leader_crashes_a_standby_leads_within_lease_plus_one_wake_up_and_stale_tokens_are_refused()
    {
        string prefix = RedisServerFixture.UniqueKey("election");
        string resourceKey = RedisServerFixture.UniqueKey("resource");
        var resource = new RedisFencedWriter(redis.Connection.GetDatabase());

        // A is a leader that stops renewing without noticing (a frozen process: its clock never moves, so it never
        // renews and never sees its lease lost) — the case only fencing can catch.
        await using var a = await Contender.StartAsync("a", redis.Server, prefix, "orders", resource, resourceKey, new FakeTimeProvider());
        Leadership leaderA = await a.Elected.Task.WaitAsync(Wait);

        // The standbys share a clock moved by hand, so "within one wake-up" is a matter of their time, not of how
        // promptly a busy machine runs their timers. Both try, fail and wait (each has started a re-check timer).
        var standbyClock = new ObservedTimeProvider();
        await using var b = await Contender.StartAsync("b", redis.Server, prefix, "orders", resource, resourceKey, standbyClock);
        await using var c = await Contender.StartAsync("c", redis.Server, prefix, "orders", resource, resourceKey, standbyClock);
        await UntilTimersAsync(standbyClock, 2);
        RedisKey lockKey = b.Locks.GetKeys("orders").Keys[0];
        await UntilExpiredAsync(lockKey); // A's lease has run out on Redis's clock

        // One wake-up later (on their clock), one of them leads; the other tried too and waits again.
        standbyClock.Advance(WakeUp + TimeSpan.FromMilliseconds(1));
        Contender second = (await Task.WhenAny(b.Elected.Task, c.Elected.Task).WaitAsync(Wait)) == b.Elected.Task ? b : c;
        Contender third = second == b ? c : b;
        Leadership leaderSecond = await second.Elected.Task;
        Assert.False(third.Elected.Task.IsCompleted);
        Assert.True(leaderSecond.FencingToken > leaderA.FencingToken);

        // The frozen leader wakes up and writes with its old token: refused at the resource.
        a.WriteAgain.SetResult();
        Assert.False(await a.SecondWrite.Task.WaitAsync(Wait));
        Assert.Equal(second.Name, (string?)await redis.Connection.GetDatabase().StringGetAsync(resourceKey));

        // The second leader crashes for real (its connection dies): once a lease's worth of its time has passed it sees
        // leadership lost; the third contender leads only after that, on its first wake-up once Redis let the lease go.
        await second.Connection.CloseAsync(allowCommandsToComplete: false);
        standbyClock.Advance(Lease);
        // Lost may be signalled from the failed renewal's continuation on the thread pool, not within Advance: wait for it
        // (a busy machine delays it; it does not change which comes first below).
        await Until.TrueAsync(() => Volatile.Read(ref second.LostAt) != 0, "the crashed leader seeing its leadership lost", Wait);
        await UntilExpiredAsync(lockKey);
        standbyClock.Advance(WakeUp + TimeSpan.FromMilliseconds(1));
        Leadership leaderThird = await third.Elected.Task.WaitAsync(Wait);
        Assert.True(third.ElectedAt > second.LostAt, "two contenders held valid leadership at the same time");
        Assert.True(leaderThird.FencingToken > leaderSecond.FencingToken);

        second.WriteAgain.TrySetResult(); // its work was cancelled when leadership was lost: no further write happens
        third.WriteAgain.SetResult();
        Assert.True(await third.SecondWrite.Task.WaitAsync(Wait));
        Assert.Equal(leaderThird.FencingToken, await resource.GetHighestTokenAsync(resourceKey));
    }

    [Fact]
    public async Task A_released_leadership_wakes_a_standby_at_once_through_the_release_notification()
    {
        string prefix = RedisServerFixture.UniqueKey("election");
        string resourceKey = RedisServerFixture.UniqueKey("resource");
        var resource = new RedisFencedWriter(redis.Connection.GetDatabase());
        await using var connection = await redis.Server.ConnectAsync();
        var locks = new RedisLockProvider(connection, new RedisLockProviderOptions { KeyPrefix = prefix });
        var stepDown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var electedA = new TaskCompletionSource<Leadership>(TaskCreationOptions.RunContinuationsAsynchronously);
        var longLease = new LeaderElectionOptions { Lease = TimeSpan.FromSeconds(30) };

        Task runA = new LeaderElection(locks, longLease).RunAsync("reports", async (leadership, ct) =>
        {
            electedA.SetResult(leadership);
            await stepDown.Task.WaitAsync(ct);
        });
        Leadership leaderA = await electedA.Task.WaitAsync(Wait);

        // B's clock never moves, so its fallback re-check never comes: only the release notification can wake it.
        await using var b = await Contender.StartAsync("b", redis.Server, prefix, "reports", resource, resourceKey, new FakeTimeProvider());
        // Wait until b is subscribed to the release channel, i.e. waiting on the held lock.
        var server = redis.Connection.GetServer(redis.Server.EndPoint);
        var channel = RedisChannel.Literal($"{prefix}:reports:released");
        await Until.TrueAsync(async () => await server.SubscriptionSubscriberCountAsync(channel) > 0, "b waiting", Wait);

        Assert.False(b.Elected.Task.IsCompleted);

        stepDown.SetResult();
        await runA.WaitAsync(Wait);
        Leadership leaderB = await b.Elected.Task.WaitAsync(Wait);
        Assert.True(leaderB.FencingToken > leaderA.FencingToken);
    }

    private static Task UntilTimersAsync(ObservedTimeProvider clock, int count) =>
        Until.TrueAsync(() => clock.DueTimes.Count(due => due != Timeout.InfiniteTimeSpan) >= count, $"{count} waiters waiting", Wait);

    private Task UntilExpiredAsync(RedisKey key) =>
        Until.TrueAsync(async () => !await redis.Connection.GetDatabase().KeyExistsAsync(key), $"{key} expiring", Wait);
}
