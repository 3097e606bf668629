using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Retry;
using Steadfast.Testing.Tracing;

namespace Steadfast.Tests.Retry;

[Collection(TracingTests.Name)]
public sealed class RetryPolicyTracingTests
{
    // random() = 0 makes every backoff zero, so no clock needs advancing.
    private readonly RetryPolicy _policy = new(new RetryOptions { MaxAttempts = 3 }, new FakeTimeProvider(), () => 0);

    [Fact]
    public async Task Retries_are_events_on_one_span_that_holds_the_attempts()
    {
        using var traces = new ActivityCollector();
        int calls = 0;
        var seen = new List<string?>();

        int result = await _policy.ExecuteAsync(_ =>
        {
            seen.Add(Activity.Current?.OperationName);
            return ++calls < 3 ? ValueTask.FromException<int>(new TimeoutException()) : new ValueTask<int>(calls);
        });

        Assert.Equal(3, result);
        Activity span = traces.Single("steadfast.retry");
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Same(traces.Root, span.Parent);
        Assert.Equal(["steadfast.retry", "steadfast.retry", "steadfast.retry"], seen); // the calls run inside it
        Assert.Equal(3, span.Tag("steadfast.retry.attempts"));
        Assert.Equal("succeeded", span.Tag("steadfast.retry.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        ActivityEvent[] failures = span.Events.ToArray();
        Assert.Equal(["steadfast.retry.attempt_failed", "steadfast.retry.attempt_failed"], failures.Select(e => e.Name));
        Assert.Equal([1, 2], failures.Select(e => (int)e.Tag("steadfast.retry.attempt")!));
        Assert.All(failures, e =>
        {
            Assert.Equal(typeof(TimeoutException).FullName, e.Tag("error.type"));
            Assert.Equal(0.0, e.Tag("steadfast.retry.delay"));
        });
    }

    [Fact]
    public async Task Giving_up_fails_the_span_with_the_last_exception_type()
    {
        using var traces = new ActivityCollector();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _policy.ExecuteAsync(_ => ValueTask.FromException(new InvalidOperationException())).AsTask());

        Activity span = traces.Single("steadfast.retry");
        Assert.Equal(3, span.Tag("steadfast.retry.attempts"));
        Assert.Equal("failed", span.Tag("steadfast.retry.outcome"));
        Assert.Equal(2, span.Events.Count());
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, span.Tag("error.type"));
    }

    [Fact]
    public async Task A_cancelled_retry_is_not_an_error()
    {
        using var traces = new ActivityCollector();
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _policy.ExecuteAsync(_ =>
        {
            cancel.Cancel();
            return ValueTask.FromException(new TimeoutException());
        }, cancel.Token).AsTask());

        Activity span = traces.Single("steadfast.retry");
        Assert.Equal("canceled", span.Tag("steadfast.retry.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }
}
