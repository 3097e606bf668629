using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Redundancy;
using Steadfast.Testing.Tracing;

namespace Steadfast.Tests.Redundancy;

[Collection(TracingTests.Name)]
public sealed class HotHotTracingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly string _name = "hothot-" + Guid.NewGuid().ToString("N");

    private HotHot<string> Create(HotHotOptions? options = null) =>
        new(["slow", "fast"], options ?? new HotHotOptions { HedgeDelay = TimeSpan.FromMilliseconds(50), Name = _name }, _time);

    [Fact]
    public async Task A_hedged_read_is_one_span_with_an_event_for_the_hedge_and_for_the_cancelled_loser()
    {
        var group = Create();
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var traces = new ActivityCollector();
        var seen = new List<string?>();

        var read = group.ExecuteAsync(async (replica, ct) =>
        {
            seen.Add(Activity.Current?.OperationName);
            if (replica == "slow")
            {
                slowStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }

            return replica;
        }).AsTask();
        await slowStarted.Task.WaitAsync(Wait);
        _time.Advance(TimeSpan.FromMilliseconds(50));

        Assert.Equal("fast", await read.WaitAsync(Wait));
        Activity span = traces.Single("steadfast.hot_hot.read");
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Same(traces.Root, span.Parent);
        Assert.Equal(["steadfast.hot_hot.read", "steadfast.hot_hot.read"], seen); // both attempts run inside the span
        Assert.Equal(_name, span.Tag(RedundancyTelemetry.NameTag));
        Assert.Equal(1, span.Tag("steadfast.hot_hot.replica"));
        Assert.Equal(true, span.Tag("steadfast.hot_hot.hedged"));
        Assert.Equal(2, span.Tag("steadfast.hot_hot.attempts"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        ActivityEvent hedge = span.Event("steadfast.hot_hot.hedge");
        Assert.Equal(1, hedge.Tag("steadfast.hot_hot.replica"));
        Assert.Equal(0.05, hedge.Tag("steadfast.hot_hot.hedge_delay"));
        Assert.Equal(0, span.Event("steadfast.hot_hot.loser_cancelled").Tag("steadfast.hot_hot.replica"));
        Assert.True(hedge.Timestamp <= span.Event("steadfast.hot_hot.loser_cancelled").Timestamp);
    }

    [Fact]
    public async Task A_read_answered_at_once_has_no_events()
    {
        var group = Create();
        using var traces = new ActivityCollector();

        Assert.Equal("slow", await group.ExecuteAsync((replica, _) => new ValueTask<string>(replica)));

        Activity span = traces.Single("steadfast.hot_hot.read");
        Assert.Equal(0, span.Tag("steadfast.hot_hot.replica"));
        Assert.Equal(false, span.Tag("steadfast.hot_hot.hedged"));
        Assert.Equal(1, span.Tag("steadfast.hot_hot.attempts"));
        Assert.Empty(span.Events);
        Assert.Same(traces.Root, Activity.Current);
    }

    [Fact]
    public async Task A_read_every_replica_failed_fails_the_span_with_an_event_per_replica()
    {
        var group = Create();
        using var traces = new ActivityCollector();

        await Assert.ThrowsAsync<AllReplicasFailedException>(() =>
            group.ExecuteAsync<string>((replica, _) => ValueTask.FromException<string>(new IOException(replica))).AsTask());

        Activity span = traces.Single("steadfast.hot_hot.read");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal(typeof(AllReplicasFailedException).FullName, span.Tag("error.type"));
        ActivityEvent[] failures = span.Events.Where(e => e.Name == "steadfast.hot_hot.replica_failed").ToArray();
        Assert.Equal([0, 1], failures.Select(e => (int)e.Tag("steadfast.hot_hot.replica")!));
        Assert.All(failures, e => Assert.Equal(typeof(IOException).FullName, e.Tag("error.type")));
    }

    [Fact]
    public async Task A_write_that_misses_its_quorum_fails_its_span_and_names_the_failed_replica()
    {
        var group = Create(new HotHotOptions { Name = _name }); // quorum: every replica
        using var traces = new ActivityCollector();

        QuorumWriteResult result = await group.WriteAsync((replica, _) =>
            replica == "fast" ? ValueTask.FromException(new IOException()) : ValueTask.CompletedTask);

        Assert.False(result.QuorumReached);
        Activity span = traces.Single("steadfast.hot_hot.write");
        Assert.Equal(2, span.Tag("steadfast.hot_hot.quorum"));
        Assert.Equal(1, span.Tag("steadfast.hot_hot.succeeded"));
        Assert.Equal(1, span.Event("steadfast.hot_hot.replica_failed").Tag("steadfast.hot_hot.replica"));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("quorum_missed", span.Tag("error.type"));
    }
}
