using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;

namespace Steadfast.Tests.CircuitBreakers;

/// <summary>
/// Every delegate shape a user has binds without a cast and runs through the breaker: its result comes back, its
/// failure counts (the circuit opens), and an open circuit rejects it without calling the dependency. Each call site
/// below compiling is half of the test.
/// </summary>
public sealed class CircuitBreakerDelegateShapeTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly PaymentsClient _payments = new();

    private CircuitBreaker Create() => new(new CircuitBreakerOptions { MinimumThroughput = 1, FailureRatio = 0.1 }, timeProvider: _time);

    /// <summary>Success, then a failure that opens the circuit, then a rejection that never reaches the dependency.</summary>
    private async Task AssertRunsAndCountsAsync(Func<CircuitBreaker, CancellationToken, Task> call)
    {
        using var cts = new CancellationTokenSource();
        var breaker = Create();
        await call(breaker, cts.Token);
        Assert.Equal(1, _payments.Calls);

        _payments.FailuresLeft = int.MaxValue;
        await Assert.ThrowsAsync<IOException>(() => call(breaker, cts.Token));
        Assert.Equal(CircuitState.Open, breaker.State);

        await Assert.ThrowsAsync<CircuitBreakerOpenException>(() => call(breaker, cts.Token));
        Assert.Equal(2, _payments.Calls);
    }

    [Fact]
    public Task A_lambda_returning_Task_of_T_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => Assert.Equal(70, await breaker.ExecuteAsync(ct => _payments.ChargeAsync(7, ct), ct)));

    [Fact]
    public Task A_lambda_returning_Task_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => await breaker.ExecuteAsync(ct => _payments.SendAsync(ct), ct));

    [Fact]
    public Task A_lambda_returning_ValueTask_of_T_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => Assert.Equal(20, await breaker.ExecuteAsync(ct => _payments.PeekAsync(ct), ct)));

    [Fact]
    public Task A_lambda_returning_ValueTask_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => await breaker.ExecuteAsync(ct => _payments.PingAsync(ct), ct));

    [Fact]
    public Task An_async_lambda_with_a_result_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => Assert.Equal(70, await breaker.ExecuteAsync(async ct => await _payments.ChargeAsync(7, ct), ct)));

    [Fact]
    public Task An_async_lambda_without_a_result_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => await breaker.ExecuteAsync(async ct => await _payments.SendAsync(ct), ct));

    [Fact]
    public Task A_method_group_returning_Task_of_T_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => Assert.Equal(10, await breaker.ExecuteAsync(_payments.TotalAsync, ct)));

    [Fact]
    public Task A_method_group_returning_Task_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => await breaker.ExecuteAsync(_payments.SendAsync, ct));

    [Fact]
    public Task A_method_group_returning_ValueTask_of_T_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => Assert.Equal(20, await breaker.ExecuteAsync(_payments.PeekAsync, ct)));

    [Fact]
    public Task A_method_group_returning_ValueTask_binds_and_runs() =>
        AssertRunsAndCountsAsync(async (breaker, ct) => await breaker.ExecuteAsync(_payments.PingAsync, ct));

    [Fact]
    public Task A_synchronous_lambda_with_a_result_binds_and_runs() =>
        AssertRunsAndCountsAsync((breaker, _) =>
        {
            Assert.Equal(70, breaker.Execute(() => _payments.Charge(7)));
            return Task.CompletedTask;
        });

    [Fact]
    public Task A_synchronous_lambda_without_a_result_binds_and_runs() =>
        AssertRunsAndCountsAsync((breaker, _) =>
        {
            breaker.Execute(() => _payments.Send());
            return Task.CompletedTask;
        });

    [Fact]
    public Task Synchronous_method_groups_bind_and_run() =>
        AssertRunsAndCountsAsync((breaker, _) =>
        {
            breaker.Execute(_payments.Send);
            return Task.CompletedTask;
        });

    [Fact]
    public void A_synchronous_method_group_with_a_result_binds_and_runs()
    {
        var breaker = Create();
        Assert.Equal(10, breaker.Execute(_payments.Total));
    }

    [Fact]
    public async Task A_Task_that_is_already_faulted_counts_as_a_failure()
    {
        var breaker = Create();
        await Assert.ThrowsAsync<IOException>(() => breaker.ExecuteAsync(_ => Task.FromException<int>(new IOException("down"))).AsTask());
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public async Task A_lambda_that_only_throws_still_binds_to_the_ValueTask_overload()
    {
        var breaker = Create();
        await Assert.ThrowsAsync<IOException>(() => breaker.ExecuteAsync<int>(_ => throw new IOException("down")).AsTask());
        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Null_delegates_are_refused_by_name()
    {
        var breaker = Create();
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.ExecuteAsync((Func<CancellationToken, Task<int>>)null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.ExecuteAsync((Func<CancellationToken, Task>)null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.Execute((Action)null!)).ParamName);
        Assert.Equal("breaker", Assert.Throws<ArgumentNullException>(() => CircuitBreakerTaskExtensions.ExecuteAsync(null!, _ => Task.CompletedTask)).ParamName);
    }

    [Fact]
    public async Task A_disposed_breaker_refuses_calls()
    {
        var breaker = Create();
        await breaker.DisposeAsync();
        await breaker.DisposeAsync(); // idempotent

        Assert.Throws<ObjectDisposedException>(() => breaker.ExecuteAsync(ct => _payments.ChargeAsync(1, ct)));
        Assert.Throws<ObjectDisposedException>(() => breaker.ExecuteAsync(_payments.PingAsync));
        Assert.Throws<ObjectDisposedException>(() => breaker.Execute(_payments.Send));
        Assert.Equal(0, _payments.Calls);
    }
}
