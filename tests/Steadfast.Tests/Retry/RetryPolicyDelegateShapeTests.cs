using Steadfast.CircuitBreakers;
using Steadfast.Retry;
using Steadfast.Testing.Time;
using Steadfast.Tests.CircuitBreakers;

namespace Steadfast.Tests.Retry;

/// <summary>
/// Every delegate shape a user has binds without a cast and is retried: two failures, then the third attempt's result.
/// Each call site below compiling is half of the test.
/// </summary>
public sealed class RetryPolicyDelegateShapeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly ObservedTimeProvider _time = new();
    private readonly PaymentsClient _payments = new() { FailuresLeft = 2 };

    /// <summary>A policy whose backoff is zero (the random draw is 0), so no fake time has to pass between attempts.</summary>
    private RetryPolicy CreateWithoutDelays() => new(
        new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
        _time,
        random: () => 0);

    private async Task AssertRetriedAsync(Func<RetryPolicy, CancellationToken, Task> call)
    {
        using var cts = new CancellationTokenSource();
        await call(CreateWithoutDelays(), cts.Token);
        Assert.Equal(3, _payments.Calls);

        _payments.FailuresLeft = int.MaxValue; // the last attempt's failure surfaces
        await Assert.ThrowsAsync<IOException>(() => call(CreateWithoutDelays(), cts.Token));
        Assert.Equal(6, _payments.Calls);
    }

    [Fact]
    public Task A_lambda_returning_Task_of_T_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => Assert.Equal(70, await policy.ExecuteAsync(ct => _payments.ChargeAsync(7, ct), ct)));

    [Fact]
    public Task A_lambda_returning_Task_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => await policy.ExecuteAsync(ct => _payments.SendAsync(ct), ct));

    [Fact]
    public Task A_lambda_returning_ValueTask_of_T_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => Assert.Equal(20, await policy.ExecuteAsync(ct => _payments.PeekAsync(ct), ct)));

    [Fact]
    public Task A_lambda_returning_ValueTask_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => await policy.ExecuteAsync(ct => _payments.PingAsync(ct), ct));

    [Fact]
    public Task An_async_lambda_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => Assert.Equal(70, await policy.ExecuteAsync(async ct => await _payments.ChargeAsync(7, ct), ct)));

    [Fact]
    public Task A_method_group_returning_Task_of_T_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => Assert.Equal(10, await policy.ExecuteAsync(_payments.TotalAsync, ct)));

    [Fact]
    public Task A_method_group_returning_Task_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => await policy.ExecuteAsync(_payments.SendAsync, ct));

    [Fact]
    public Task A_method_group_returning_ValueTask_of_T_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => Assert.Equal(20, await policy.ExecuteAsync(_payments.PeekAsync, ct)));

    [Fact]
    public Task A_method_group_returning_ValueTask_binds_and_is_retried() =>
        AssertRetriedAsync(async (policy, ct) => await policy.ExecuteAsync(_payments.PingAsync, ct));

    [Fact]
    public Task A_synchronous_lambda_with_a_result_binds_and_is_retried() =>
        AssertRetriedAsync((policy, ct) =>
        {
            Assert.Equal(70, policy.Execute(_ => _payments.Charge(7), ct));
            return Task.CompletedTask;
        });

    [Fact]
    public Task A_synchronous_lambda_without_a_result_binds_and_is_retried() =>
        AssertRetriedAsync((policy, ct) =>
        {
            policy.Execute(_ => _payments.Send(), ct);
            return Task.CompletedTask;
        });

    [Fact]
    public Task A_synchronous_method_group_with_a_result_binds_and_is_retried() =>
        AssertRetriedAsync((policy, ct) =>
        {
            Assert.Equal(10, policy.Execute(_payments.Total, ct));
            return Task.CompletedTask;
        });

    [Fact]
    public Task A_synchronous_method_group_without_a_result_binds_and_is_retried() =>
        AssertRetriedAsync((policy, ct) =>
        {
            policy.Execute(_payments.Send, ct);
            return Task.CompletedTask;
        });

    [Fact]
    public async Task The_retry_of_a_breaker_around_a_Task_client_composes()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions(), timeProvider: _time);
        var policy = CreateWithoutDelays();

        // The README's headline shape, against a client whose methods return Task<T>.
        var receipt = await policy.ExecuteAsync(ct => breaker.ExecuteAsync(ct => _payments.ChargeAsync(7, ct), ct), CancellationToken.None);

        Assert.Equal(70, receipt);
        Assert.Equal(3, _payments.Calls);
    }

    [Fact]
    public async Task The_synchronous_retry_blocks_the_caller_for_the_backoff_on_the_time_provider()
    {
        var policy = new RetryPolicy(
            new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
            _time,
            random: () => 0.5); // backoffs 100 ms, then 200 ms
        int callerThread = -1;
        var attemptThreads = new List<int>();

        var run = Task.Factory.StartNew(
            () =>
            {
                callerThread = Environment.CurrentManagedThreadId;
                return policy.Execute(_ =>
                {
                    attemptThreads.Add(Environment.CurrentManagedThreadId);
                    return _payments.Charge(7);
                });
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        await _time.WaitForTimerAsync(due => due == TimeSpan.FromMilliseconds(100), Patience);
        Assert.Equal(1, _payments.Calls);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        await _time.WaitForTimerAsync(due => due == TimeSpan.FromMilliseconds(200), Patience);
        Assert.Equal(2, _payments.Calls);
        Assert.False(run.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.Equal(70, await run.WaitAsync(Patience));
        Assert.Equal(3, _payments.Calls);
        Assert.All(attemptThreads, thread => Assert.Equal(callerThread, thread)); // every attempt on the caller's thread
    }

    [Fact]
    public async Task The_synchronous_retry_is_cancelled_during_its_backoff()
    {
        var policy = new RetryPolicy(
            new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1) },
            _time,
            random: () => 0.5);
        _payments.FailuresLeft = int.MaxValue;
        using var cts = new CancellationTokenSource();

        var run = Task.Factory.StartNew(() => policy.Execute(_payments.Send, cts.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await _time.WaitForTimerAsync(due => due == TimeSpan.FromMilliseconds(100), Patience);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
        Assert.Equal(1, _payments.Calls);
    }

    [Fact]
    public void Null_delegates_are_refused_by_name()
    {
        var policy = CreateWithoutDelays();
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => policy.ExecuteAsync((Func<CancellationToken, Task<int>>)null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => policy.ExecuteAsync((Func<CancellationToken, Task>)null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => policy.Execute((Func<CancellationToken, int>)null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => policy.Execute((Action<CancellationToken>)null!)).ParamName);
        Assert.Equal("policy", Assert.Throws<ArgumentNullException>(() => RetryPolicyTaskExtensions.ExecuteAsync(null!, _ => Task.CompletedTask)).ParamName);
    }
}
