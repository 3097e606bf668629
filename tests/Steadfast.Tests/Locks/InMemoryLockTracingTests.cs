using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Locks;
using Steadfast.Testing.Tracing;

namespace Steadfast.Tests.Locks;

[Collection(TracingTests.Name)]
public sealed class InMemoryLockTracingTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryLockProvider _locks;

    public InMemoryLockTracingTests() => _locks = new InMemoryLockProvider(_time);

    private static string NewName() => "lock-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Acquire_is_a_span_with_backend_name_outcome_and_fencing_token()
    {
        using var traces = new ActivityCollector();
        string name = NewName();

        await using (var handle = await _locks.AcquireAsync(name))
        {
            Assert.Same(traces.Root, Activity.Current); // the span ended with the call
        }

        Activity span = traces.Single("steadfast.lock.acquire");
        Assert.Equal(SteadfastTracing.ActivitySourceName, span.Source.Name);
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Same(traces.Root, span.Parent);
        Assert.Equal("memory", span.Tag("steadfast.lock.backend"));
        Assert.Equal(name, span.Tag("steadfast.lock.name"));
        Assert.Equal("acquired", span.Tag("steadfast.lock.outcome"));
        Assert.Equal(1L, span.Tag("steadfast.lock.fencing_token"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task TryAcquire_of_a_held_lock_ends_with_timeout_and_is_not_an_error()
    {
        string name = NewName();
        await using var held = await _locks.AcquireAsync(name);
        using var traces = new ActivityCollector();

        Assert.Null(await _locks.TryAcquireAsync(name));
        Assert.Null(_locks.TryAcquire(name));

        Assert.Equal(2, traces.Stopped.Count);
        Assert.All(traces.Stopped, span =>
        {
            Assert.Equal("steadfast.lock.acquire", span.OperationName);
            Assert.Equal("timeout", span.Tag("steadfast.lock.outcome"));
            Assert.Null(span.Tag("steadfast.lock.fencing_token"));
            Assert.Equal(ActivityStatusCode.Unset, span.Status);
        });
    }

    [Fact]
    public async Task Acquire_that_runs_out_of_wait_fails_the_span_with_the_exception_type()
    {
        string name = NewName();
        await using var held = await _locks.AcquireAsync(name);
        using var traces = new ActivityCollector();

        var waiting = _locks.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.FromSeconds(5) }).AsTask();
        _time.Advance(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<LockTimeoutException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        Activity span = traces.Single("steadfast.lock.acquire");
        Assert.Equal("timeout", span.Tag("steadfast.lock.outcome"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(LockTimeoutException).FullName, span.StatusDescription);
        Assert.Equal(typeof(LockTimeoutException).FullName, span.Tag("error.type"));
    }

    [Fact]
    public async Task A_cancelled_wait_ends_with_canceled_and_is_not_an_error()
    {
        string name = NewName();
        await using var held = await _locks.AcquireAsync(name);
        using var traces = new ActivityCollector();
        using var cancel = new CancellationTokenSource();

        var waiting = _locks.AcquireAsync(name, cancellationToken: cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));

        Activity span = traces.Single("steadfast.lock.acquire");
        Assert.Equal("canceled", span.Tag("steadfast.lock.outcome"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task A_lost_lease_is_an_event_on_the_span_that_held_the_lock()
    {
        using var traces = new ActivityCollector();
        string name = NewName();
        var handle = await _locks.AcquireAsync(name, new LockOptions { Lease = TimeSpan.FromSeconds(10), AutoExtend = false });
        Assert.Empty(traces.Root.Events);

        _time.Advance(TimeSpan.FromSeconds(9)); // a tenth of the lease before expiry
        Assert.True(handle.Lost.IsCancellationRequested);

        ActivityEvent lost = traces.Root.Event("steadfast.lock.lost");
        Assert.Equal(name, lost.Tag("steadfast.lock.name"));
        Assert.Equal(handle.FencingToken, lost.Tag("steadfast.lock.fencing_token"));
        Assert.Equal("memory", lost.Tag("steadfast.lock.backend"));
        await handle.DisposeAsync();
        Assert.Single(traces.Root.Events); // released after the loss: reported once
    }
}
