using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;
using Steadfast.Locks;
using Steadfast.Redis;
using Steadfast.Testing.Redis;
using Steadfast.Testing.Time;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>Redis-specific lock behaviour on a real redis-server.</summary>
public sealed class RedisLockProviderTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    /// <summary>Bounds a wait so a broken test fails instead of hanging; never the measure of a success.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);

    private static string NewName() => "lock-" + Guid.NewGuid().ToString("N");

    private static async Task UntilLostAsync(ILockHandle handle)
    {
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using CancellationTokenRegistration registration = handle.Lost.Register(() => lost.TrySetResult());
        await lost.Task.WaitAsync(Prompt);
    }

    [Fact]
    public async Task Eight_clients_times_500_acquisitions_keep_a_non_atomic_counter_exact_and_fencing_tokens_strictly_increasing()
    {
        const int Clients = 8, Rounds = 500;
        var name = NewName();
        var counterKey = RedisServerFixture.UniqueKey("counter");
        var connections = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => redis.Server.ConnectAsync()));
        long lastToken = 0;
        int violations = 0;
        try
        {
            await Task.WhenAll(connections.Select(connection => Task.Run(async () =>
            {
                var locks = new RedisLockProvider(connection);
                var db = connection.GetDatabase();
                for (int i = 0; i < Rounds; i++)
                {
                    await using var handle = await locks.AcquireAsync(name);

                    // Inside the lock: the previous holder's token is visible and must be smaller.
                    if (handle.FencingToken <= Volatile.Read(ref lastToken))
                    {
                        Interlocked.Increment(ref violations);
                    }

                    Volatile.Write(ref lastToken, handle.FencingToken);

                    // Deliberately non-atomic read-increment-write: only the lock keeps it exact.
                    long value = (long?)await db.StringGetAsync(counterKey) ?? 0;
                    await db.StringSetAsync(counterKey, value + 1);
                }
            })));

            Assert.Equal(Clients * Rounds, (long)await redis.Connection.GetDatabase().StringGetAsync(counterKey));
            Assert.Equal(0, violations);
            Assert.True(lastToken >= Clients * Rounds);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_client_cannot_release_or_extend_another_clients_lock()
    {
        var locks = new RedisLockProvider(redis.Connection);
        var name = NewName();
        await using var held = await locks.AcquireAsync(name);
        var keys = locks.GetKeys(name);
        var db = redis.Connection.GetDatabase();
        byte[] otherToken = Guid.NewGuid().ToByteArray();

        var released = await RedisLockProvider.ReleaseScript.EvaluateAsync(db, keys.Keys, [otherToken, keys.ChannelName], CommandFlags.None);
        var extended = await RedisLockProvider.ExtendScript.EvaluateAsync(db, keys.Keys, [otherToken, 60_000], CommandFlags.None);
        var empty = await RedisLockProvider.ReleaseScript.EvaluateAsync(db, keys.Keys, [RedisValue.EmptyString, keys.ChannelName], CommandFlags.None);

        Assert.Equal(0, (long)released);
        Assert.Equal(0, (long)extended);
        Assert.Equal(0, (long)empty);
        Assert.True(await db.KeyExistsAsync(keys.Keys[0]));
        Assert.InRange((await db.KeyTimeToLiveAsync(keys.Keys[0]))!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(30));
        Assert.Null(await locks.TryAcquireAsync(name));
        Assert.True(await held.ExtendAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_stalled_holder_on_one_client_loses_the_lease_and_a_second_client_gets_a_larger_token()
    {
        await using var c1 = await redis.Server.ConnectAsync();
        await using var c2 = await redis.Server.ConnectAsync();
        // The holder's clock is a fake one, moved by hand: when Lost fires is a matter of the holder's own time, not of
        // how promptly a busy machine runs its timers.
        var holderClock = new ObservedTimeProvider();
        var first = new RedisLockProvider(c1, new RedisLockProviderOptions { TimeProvider = holderClock });
        var second = new RedisLockProvider(c2);
        var name = NewName();
        var lease = TimeSpan.FromMilliseconds(800);
        var stalled = await first.AcquireAsync(name, new LockOptions { Lease = lease, AutoExtend = false });

        // Lost fires before the lease has run out on the holder's clock (which started before the acquire was sent, so
        // it is never behind Redis's expiry of the key).
        TimeSpan held = TimeSpan.Zero;
        while (!stalled.Lost.IsCancellationRequested && held < lease)
        {
            holderClock.Advance(TimeSpan.FromMilliseconds(10));
            held += TimeSpan.FromMilliseconds(10);
        }

        Assert.True(stalled.Lost.IsCancellationRequested, "Lost must fire before the next holder can acquire");
        Assert.True(held < lease, $"Lost fired after {held} of a {lease} lease");

        await using var next = await second.AcquireAsync(name, new LockOptions { WaitTimeout = Prompt });
        Assert.True(next.FencingToken > stalled.FencingToken);
        Assert.False(await stalled.ExtendAsync(lease));
        Assert.False(await stalled.ReleaseAsync());
        Assert.Null(await first.TryAcquireAsync(name));
    }

    [Fact]
    public async Task A_waiter_is_woken_by_the_release_message_well_before_the_fallback_recheck()
    {
        await using var c1 = await redis.Server.ConnectAsync();
        await using var c2 = await redis.Server.ConnectAsync();
        // The waiter's clock never moves, so its fallback re-check never comes: only the release message can wake it.
        var waiterClock = new ObservedTimeProvider();
        var holder = new RedisLockProvider(c1);
        var waiter = new RedisLockProvider(c2, new RedisLockProviderOptions { TimeProvider = waiterClock });
        var name = NewName();
        var held = await holder.AcquireAsync(name);
        var waiting = waiter.AcquireAsync(name).AsTask();
        await waiterClock.WaitForTimerAsync(_ => true, Prompt); // tried, subscribed, and now waiting for a re-check
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using var next = await waiting.WaitAsync(Prompt);
        Assert.True(next.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task Wait_timeout_is_honoured_precisely()
    {
        var locks = new RedisLockProvider(redis.Connection);
        var name = NewName();
        var wait = TimeSpan.FromMilliseconds(400);
        await using var held = await locks.AcquireAsync(name);

        // Never early, however fast or slow the machine: the provider's clock is the one measured here.
        var clock = Stopwatch.StartNew();
        Assert.Null(await locks.TryAcquireAsync(name, new LockOptions { WaitTimeout = wait }));
        Assert.True(clock.Elapsed >= wait, $"gave up after {clock.Elapsed}");

        // Not late either, on a clock moved by hand: still waiting a tick before the timeout, done at it.
        var fake = new ObservedTimeProvider();
        var timed = new RedisLockProvider(redis.Connection, new RedisLockProviderOptions { TimeProvider = fake });
        var waiting = timed.TryAcquireAsync(name, new LockOptions { WaitTimeout = wait }).AsTask();
        Assert.Equal(wait, await fake.WaitForTimerAsync(_ => true, Prompt)); // the re-check is cut to the time left
        fake.Advance(wait - TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.IsCompleted);
        fake.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await waiting.WaitAsync(Prompt));
    }

    [Fact]
    public async Task Scripts_are_reloaded_after_SCRIPT_FLUSH()
    {
        var locks = new RedisLockProvider(redis.Connection);
        await (await locks.AcquireAsync(NewName())).DisposeAsync();

        await redis.Connection.GetServer(redis.Server.EndPoint).ScriptFlushAsync();

        var handle = await locks.AcquireAsync(NewName());
        Assert.True(await handle.ExtendAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await handle.ReleaseAsync());
    }

    [Fact]
    public async Task Lock_keys_share_one_hash_tag()
    {
        var keys = new RedisLockProvider(redis.Connection, new RedisLockProviderOptions { KeyPrefix = "app:locks" }).GetKeys("orders");

        Assert.Equal("{app:locks:orders}", (string?)keys.Keys[0]);
        Assert.Equal("{app:locks:orders}:fence", (string?)keys.Keys[1]);
        Assert.Equal(redis.Connection.HashSlot(keys.Keys[0]), redis.Connection.HashSlot(keys.Keys[1]));
    }

    [Fact]
    public async Task Redis_restarted_while_held_fires_Lost_and_locks_work_again_afterwards()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        var locks = new RedisLockProvider(connection);
        var name = NewName();
        var unobserved = 0;
        // The event is process-wide and other test classes run in parallel: count only what the lock code left unobserved.
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, e) =>
        {
            if (e.Exception.ToString().Contains("Steadfast.Locks", StringComparison.Ordinal))
                Interlocked.Increment(ref unobserved);
        };
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            var held = await locks.AcquireAsync(name, new LockOptions { Lease = TimeSpan.FromSeconds(2) });
            var lost = new TaskCompletionSource();
            held.Lost.Register(() => lost.TrySetResult());

            await server.RestartAsync();

            await lost.Task.WaitAsync(Prompt);
            Assert.False(await held.ExtendAsync(TimeSpan.FromSeconds(2)));
            await held.DisposeAsync(); // Must not throw.

            ILockHandle? again = null;
            var deadline = Stopwatch.StartNew();
            while (again is null && deadline.Elapsed < Prompt)
            {
                try
                {
                    again = await locks.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.FromSeconds(3) });
                }
                catch (RedisLockException)
                {
                    await Task.Delay(100); // Still reconnecting.
                }
            }

            Assert.NotNull(again);
            Assert.True(await again!.ReleaseAsync());
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.Equal(0, unobserved);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    [Fact]
    public async Task Redis_unreachable_gives_a_typed_exception_within_the_multiplexer_timeout_not_a_hang()
    {
        await using var connection = await UnreachableRedis.ConnectAsync();
        var locks = new RedisLockProvider(connection);

        var clock = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RedisLockException>(async () => await locks.AcquireAsync(NewName()));
        Assert.IsAssignableFrom<RedisException>(ex);
        Assert.NotNull(ex.InnerException);
        await Assert.ThrowsAsync<RedisLockException>(async () => await locks.TryAcquireAsync(NewName()));
        Assert.Throws<RedisLockException>(() => locks.Acquire(NewName()));
        Assert.True(clock.Elapsed < Prompt, $"took {clock.Elapsed}; each call is bounded by the multiplexer's 1 s timeouts");
    }

    [Fact]
    public async Task Fenced_writer_refuses_a_paused_holders_late_write_after_the_lock_moved_on()
    {
        await using var c1 = await redis.Server.ConnectAsync();
        await using var c2 = await redis.Server.ConnectAsync();
        var name = NewName();
        var resource = RedisServerFixture.UniqueKey("balance");
        var lease = TimeSpan.FromMilliseconds(500);
        var writer1 = new RedisFencedWriter(c1.GetDatabase());
        var writer2 = new RedisFencedWriter(c2.GetDatabase());

        // Client 1 takes the lock, writes once, then "pauses" (GC, VM freeze) past its lease without renewing.
        var paused = await new RedisLockProvider(c1).AcquireAsync(name, new LockOptions { Lease = lease, AutoExtend = false });
        Assert.True(await writer1.TrySetAsync(resource, "from-1-early", paused.FencingToken));

        // Meanwhile the lease runs out and client 2 takes the lock and writes.
        await using var current = await new RedisLockProvider(c2).AcquireAsync(name, new LockOptions { WaitTimeout = Prompt });
        Assert.True(await writer2.TrySetAsync(resource, "from-2", current.FencingToken));

        // Client 1 wakes up and performs its late write: refused by the resource.
        Assert.False(await writer1.TrySetAsync(resource, "from-1-late", paused.FencingToken));
        Assert.Equal("from-2", (string?)await c2.GetDatabase().StringGetAsync(resource));
        Assert.Equal(current.FencingToken, await writer2.GetHighestTokenAsync(resource));
        await UntilLostAsync(paused); // its own timer tells it too, however late a busy machine runs it

        // The current holder may write again with the same token.
        Assert.True(await writer2.TrySetAsync(resource, "from-2-again", current.FencingToken));
    }
}

