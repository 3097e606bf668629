using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;

namespace Steadfast.Tests.CircuitBreakers;

public sealed class CircuitBreakerTransitionTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly List<CircuitStateChange> _changes = [];

    private CircuitBreaker Create(double ratio = 0.5, int minimumThroughput = 10, int probes = 1) => new(
        new CircuitBreakerOptions
        {
            FailureRatio = ratio,
            MinimumThroughput = minimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = TimeSpan.FromSeconds(5),
            HalfOpenProbes = probes,
            Name = "orders",
            OnStateChanged = _changes.Add,
        },
        timeProvider: _time);

    [Fact]
    public async Task Opens_exactly_when_the_failure_ratio_reaches_the_threshold()
    {
        var breaker = Create(ratio: 0.5, minimumThroughput: 10);

        await breaker.SucceedAsync(6);
        await breaker.FailAsync(4);
        Assert.Equal(CircuitState.Closed, breaker.State); // 4 / 10 = 0.4

        await breaker.FailAsync();
        Assert.Equal(CircuitState.Closed, breaker.State); // 5 / 11 ≈ 0.45

        await breaker.FailAsync();
        Assert.Equal(CircuitState.Open, breaker.State);   // 6 / 12 = 0.5, the boundary itself opens
    }

    [Fact]
    public async Task Ratio_boundary_is_exact_for_values_not_representable_in_binary()
    {
        var breaker = Create(ratio: 0.3, minimumThroughput: 10);

        await breaker.SucceedAsync(7);
        await breaker.FailAsync(2);
        Assert.Equal(CircuitState.Closed, breaker.State);

        await breaker.FailAsync(); // 3 / 10 == 0.3
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Stays_closed_below_minimum_throughput_even_when_every_call_fails()
    {
        var breaker = Create(ratio: 0.1, minimumThroughput: 10);

        await breaker.FailAsync(9);
        Assert.Equal(CircuitState.Closed, breaker.State);

        await breaker.FailAsync();
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Failures_older_than_the_sampling_duration_no_longer_count()
    {
        var breaker = Create(ratio: 0.5, minimumThroughput: 4);

        await breaker.FailAsync(3);
        _time.Advance(TimeSpan.FromSeconds(31));
        await breaker.FailAsync(3);

        Assert.Equal(CircuitState.Closed, breaker.State); // only 3 calls in the live window

        await breaker.FailAsync();
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task Open_circuit_rejects_without_calling_and_reports_the_remaining_break()
    {
        var breaker = Create(minimumThroughput: 1);
        await breaker.FailAsync();
        _time.Advance(TimeSpan.FromSeconds(2));
        var called = false;

        var rejected = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => breaker.ExecuteAsync(ct =>
        {
            called = true;
            return BreakerCalls.Succeed(ct);
        }).AsTask());

        Assert.False(called);
        Assert.Equal(TimeSpan.FromSeconds(3), rejected.RetryAfter);
        Assert.Equal(CircuitState.Open, rejected.State);
        Assert.Equal("orders", rejected.CircuitName);
        Assert.Throws<CircuitBreakerOpenException>(() => breaker.Execute(() => 1));
    }

    [Fact]
    public async Task Break_elapsed_turns_half_open_and_a_successful_probe_closes_with_a_fresh_window()
    {
        var breaker = Create(ratio: 0.5, minimumThroughput: 2);
        await breaker.FailAsync(2);

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.Equal(CircuitState.Open, breaker.State);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        await breaker.SucceedAsync();
        Assert.Equal(CircuitState.Closed, breaker.State);

        await breaker.FailAsync(); // the two failures from before the break are forgotten: 1 call < minimum
        Assert.Equal(CircuitState.Closed, breaker.State);

        Assert.Equal(
            [(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen), (CircuitState.HalfOpen, CircuitState.Closed)],
            _changes.Select(c => (c.PreviousState, c.CurrentState)));
        Assert.All(_changes, c => Assert.Equal("orders", c.CircuitName));
    }

    [Fact]
    public async Task Failed_probe_opens_again_for_a_full_break()
    {
        var breaker = Create(minimumThroughput: 1);
        await breaker.FailAsync();
        _time.Advance(TimeSpan.FromSeconds(5));

        await breaker.FailAsync(); // the probe

        Assert.Equal(CircuitState.Open, breaker.State);
        var rejected = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => breaker.ExecuteAsync(BreakerCalls.Succeed).AsTask());
        Assert.Equal(TimeSpan.FromSeconds(5), rejected.RetryAfter);
    }

    [Fact]
    public async Task Outcome_of_a_call_admitted_before_a_transition_is_ignored()
    {
        var breaker = Create(minimumThroughput: 1);
        var slowCall = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = breaker.ExecuteAsync(_ => new ValueTask<int>(slowCall.Task)).AsTask();

        await breaker.FailAsync(); // opens
        _time.Advance(TimeSpan.FromSeconds(5));
        var probeGate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = breaker.ExecuteAsync(_ => new ValueTask<int>(probeGate.Task)).AsTask();

        slowCall.SetResult(1);
        await slow;
        Assert.Equal(CircuitState.HalfOpen, breaker.State); // a success from the closed era does not close

        probeGate.SetResult(2);
        await probe;
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public async Task Isolate_holds_open_until_reset()
    {
        var breaker = Create();

        breaker.Isolate();
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(CircuitState.Isolated, breaker.State);
        var rejected = await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => breaker.ExecuteAsync(BreakerCalls.Succeed).AsTask());
        Assert.Equal(Timeout.InfiniteTimeSpan, rejected.RetryAfter);
        Assert.Equal(CircuitState.Isolated, rejected.State);

        breaker.Reset();

        Assert.Equal(CircuitState.Closed, breaker.State);
        await breaker.SucceedAsync();
    }

    [Fact]
    public async Task Reset_closes_an_open_circuit_and_forgets_samples()
    {
        var breaker = Create(minimumThroughput: 2);
        await breaker.FailAsync(2);
        Assert.Equal(CircuitState.Open, breaker.State);

        breaker.Reset();
        await breaker.FailAsync();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Synchronous_execute_samples_like_the_async_path()
    {
        var breaker = Create(minimumThroughput: 2);

        Assert.Equal(7, breaker.Execute(() => 7));
        Assert.Throws<InvalidOperationException>(() => breaker.Execute<int>(() => throw new InvalidOperationException()));
        Assert.Equal(CircuitState.Open, breaker.State); // 1 of 2 failed: 0.5

        Assert.Throws<CircuitBreakerOpenException>(() => breaker.Execute(() => 7));
    }

    [Fact]
    public async Task Non_generic_execute_samples_too()
    {
        var breaker = Create(minimumThroughput: 1);

        await breaker.ExecuteAsync(_ => ValueTask.CompletedTask);
        await Assert.ThrowsAsync<TimeoutException>(() => breaker.ExecuteAsync(_ => ValueTask.FromException(new TimeoutException())).AsTask());

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task A_throwing_state_callback_does_not_wedge_the_circuit()
    {
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { MinimumThroughput = 1, OnStateChanged = _ => throw new InvalidOperationException("callback bug") },
            timeProvider: _time);

        await breaker.FailAsync();
        _time.Advance(TimeSpan.FromSeconds(5));
        await breaker.SucceedAsync();

        Assert.Equal(CircuitState.Closed, breaker.State);
    }
}
