using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;
using Steadfast.Redundancy;

namespace Steadfast.Tests.Redundancy;

public sealed class FallbackTests
{
    [Fact]
    public async Task The_primary_serves_when_it_succeeds()
    {
        var result = await Fallback.ExecuteAsync(_ => ValueTask.FromResult("fresh"), (_, _) => ValueTask.FromResult("cached"));

        Assert.Equal(new FallbackResult<string>("fresh", ServedBy.Primary, FallbackReason.None, null), result);
        Assert.False(result.IsDegraded);
    }

    [Fact]
    public async Task A_handled_failure_serves_the_fallback_and_says_so()
    {
        using var metrics = new MetricsCollector("fb-failure");
        var failure = new IOException("primary down");

        var result = await Fallback.ExecuteAsync<string>(_ => throw failure, (ex, _) => ValueTask.FromResult($"cached after {ex.Message}"),
            new FallbackOptions { Name = "fb-failure" });

        Assert.Equal("cached after primary down", result.Value);
        Assert.Equal(ServedBy.Fallback, result.ServedBy);
        Assert.Equal(FallbackReason.Failure, result.Reason);
        Assert.Same(failure, result.PrimaryException);
        Assert.True(result.IsDegraded);
        Assert.Equal(1, metrics.Sum(RedundancyTelemetry.Fallbacks));
    }

    [Fact]
    public async Task An_open_breaker_serves_the_fallback_without_calling_the_primary()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions(), timeProvider: new FakeTimeProvider());
        breaker.Isolate();
        int primaryCalls = 0;

        var result = await Fallback.ExecuteAsync(_ =>
        {
            primaryCalls++;
            return ValueTask.FromResult("fresh");
        }, (_, _) => ValueTask.FromResult("default"), new FallbackOptions { CircuitBreaker = breaker, ShouldHandle = _ => false });

        Assert.Equal(0, primaryCalls);
        Assert.Equal("default", result.Value);
        Assert.Equal(FallbackReason.CircuitOpen, result.Reason);
        Assert.IsType<CircuitBreakerOpenException>(result.PrimaryException);
    }

    [Fact]
    public async Task Failures_through_the_breaker_are_counted_and_eventually_open_it()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { MinimumThroughput = 2, FailureRatio = 0.5 }, timeProvider: new FakeTimeProvider());
        var reasons = new List<FallbackReason>();
        for (int i = 0; i < 3; i++)
        {
            var result = await Fallback.ExecuteAsync<int>(_ => throw new IOException("down"), (_, _) => ValueTask.FromResult(0),
                new FallbackOptions { CircuitBreaker = breaker });
            reasons.Add(result.Reason);
        }

        Assert.Equal([FallbackReason.Failure, FallbackReason.Failure, FallbackReason.CircuitOpen], reasons);
    }

    [Fact]
    public async Task Unhandled_exceptions_and_caller_cancellation_propagate()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Fallback.ExecuteAsync<int>(_ => throw new ArgumentException("bug"),
            (_, _) => ValueTask.FromResult(0), new FallbackOptions { ShouldHandle = ex => ex is IOException }).AsTask());

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Fallback.ExecuteAsync<int>(ct => ValueTask.FromCanceled<int>(ct),
            (_, _) => ValueTask.FromResult(0), new FallbackOptions { ShouldHandle = _ => true }, cts.Token).AsTask());
    }

    [Fact]
    public async Task Null_should_handle_is_rejected_by_the_call_naming_the_option()
    {
        bool primaryRan = false;
        var error = await Assert.ThrowsAsync<ArgumentNullException>(() => Fallback.ExecuteAsync(
            _ => { primaryRan = true; return ValueTask.FromResult(1); },
            (_, _) => ValueTask.FromResult(0), new FallbackOptions { ShouldHandle = null! }).AsTask());

        Assert.Equal(nameof(FallbackOptions.ShouldHandle), error.ParamName);
        Assert.Contains("FallbackOptions.ShouldHandle", error.Message);
        Assert.False(primaryRan);
    }
}
