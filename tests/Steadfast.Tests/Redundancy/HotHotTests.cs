using Microsoft.Extensions.Time.Testing;
using Steadfast.Redundancy;

namespace Steadfast.Tests.Redundancy;

public sealed class HotHotTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    /// <summary>A replica whose answers the test controls.</summary>
    private sealed class Replica(string name)
    {
        public string Name { get; } = name;

        public int Calls;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<CancellationToken, ValueTask<string>> Behaviour { get; set; } = _ => new ValueTask<string>(name);

        public ValueTask<string> CallAsync(CancellationToken token)
        {
            Interlocked.Increment(ref Calls);
            token.Register(() => Cancelled.TrySetResult());
            Started.TrySetResult();
            return Behaviour(token);
        }

        /// <summary>Never answers; ends only when its token is cancelled.</summary>
        public static async ValueTask<string> Hang(CancellationToken token)
        {
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        }
    }

    private static Func<Replica, CancellationToken, ValueTask<string>> Call => static (r, ct) => r.CallAsync(ct);

    [Fact]
    public async Task Slow_replica_loses_to_the_hedge_sent_after_the_delay_and_is_cancelled()
    {
        var slow = new Replica("slow") { Behaviour = Replica.Hang };
        var fast = new Replica("fast");
        using var metrics = new MetricsCollector("hedge-win");
        var group = new HotHot<Replica>([slow, fast], new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(50), Name = "hedge-win" }, _time);

        var call = group.ExecuteAsync(Call).AsTask();
        await slow.Started.Task.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(0, fast.Calls);
        Assert.False(call.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("fast", await call.WaitAsync(Wait));
        await slow.Cancelled.Task.WaitAsync(Wait);
        Assert.Equal(1, slow.Calls);
        Assert.Equal(1, fast.Calls);
        Assert.Equal(1, metrics.Sum(RedundancyTelemetry.HedgesSent));
        Assert.Equal(1, metrics.Sum(RedundancyTelemetry.HedgeWins));
    }

    [Fact]
    public async Task A_failure_moves_on_to_the_next_replica_at_once_without_waiting_for_the_hedge_delay()
    {
        var broken = new Replica("broken") { Behaviour = _ => throw new InvalidOperationException("down") };
        var healthy = new Replica("healthy");
        using var metrics = new MetricsCollector("move-on");
        var group = new HotHot<Replica>([broken, healthy], new HotHotOptions { HedgeDelay = TimeSpan.FromSeconds(5), Name = "move-on" }, _time);

        Assert.Equal("healthy", await group.ExecuteAsync(Call).AsTask().WaitAsync(Wait));
        Assert.Equal(0, metrics.Sum(RedundancyTelemetry.HedgesSent));
    }

    [Fact]
    public async Task When_every_replica_fails_the_error_carries_each_replicas_failure()
    {
        var replicas = Enumerable.Range(0, 3).Select(i => new Replica($"r{i}")
        {
            Behaviour = _ => ValueTask.FromException<string>(new IOException($"replica {i} down")),
        }).ToArray();
        var group = new HotHot<Replica>(replicas, new HotHotOptions { HedgeDelay = TimeSpan.FromSeconds(1) }, _time);

        var error = await Assert.ThrowsAsync<AllReplicasFailedException>(() => group.ExecuteAsync(Call).AsTask().WaitAsync(Wait));

        Assert.IsAssignableFrom<AggregateException>(error);
        Assert.Equal([0, 1, 2], error.Failures.Select(f => f.ReplicaIndex).Order());
        Assert.All(error.Failures, f => Assert.Equal($"replica {f.ReplicaIndex} down", f.Exception.Message));
        Assert.Equal(3, error.InnerExceptions.Count);
    }

    [Fact]
    public async Task Max_hedged_attempts_bounds_the_attempts_in_flight()
    {
        var replicas = Enumerable.Range(0, 4).Select(i => new Replica($"r{i}") { Behaviour = Replica.Hang }).ToArray();
        using var cts = new CancellationTokenSource();
        var group = new HotHot<Replica>(replicas, new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(10), MaxHedgedAttempts = 2 }, _time);

        var call = group.ExecuteAsync(Call, cts.Token).AsTask();

        // Each hedge's timer is set up by a continuation that may run on the thread pool: advance until two hedges went out,
        // then well past the point where a third would have.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!replicas[2].Started.Task.IsCompleted)
        {
            Assert.True(clock.Elapsed < Wait, "the second hedge was never sent");
            _time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Yield();
        }

        for (int i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Yield();
        }

        Assert.Equal(3, replicas.Sum(r => r.Calls));
        Assert.Equal(0, replicas[3].Calls);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Wait));
        await Task.WhenAll(replicas.Take(3).Select(r => r.Cancelled.Task)).WaitAsync(Wait);
    }

    [Fact]
    public async Task Zero_max_hedged_attempts_never_hedges_but_still_moves_on_after_failures()
    {
        var first = new Replica("first");
        first.Behaviour = async ct =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _time, ct);
            throw new IOException("late failure");
        };
        var second = new Replica("second");
        var group = new HotHot<Replica>([first, second], new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(1), MaxHedgedAttempts = 0 }, _time);

        var call = group.ExecuteAsync(Call).AsTask();
        await first.Started.Task.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, second.Calls);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal("second", await call.WaitAsync(Wait));
    }

    [Fact]
    public async Task Adaptive_delay_follows_the_percentile_of_recent_latencies()
    {
        var replica = new Replica("only");
        replica.Behaviour = async ct =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, ct);
            return "ok";
        };
        var group = new HotHot<Replica>([replica], new HotHotOptions { InitialHedgeDelay = TimeSpan.FromMilliseconds(300) }, _time);
        Assert.Equal(TimeSpan.FromMilliseconds(300), group.CurrentHedgeDelay);

        for (int i = 0; i < 40; i++)
        {
            var call = group.ExecuteAsync(Call).AsTask();
            _time.Advance(TimeSpan.FromMilliseconds(20));
            await call.WaitAsync(Wait);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(20), group.CurrentHedgeDelay);
    }

    [Fact]
    public async Task Adaptive_delay_never_goes_below_the_minimum()
    {
        var group = new HotHot<Replica>([new Replica("instant")], new HotHotOptions { MinimumHedgeDelay = TimeSpan.FromMilliseconds(7) }, _time);
        for (int i = 0; i < 40; i++)
        {
            await group.ExecuteAsync(Call);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(7), group.CurrentHedgeDelay);
    }

    [Fact]
    public async Task Equal_replicas_take_turns_and_a_failing_replica_is_asked_last()
    {
        var a = new Replica("a");
        var b = new Replica("b");
        var group = new HotHot<Replica>([a, b], new HotHotOptions { HedgeDelay = TimeSpan.FromSeconds(1) }, _time);

        var firsts = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            firsts.Add(await group.ExecuteAsync(Call));
        }

        Assert.Equal(["a", "b", "a", "b"], firsts);

        a.Behaviour = _ => throw new IOException("a down");
        Assert.Equal("b", await group.ExecuteAsync(Call)); // a first (its turn), fails, b answers
        int aCalls = a.Calls;
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal("b", await group.ExecuteAsync(Call));
        }

        Assert.Equal(aCalls, a.Calls); // a, now failing, was never asked first again
    }

    [Fact]
    public async Task Reads_never_see_a_token_cancelled_by_an_earlier_read()
    {
        var slow = new Replica("slow") { Behaviour = Replica.Hang };
        var fast = new Replica("fast");
        var group = new HotHot<Replica>([slow, fast], new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(5) }, _time);
        var call = group.ExecuteAsync(Call).AsTask();
        await slow.Started.Task.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal("fast", await call.WaitAsync(Wait)); // this read cancelled its loser

        var tokens = new List<CancellationToken>();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal("ok", await group.ExecuteAsync((_, ct) =>
            {
                tokens.Add(ct);
                return new ValueTask<string>("ok");
            }));
        }

        Assert.All(tokens, t => Assert.False(t.IsCancellationRequested));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => group.ExecuteAsync(Call, cts.Token).AsTask());
        Assert.All(tokens, t => Assert.False(t.IsCancellationRequested));
    }

    [Fact]
    public async Task Caller_cancellation_cancels_every_attempt_and_surfaces_as_cancellation()
    {
        var replicas = new[] { new Replica("a") { Behaviour = Replica.Hang }, new Replica("b") { Behaviour = Replica.Hang } };
        var group = new HotHot<Replica>(replicas, new HotHotOptions { HedgeDelay = TimeSpan.Zero }, _time);
        using var cts = new CancellationTokenSource();

        var call = group.ExecuteAsync(Call, cts.Token).AsTask();
        await Task.WhenAll(replicas.Select(r => r.Started.Task)).WaitAsync(Wait); // delay zero: both at once
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Wait));
        await Task.WhenAll(replicas.Select(r => r.Cancelled.Task)).WaitAsync(Wait);
    }

    [Fact]
    public async Task Unhandled_exceptions_propagate_without_trying_other_replicas()
    {
        var a = new Replica("a") { Behaviour = _ => throw new ArgumentException("bad request") };
        var b = new Replica("b");
        var group = new HotHot<Replica>([a, b], new HotHotOptions { ShouldHandle = ex => ex is IOException }, _time);

        await Assert.ThrowsAsync<ArgumentException>(() => group.ExecuteAsync(Call).AsTask());
        Assert.Equal(0, b.Calls);
    }

    [Fact]
    public async Task Quorum_write_succeeds_with_a_failed_replica_and_reports_it()
    {
        var written = new System.Collections.Concurrent.ConcurrentBag<int>();
        var group = new HotHot<int>([0, 1, 2], new HotHotOptions { WriteQuorum = 2 }, _time);

        QuorumWriteResult result = await group.WriteAsync((replica, _) =>
        {
            if (replica == 1)
            {
                throw new IOException("replica 1 is read-only");
            }

            written.Add(replica);
            return ValueTask.CompletedTask;
        });

        Assert.True(result.QuorumReached);
        Assert.Equal([0, 2], result.Succeeded);
        Assert.Equal(1, Assert.Single(result.Failures).ReplicaIndex);
        Assert.Equal([0, 2], written.Order());

        await group.WriteAllAsync((replica, _) => replica == 1 ? ValueTask.FromException(new IOException("again")) : ValueTask.CompletedTask);
    }

    [Fact]
    public async Task Write_below_quorum_throws_listing_the_failed_replicas()
    {
        var group = new HotHot<int>([0, 1, 2], new HotHotOptions(), _time); // quorum: all

        var error = await Assert.ThrowsAsync<WriteQuorumException>(() => group.WriteAllAsync(async (replica, ct) =>
        {
            await Task.Yield();
            if (replica == 2)
            {
                throw new IOException("disk full");
            }
        }).AsTask());

        Assert.Equal(3, error.Result.Quorum);
        Assert.Equal([0, 1], error.Result.Succeeded);
        Assert.Equal(2, Assert.Single(error.Failures).ReplicaIndex);
        Assert.Equal("disk full", Assert.Single(error.InnerExceptions).Message);
    }

    [Fact]
    public async Task Writes_go_to_every_replica_concurrently()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int started = 0;
        var group = new HotHot<int>([0, 1, 2], new HotHotOptions(), _time);

        var write = group.WriteAllAsync(async (_, _) =>
        {
            if (Interlocked.Increment(ref started) == 3)
            {
                gate.SetResult();
            }

            await gate.Task;
        }).AsTask();

        await write.WaitAsync(Wait); // would deadlock if the writes ran one after another
        Assert.Equal(3, started);
    }

    [Fact]
    public void Options_and_constructor_validate_their_arguments()
    {
        AssertRejected("HedgeDelay", new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(-1) });
        AssertRejected("MaxHedgedAttempts", new HotHotOptions { MaxHedgedAttempts = -1 });
        AssertRejected("WriteQuorum", new HotHotOptions { WriteQuorum = -1 });
        AssertRejected("WriteQuorum", new HotHotOptions { WriteQuorum = 3 });
        AssertRejected("HedgePercentile", new HotHotOptions { HedgePercentile = 1 });
        AssertRejected("MinimumHedgeDelay", new HotHotOptions { MinimumHedgeDelay = TimeSpan.FromMilliseconds(-1) });
        AssertRejected("InitialHedgeDelay", new HotHotOptions { InitialHedgeDelay = TimeSpan.FromMilliseconds(-1) });
        Assert.Equal("ShouldHandle", Assert.Throws<ArgumentNullException>(() => new HotHot<int>([1, 2], new HotHotOptions { ShouldHandle = null! })).ParamName);
        Assert.Throws<ArgumentException>(() => new HotHot<int>([], new HotHotOptions()));
        Assert.Throws<ArgumentNullException>(() => new HotHot<int>([1], null!));
        var defaults = new HotHotOptions();
        Assert.Null(defaults.HedgeDelay);
        Assert.Equal(1, defaults.MaxHedgedAttempts);
        Assert.Equal(0, defaults.WriteQuorum);

        static void AssertRejected(string option, HotHotOptions options)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => new HotHot<int>([1, 2], options));
            Assert.Equal(option, error.ParamName);
            Assert.Contains("HotHotOptions." + option, error.Message);
        }
    }
}
