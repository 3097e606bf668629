using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Retry;

namespace Steadfast.Tests.Retry;

public sealed class RetryPolicyTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly Channel<int> _attempts = Channel.CreateUnbounded<int>();
    private readonly List<RetryAttempt> _retries = [];
    private int _calls;

    private RetryPolicy Create(int maxAttempts = 3, Func<Exception, bool>? shouldHandle = null, double random = 0.5) => new(
        new RetryOptions
        {
            MaxAttempts = maxAttempts,
            BaseDelay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(30),
            ShouldHandle = shouldHandle ?? (ex => ex is not OperationCanceledException),
            OnRetry = _retries.Add,
        },
        _time,
        () => random);

    private ValueTask<int> FailingCall(CancellationToken _)
    {
        _attempts.Writer.TryWrite(Interlocked.Increment(ref _calls));
        throw new TimeoutException($"attempt {_calls}");
    }

    private async Task ExpectAttemptAsync(int number) =>
        Assert.Equal(number, await _attempts.Reader.ReadAsync().AsTask().WaitAsync(Patience));

    [Fact]
    public async Task Attempts_are_bounded_and_each_retry_waits_its_backoff_on_the_time_provider()
    {
        var policy = Create(maxAttempts: 3, random: 0.5);

        var run = policy.ExecuteAsync(FailingCall).AsTask();

        await ExpectAttemptAsync(1);
        Assert.Equal(TimeSpan.FromMilliseconds(100), _retries[0].Delay); // 0.5 × 200 ms × 2^0
        _time.Advance(TimeSpan.FromMilliseconds(100) - TimeSpan.FromTicks(1));
        Assert.False(_attempts.Reader.TryRead(out _), "retried before the backoff elapsed");
        _time.Advance(TimeSpan.FromTicks(1));
        await ExpectAttemptAsync(2);

        Assert.Equal(TimeSpan.FromMilliseconds(200), _retries[1].Delay); // 0.5 × 200 ms × 2^1
        _time.Advance(TimeSpan.FromMilliseconds(200));
        await ExpectAttemptAsync(3);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => run.WaitAsync(Patience));
        Assert.Equal("attempt 3", error.Message);
        Assert.Equal(2, _retries.Count);
        Assert.Equal([1, 2], _retries.Select(r => r.FailedAttempt));
    }

    [Fact]
    public async Task Returns_the_first_success()
    {
        var policy = Create(maxAttempts: 5);
        var calls = 0;

        var run = policy.ExecuteAsync(_ => ++calls < 2 ? throw new TimeoutException() : ValueTask.FromResult(calls)).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, await run.WaitAsync(Patience));
    }

    [Fact]
    public async Task Non_generic_overload_retries_too()
    {
        var policy = Create(maxAttempts: 2);
        var calls = 0;

        var run = policy.ExecuteAsync(_ => ++calls == 1 ? ValueTask.FromException(new TimeoutException()) : ValueTask.CompletedTask).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1));

        await run.WaitAsync(Patience);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Unhandled_exceptions_are_not_retried()
    {
        var policy = Create(shouldHandle: ex => ex is TimeoutException);
        var calls = 0;

        await Assert.ThrowsAsync<ArgumentException>(() => policy.ExecuteAsync<int>(_ => { calls++; throw new ArgumentException("bad"); }).AsTask());

        Assert.Equal(1, calls);
        Assert.Empty(_retries);
    }

    [Fact]
    public async Task Cancellation_during_a_delay_stops_retrying()
    {
        var policy = Create(maxAttempts: 10);
        using var cts = new CancellationTokenSource();

        var run = policy.ExecuteAsync(FailingCall, cts.Token).AsTask();
        await ExpectAttemptAsync(1);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, Volatile.Read(ref _calls));
    }

    [Fact]
    public async Task Caller_cancellation_raised_by_the_action_is_not_retried_even_when_handled()
    {
        var policy = Create(shouldHandle: _ => true);
        using var cts = new CancellationTokenSource();
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => policy.ExecuteAsync<int>(ct =>
        {
            calls++;
            cts.Cancel();
            ct.ThrowIfCancellationRequested();
            return ValueTask.FromResult(0);
        }, cts.Token).AsTask());

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Already_cancelled_token_makes_no_attempt()
    {
        var policy = Create();
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            policy.ExecuteAsync(_ => { calls++; return ValueTask.FromResult(1); }, new CancellationToken(canceled: true)).AsTask());

        Assert.Equal(0, calls);
    }
}