/// <summary>Locks on the fixture's local 3-master cluster.</summary>
public sealed class RedisClusterLockTests(RedisClusterFixture cluster) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Locks_spread_over_all_masters_work_with_contention_and_fencing()
    {
        await using var other = await cluster.Cluster.ConnectAsync();
        var a = new RedisLockProvider(cluster.Connection);
        var b = new RedisLockProvider(other);
        var names = Enumerable.Range(0, 30).Select(i => $"cluster-{Guid.NewGuid():N}-{i}").ToArray();
        var slots = names.Select(n => cluster.Connection.HashSlot(a.GetKeys(n).Keys[0])).ToArray();
        var masters = names.Select(n => cluster.Connection.GetDatabase().IdentifyEndpoint(a.GetKeys(n).Keys[0])?.ToString()).Distinct().Count();
        Assert.Equal(3, masters);

        await Parallel.ForEachAsync(names, async (name, _) =>
        {
            var keys = a.GetKeys(name);
            Assert.Equal(cluster.Connection.HashSlot(keys.Keys[0]), cluster.Connection.HashSlot(keys.Keys[1]));
            var held = await a.AcquireAsync(name);
            Assert.Null(await b.TryAcquireAsync(name));
            var waiting = b.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.FromSeconds(30) }).AsTask();
            await held.DisposeAsync();
            await using var next = await waiting;
            Assert.True(next.FencingToken > held.FencingToken);
        });

        var writer = new RedisFencedWriter(cluster.Connection.GetDatabase());
        Assert.True(await writer.TrySetAsync("cluster-resource", "v", 5));
        Assert.False(await writer.TrySetAsync("cluster-resource", "old", 4));
        Assert.NotEmpty(slots);
    }

    [Theory]
    [InlineData("user}42")]
    [InlineData("{}x")]
    [InlineData("a{}b{c}")]
    public async Task Odd_names_lock_and_fence_without_CROSSSLOT(string odd)
    {
        string unique = Guid.NewGuid().ToString("N");
        string name = odd + unique;
        var db = cluster.Connection.GetDatabase();
        // A prefix starting with '}' empties the lock key's own tag: its derived keys must still follow it.
        foreach (var locks in new[] { new RedisLockProvider(cluster.Connection), new RedisLockProvider(cluster.Connection, new() { KeyPrefix = "}odd" }) })
        {
            var keys = locks.GetKeys(name);
            Assert.Equal(await KeySlotAsync(keys.Keys[0]), await KeySlotAsync(keys.Keys[1]));
            var held = await locks.AcquireAsync(name);
            Assert.Null(await locks.TryAcquireAsync(name));
            Assert.True(await held.ExtendAsync(TimeSpan.FromSeconds(30)));
            Assert.True(await held.ReleaseAsync());
            await using var next = await locks.AcquireAsync(name);
            Assert.True(next.FencingToken > held.FencingToken);
        }

        // The resource key is the odd one itself (before: CROSSSLOT for all three).
        string resource = unique + odd;
        var writer = new RedisFencedWriter(db);
        Assert.Equal(await KeySlotAsync(resource), await KeySlotAsync(RedisFencedWriter.FenceKey(resource)));
        Assert.True(await writer.TrySetAsync(resource, "new", 7));
        Assert.False(await writer.TrySetAsync(resource, "stale", 6));
        Assert.Equal("new", (string?)await db.StringGetAsync(resource));
        Assert.Equal(7, await writer.GetHighestTokenAsync(resource));
    }

    [Fact]
    public async Task Slots_agree_with_the_cluster_for_random_keys_and_their_fence_keys()
    {
        var random = new Random(15);
        var alphabet = "ab{}:1".ToCharArray();
        for (int i = 0; i < 300; i++)
        {
            string key = new(Enumerable.Range(0, random.Next(1, 9)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            int slot = await KeySlotAsync(key);

            Assert.Equal(slot, RedisHashSlot.Of(System.Text.Encoding.UTF8.GetBytes(key)));
            Assert.Equal(slot, await KeySlotAsync(RedisFencedWriter.FenceKey(key)));
        }
    }

    /// <summary>The slot as the cluster itself computes it (CLUSTER KEYSLOT).</summary>
    private async Task<int> KeySlotAsync(RedisKey key)
    {
        var server = cluster.Connection.GetServer(cluster.Cluster.Nodes[0].EndPoint);
        return (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", (byte[])key!);
    }
}
