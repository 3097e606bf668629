using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;
using Steadfast.Testing.Tracing;

namespace Steadfast.Tests.CircuitBreakers;

[Collection(TracingTests.Name)]
public sealed class CircuitBreakerTracingTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly string _name = "breaker-" + Guid.NewGuid().ToString("N");

    private CircuitBreaker Create() => new(
        new CircuitBreakerOptions { FailureRatio = 0.5, MinimumThroughput = 2, BreakDuration = TimeSpan.FromSeconds(5), Name = _name },
        timeProvider: _time);

    [Fact]
    public async Task A_trip_and_a_rejection_are_events_on_the_callers_span_and_the_breaker_starts_no_span()
    {
        var breaker = Create();
        using var traces = new ActivityCollector();

        await breaker.SucceedAsync();
        await breaker.FailAsync(); // 1 of 2 failed: the ratio is reached, the circuit opens
        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => breaker.ExecuteAsync(BreakerCalls.Succeed).AsTask());

        Assert.Empty(traces.Stopped);
        ActivityEvent[] events = traces.Root.Events.ToArray();
        Assert.Equal(["steadfast.circuit_breaker.state_changed", "steadfast.circuit_breaker.rejected"], events.Select(e => e.Name));
        Assert.Equal(_name, events[0].Tag("steadfast.circuit_breaker.name"));
        Assert.Equal("Closed", events[0].Tag("steadfast.circuit_breaker.previous_state"));
        Assert.Equal("Open", events[0].Tag("steadfast.circuit_breaker.state"));
        Assert.Equal(false, events[0].Tag("steadfast.circuit_breaker.from_shared_state"));
        Assert.Equal(_name, events[1].Tag("steadfast.circuit_breaker.name"));
        Assert.Equal("Open", events[1].Tag("steadfast.circuit_breaker.state"));
    }

    [Fact]
    public void The_closed_success_path_allocates_nothing_while_traced()
    {
        var breaker = Create();
        Func<CancellationToken, ValueTask<int>> call = static _ => new ValueTask<int>(1);
        using var traces = new ActivityCollector();

        void Run(int times)
        {
            for (var i = 0; i < times; i++)
            {
                var result = breaker.ExecuteAsync(call);
                Assert.True(result.IsCompletedSuccessfully);
            }
        }

        Run(1_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Empty(traces.Root.Events);
    }
}
