using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;

namespace Steadfast.Tests.CircuitBreakers;

/// <summary>Which outcomes count as failures.</summary>
public sealed class CircuitBreakerOutcomeTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Unhandled_exceptions_pass_through_untouched_and_uncounted()
    {
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { MinimumThroughput = 1, FailureRatio = 0.1, ShouldHandle = ex => ex is TimeoutException },
            timeProvider: _time);
        var thrown = new ArgumentException("caller bug");

        for (var i = 0; i < 20; i++)
        {
            var caught = await Assert.ThrowsAsync<ArgumentException>(() => breaker.ExecuteAsync<int>(_ => throw thrown).AsTask());
            Assert.Same(thrown, caught);
        }

        Assert.Equal(CircuitState.Closed, breaker.State);
        await Assert.ThrowsAsync<TimeoutException>(() => breaker.ExecuteAsync<int>(_ => throw new TimeoutException()).AsTask());
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Caller_cancellation_is_never_a_failure_even_when_handled()
    {
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { MinimumThroughput = 1, FailureRatio = 0.1, ShouldHandle = _ => true },
            timeProvider: _time);
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                breaker.ExecuteAsync<int>(ct => { ct.ThrowIfCancellationRequested(); return BreakerCalls.Succeed(ct); }, cts.Token).AsTask());
        }

        // The token is checked before the call too, and an action observing a cancelled token mid-call is not counted either.
        using var midCall = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => breaker.ExecuteAsync<int>(ct =>
        {
            midCall.Cancel();
            ct.ThrowIfCancellationRequested();
            return BreakerCalls.Succeed(ct);
        }, midCall.Token).AsTask());

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Default_handler_ignores_operation_canceled_from_inside_the_dependency()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { MinimumThroughput = 1 }, timeProvider: _time);

        await Assert.ThrowsAsync<TaskCanceledException>(() => breaker.ExecuteAsync<int>(_ => throw new TaskCanceledException()).AsTask());

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Asynchronously_completing_failures_are_counted()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { MinimumThroughput = 1 }, timeProvider: _time);

        await Assert.ThrowsAsync<InvalidOperationException>(() => breaker.ExecuteAsync<int>(async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException();
        }).AsTask());

        Assert.Equal(CircuitState.Open, breaker.State);
    }
}
