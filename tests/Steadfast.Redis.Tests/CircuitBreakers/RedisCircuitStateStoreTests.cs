using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Steadfast.CircuitBreakers;
using Steadfast.Testing.Redis;

namespace Steadfast.Redis.Tests.CircuitBreakers;

public sealed class RedisCircuitStateStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    /// <summary>Bounds a wait so a broken test fails instead of hanging; never the measure of a success.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    // Remaining breaks come from the key's PTTL (whole milliseconds, on Redis's clock) and are checked against a local
    // Stopwatch: lower bounds allow this much for the rounding and the two clocks.
    private static readonly TimeSpan Rounding = TimeSpan.FromMilliseconds(1);
    private readonly FakeTimeProvider _time = new();

    private (CircuitBreaker Breaker, Task<CircuitStateChange> NextChange) CreateBreaker(IConnectionMultiplexer connection, string name, Action<CircuitStateChange>? onChange = null)
    {
        var changed = new TaskCompletionSource<CircuitStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions
            {
                Name = name,
                MinimumThroughput = 1,
                BreakDuration = BreakDuration,
                OnStateChanged = c => { changed.TrySetResult(c); onChange?.Invoke(c); },
            },
            new RedisCircuitStateStore(connection),
            _time);
        return (breaker, changed.Task);
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> connections subscribe to the circuit's channel.</summary>
    private async Task WaitForSubscribersAsync(string name, int count)
    {
        var channel = new RedisCircuitStateStore(redis.Connection).Channel(name);
        var server = redis.Connection.GetServer(redis.Server.EndPoint);
        var started = Stopwatch.GetTimestamp();
        while ((long)await server.ExecuteAsync("PUBSUB", "NUMSUB", (string)channel!).ContinueWith(t => ((RedisResult[])t.Result!)[1]) < count)
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < Patience, "breakers did not subscribe");
            await Task.Delay(10); // polling Redis for a subscription that has no completion signal of its own
        }
    }

    [Fact]
    public async Task A_trip_propagates_to_a_breaker_on_another_multiplexer()
    {
        var name = $"payments-{Guid.NewGuid():N}";
        await using var first = await redis.Server.ConnectAsync();
        await using var second = await redis.Server.ConnectAsync();
        var (tripping, _) = CreateBreaker(first, name);
        var (watching, watchingChanged) = CreateBreaker(second, name);
        await WaitForSubscribersAsync(name, 2);

        var sinceTrip = Stopwatch.StartNew(); // started before the trip is stored: never less than the key's age
        await Assert.ThrowsAsync<TimeoutException>(() => tripping.ExecuteAsync<int>(_ => throw new TimeoutException()).AsTask());

        var change = await watchingChanged.WaitAsync(Patience);
        Assert.Equal(CircuitState.Open, change.CurrentState);
        Assert.True(change.FromSharedState);
        var calledWatching = false;
        var rejected = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() =>
            watching.ExecuteAsync(_ => { calledWatching = true; return ValueTask.FromResult(1); }).AsTask());
        Assert.False(calledWatching);
        // The break when the notification arrived first; less by the time since the trip if the start-up read of the
        // key's TTL beat it.
        Assert.InRange(rejected.RetryAfter, BreakDuration - sinceTrip.Elapsed - Rounding, BreakDuration);

        // The trip is stored under a hash-tagged key that expires with the break.
        var key = new RedisCircuitStateStore(first).Key(name);
        Assert.Equal($"steadfast:circuit:{{{name}}}", (string?)key);
        var ttl = await first.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, BreakDuration - sinceTrip.Elapsed - Rounding, BreakDuration);
    }

    [Fact]
    public async Task A_recovery_closes_breakers_that_a_peer_opened()
    {
        var name = $"search-{Guid.NewGuid():N}";
        await using var first = await redis.Server.ConnectAsync();
        await using var second = await redis.Server.ConnectAsync();
        var watchingChanges = new List<CircuitStateChange>();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (tripping, _) = CreateBreaker(first, name);
        var (watching, watchingOpened) = CreateBreaker(second, name, c =>
        {
            lock (watchingChanges)
            {
                watchingChanges.Add(c);
            }

            if (c.CurrentState == CircuitState.Closed)
            {
                closed.TrySetResult();
            }
        });
        await WaitForSubscribersAsync(name, 2);

        await Assert.ThrowsAsync<TimeoutException>(() => tripping.ExecuteAsync<int>(_ => throw new TimeoutException()).AsTask());
        Assert.Equal(CircuitState.Open, (await watchingOpened.WaitAsync(Patience)).CurrentState);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, await tripping.ExecuteAsync(_ => ValueTask.FromResult(1))); // successful probe closes and publishes

        await closed.Task.WaitAsync(Patience).ContinueWith(t => Assert.True(t.IsCompletedSuccessfully,
            $"watching saw [{string.Join(", ", watchingChanges)}], tripping is {tripping.State}"));
        Assert.Equal(CircuitState.Closed, watching.State);
        Assert.Equal([CircuitState.Open, CircuitState.Closed], watchingChanges.Select(c => c.CurrentState));
        Assert.Null(await new RedisCircuitStateStore(first).ReadAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task A_breaker_created_after_a_trip_starts_open()
    {
        var name = $"inventory-{Guid.NewGuid():N}";
        var store = new RedisCircuitStateStore(redis.Connection);
        var sincePublished = Stopwatch.StartNew();
        await store.PublishAsync(name, new SharedCircuitState(CircuitState.Open, BreakDuration, "another-process"), CancellationToken.None);

        await using var late = await redis.Server.ConnectAsync();
        var (breaker, changed) = CreateBreaker(late, name);

        Assert.Equal(CircuitState.Open, (await changed.WaitAsync(Patience)).CurrentState);
        var rejected = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => breaker.ExecuteAsync(_ => ValueTask.FromResult(1)).AsTask());
        Assert.InRange(rejected.RetryAfter, BreakDuration - sincePublished.Elapsed - Rounding, BreakDuration); // the key's remaining TTL
    }

    [Fact]
    public async Task A_stopped_redis_does_not_hang_the_breaker()
    {
        await using var server = await RedisServer.StartAsync();
        // Commands wait up to 5 s for a Redis that is gone: a call that waited on Redis would take that long, whereas
        // the in-process work below takes microseconds.
        TimeSpan commandTimeout = TimeSpan.FromSeconds(5);
        await using var connection = await server.ConnectAsync(o => o.SyncTimeout = o.AsyncTimeout = (int)commandTimeout.TotalMilliseconds);
        var logger = new ListLogger();
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { Name = "stopped-redis", MinimumThroughput = 2, Logger = logger },
            new RedisCircuitStateStore(connection),
            _time);
        await server.StopAsync();

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(1, await breaker.ExecuteAsync(_ => ValueTask.FromResult(1)));
        }

        await Assert.ThrowsAsync<TimeoutException>(() => breaker.ExecuteAsync<int>(_ => throw new TimeoutException()).AsTask());
        Assert.True(Stopwatch.GetElapsedTime(started) < commandTimeout, "calls waited on Redis");

        // The circuit still works in-process: 100 successes and 1 failure are far from the ratio...
        Assert.Equal(CircuitState.Closed, breaker.State);
        breaker.Reset();
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => breaker.ExecuteAsync<int>(_ => throw new TimeoutException()).AsTask());
        }

        // ...and trips locally even though the trip cannot be published; the failure to publish is reported.
        Assert.Equal(CircuitState.Open, breaker.State);
        var reportStarted = Stopwatch.GetTimestamp();
        while (!logger.Messages.Any(m => m.Contains("could not publish to", StringComparison.Ordinal)))
        {
            Assert.True(Stopwatch.GetElapsedTime(reportStarted) < Patience, "the store failure was not reported: " + string.Join(" | ", logger.Messages));
            await Task.Delay(20); // the report comes from a background publish bounded by the multiplexer's timeouts
        }
    }

    [Fact]
    public async Task Store_calls_against_a_stopped_redis_fail_promptly_or_honour_cancellation()
    {
        await using var server = await RedisServer.StartAsync();
        // Command timeouts far beyond Patience: a read that ignored its token would end only by the timeout, a minute
        // later, and fail the bounded wait below; honouring the token (or failing on the lost connection) ends it.
        await using var connection = await server.ConnectAsync(o => o.SyncTimeout = o.AsyncTimeout = 60_000);
        var store = new RedisCircuitStateStore(connection);
        await server.StopAsync();

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var error = await Record.ExceptionAsync(() => store.ReadAsync("down", cts.Token).AsTask().WaitAsync(Patience));

        Assert.True(error is OperationCanceledException or RedisConnectionException, $"unexpected: {error}");
    }

    /// <summary>How many connections the server counts as subscribed to the circuit's channel (PUBSUB NUMSUB).</summary>
    private async Task<long> SubscribersAsync(string name)
    {
        var channel = new RedisCircuitStateStore(redis.Connection).Channel(name);
        var reply = (RedisResult[])(await redis.Connection.GetServer(redis.Server.EndPoint).ExecuteAsync("PUBSUB", "NUMSUB", (string)channel!))!;
        return (long)reply[1];
    }

    [Fact]
    public async Task Disposing_a_breaker_releases_its_channel_subscription()
    {
        var name = $"dispose-{Guid.NewGuid():N}";
        await using var connection = await redis.Server.ConnectAsync();
        await using var peerConnection = await redis.Server.ConnectAsync();
        var (disposed, _) = CreateBreaker(connection, name);
        var (kept, _) = CreateBreaker(connection, name); // same multiplexer: one server-side subscription, two handlers
        var (peer, _) = CreateBreaker(peerConnection, name);
        await WaitForSubscribersAsync(name, 2);

        await disposed.DisposeAsync();
        Assert.Equal(2, await SubscribersAsync(name)); // the other breaker on that multiplexer still listens

        await kept.DisposeAsync();
        Assert.Equal(1, await SubscribersAsync(name)); // the last handler gone: the connection unsubscribed
        await Assert.ThrowsAsync<ObjectDisposedException>(() => disposed.ExecuteAsync(BreakerCallsSucceed).AsTask());

        await peer.DisposeAsync();
        Assert.Equal(0, await SubscribersAsync(name));
    }

    [Fact]
    public async Task Disposing_a_breaker_while_it_is_still_subscribing_leaves_no_subscription()
    {
        var name = $"dispose-early-{Guid.NewGuid():N}";
        await using var connection = await redis.Server.ConnectAsync();
        for (int i = 0; i < 20; i++)
        {
            var (breaker, _) = CreateBreaker(connection, name);
            await breaker.DisposeAsync(); // at once: the subscription is usually still on its way
        }

        Assert.Equal(0, await SubscribersAsync(name));
    }

    private static ValueTask<int> BreakerCallsSucceed(CancellationToken _) => ValueTask.FromResult(1);

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a{b}")]
    [InlineData("a|b")]
    public async Task Bad_circuit_names_are_rejected(string name)
    {
        var store = new RedisCircuitStateStore(redis.Connection);

        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ReadAsync(name, CancellationToken.None).AsTask());

        Assert.Equal("circuitName", error.ParamName);
    }
}
