using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;
using Steadfast.Retry;

namespace Steadfast.Tests.Retry;

public sealed class RetryWithCircuitBreakerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly List<RetryAttempt> _retries = [];

    private CircuitBreaker CreateOpenBreaker()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { MinimumThroughput = 1, BreakDuration = TimeSpan.FromSeconds(5) }, timeProvider: _time);
        Assert.Throws<TimeoutException>(() => breaker.Execute<int>(() => throw new TimeoutException()));
        Assert.Equal(CircuitState.Open, breaker.State);
        return breaker;
    }

    private RetryPolicy CreateRetry(TimeSpan maxDelay) => new(
        new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = maxDelay, OnRetry = _retries.Add },
        _time);

    [Fact]
    public async Task Open_circuit_is_retried_only_after_its_retry_after()
    {
        var breaker = CreateOpenBreaker();
        var retry = CreateRetry(TimeSpan.FromSeconds(30));
        var calls = 0;

        var run = retry.ExecuteAsync(ct => breaker.ExecuteAsync(_ => ValueTask.FromResult(++calls), ct)).AsTask();

        var wait = Assert.Single(_retries);
        Assert.IsType<CircuitBreakerOpenException>(wait.Exception);
        Assert.Equal(TimeSpan.FromSeconds(5), wait.Delay); // RetryAfter outweighs the ≤100 ms backoff
        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Equal(0, calls);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, await run.WaitAsync(Patience)); // the half-open probe
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Retry_after_longer_than_max_delay_stops_at_once()
    {
        var breaker = CreateOpenBreaker();
        var retry = CreateRetry(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => retry.ExecuteAsync(ct => breaker.ExecuteAsync(_ => ValueTask.FromResult(1), ct)).AsTask());

        Assert.Equal(TimeSpan.FromSeconds(5), error.RetryAfter);
        Assert.Empty(_retries);
    }

    [Fact]
    public async Task Isolated_circuit_is_not_retried()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions(), timeProvider: _time);
        breaker.Isolate();
        var retry = CreateRetry(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => retry.ExecuteAsync(ct => breaker.ExecuteAsync(_ => ValueTask.FromResult(1), ct)).AsTask());

        Assert.Empty(_retries);
    }
}
