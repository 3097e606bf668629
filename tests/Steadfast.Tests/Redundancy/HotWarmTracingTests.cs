using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Redundancy;
using Steadfast.Testing.Tracing;

namespace Steadfast.Tests.Redundancy;

[Collection(TracingTests.Name)]
public sealed class HotWarmTracingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();
    private readonly string _name = "hotwarm-" + Guid.NewGuid().ToString("N");
    private volatile bool _primaryHealthy = true;
    private volatile bool _primaryCallsFail;

    private HotWarm<string> Create(int threshold, bool idempotent = false) => new("primary", "standby", new HotWarmOptions<string>
    {
        HealthCheck = (replica, _) => new ValueTask<bool>(replica != "primary" || _primaryHealthy),
        HeartbeatInterval = Interval,
        FailureThreshold = threshold,
        Idempotent = idempotent,
        Name = _name,
    }, _time);

    private ValueTask<string> Serve(string replica) =>
        replica == "primary" && _primaryCallsFail ? ValueTask.FromException<string>(new IOException()) : new ValueTask<string>(replica);

    private ActivityCollector Collect() => new(a => (string?)a.GetTagItem(RedundancyTelemetry.NameTag) == _name);

    [Fact]
    public async Task A_heartbeat_failover_is_a_root_span_lasting_the_switchover_time()
    {
        using var traces = Collect();
        await using var pair = Create(threshold: 3);
        FailoverEventArgs? failover = null;
        pair.FailedOver += (_, e) => failover = e;
        _primaryHealthy = false;

        _time.Advance(Interval);
        _time.Advance(Interval);
        _time.Advance(Interval);

        Assert.NotNull(failover);
        Activity span = traces.Single("steadfast.hot_warm.failover");
        Assert.Equal(ActivityKind.Internal, span.Kind);
        Assert.Null(span.Parent);
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(failover.SwitchoverTime, span.Duration);
        Assert.Equal(Interval * 2, span.Duration);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, span.StartTimeUtc + span.Duration);
        Assert.Equal("primary", span.Tag("steadfast.hot_warm.from"));
        Assert.Equal("standby", span.Tag("steadfast.hot_warm.to"));
        Assert.Equal("health_check_failed", span.Tag(RedundancyTelemetry.ReasonTag));
        Assert.Equal(3, span.Tag("steadfast.hot_warm.consecutive_failures"));
        Assert.Null(span.Tag("steadfast.hot_warm.last_error.type")); // the health check said false; nothing threw
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
    }

    [Fact]
    public async Task A_failover_completed_by_a_call_does_not_join_the_callers_trace()
    {
        using var traces = Collect();
        await using var pair = Create(threshold: 1, idempotent: true);
        _primaryCallsFail = true;

        Assert.Equal("standby", await pair.ExecuteAsync((replica, _) => Serve(replica)));

        Activity span = traces.Single("steadfast.hot_warm.failover");
        Assert.NotEqual(traces.Root.TraceId, span.TraceId);
        Assert.Null(span.Parent);
        Assert.Same(traces.Root, Activity.Current);
        Assert.Equal("call_failed", span.Tag(RedundancyTelemetry.ReasonTag));
        Assert.Equal(typeof(IOException).FullName, span.Tag("steadfast.hot_warm.last_error.type"));
    }
}
