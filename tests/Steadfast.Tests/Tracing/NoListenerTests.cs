using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;
using Steadfast.Locks;
using Steadfast.Queues;
using Steadfast.Redundancy;
using Steadfast.Retry;

namespace Steadfast.Tests.Tracing;

/// <summary>Without a listener on the Steadfast source nothing is traced: no span starts, no event is added.</summary>
[Collection(TracingTests.Name)]
public sealed class NoListenerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Every_primitive_runs_without_starting_a_span_or_touching_the_callers_span()
    {
        // A listener to every other source: only the Steadfast one goes unheard.
        using var others = new ActivityListener
        {
            ShouldListenTo = source => source.Name != SteadfastTracing.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(others);
        Assert.False(SteadfastTracing.Source.HasListeners());

        using Activity caller = new Activity("caller").Start();
        var seen = new List<Activity?>();

        var locks = new InMemoryLockProvider(_time);
        await using (await locks.AcquireAsync("a"))
        {
            Assert.Null(await locks.TryAcquireAsync("a"));
        }

        var lost = await locks.AcquireAsync("b", new LockOptions { Lease = TimeSpan.FromSeconds(10), AutoExtend = false });
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(lost.Lost.IsCancellationRequested);

        var queue = new InMemoryReliableQueue<string>(timeProvider: _time) { Name = "q" };
        await queue.EnqueueAsync("m");
        await (await queue.DequeueAsync(TimeSpan.Zero))!.AckAsync();

        var retry = new RetryPolicy(new RetryOptions { MaxAttempts = 2 }, _time, () => 0);
        int calls = 0;
        await retry.ExecuteAsync(_ =>
        {
            seen.Add(Activity.Current);
            return ++calls == 1 ? ValueTask.FromException(new TimeoutException()) : ValueTask.CompletedTask;
        });

        var hotHot = new HotHot<int>([1, 2], new HotHotOptions(), _time);
        await hotHot.ExecuteAsync((replica, _) =>
        {
            seen.Add(Activity.Current);
            return new ValueTask<int>(replica);
        });

        var breaker = new CircuitBreaker(new CircuitBreakerOptions { MinimumThroughput = 1, FailureRatio = 0.5 }, timeProvider: _time);
        await Assert.ThrowsAsync<TimeoutException>(() => breaker.ExecuteAsync(_ => ValueTask.FromException(new TimeoutException())).AsTask());
        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => breaker.ExecuteAsync(_ => ValueTask.CompletedTask).AsTask());

        Assert.Equal(3, seen.Count);
        Assert.All(seen, current => Assert.Same(caller, current)); // no span between the caller and its callbacks
        Assert.Same(caller, Activity.Current);
        Assert.Empty(caller.Events); // neither the lost lease nor the breaker's trip and rejection were reported
    }
}
