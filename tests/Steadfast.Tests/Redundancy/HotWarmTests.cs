using Microsoft.Extensions.Time.Testing;
using Steadfast.Redundancy;
using Steadfast.Testing.Conditions;

namespace Steadfast.Tests.Redundancy;

public sealed class HotWarmTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();
    private readonly List<FailoverEventArgs> _events = [];
    private readonly List<FailoverEventArgs> _failbacks = [];

    private sealed class Node(string name)
    {
        public string Name { get; } = name;

        public volatile bool Healthy = true;

        public volatile bool CallsFail;

        public int HealthChecks;

        public int Calls;

        public ValueTask<string> ServeAsync(string request)
        {
            Interlocked.Increment(ref Calls);
            return CallsFail ? ValueTask.FromException<string>(new IOException($"{Name} down")) : new ValueTask<string>($"{Name}:{request}");
        }
    }

    private readonly Node _primary = new("primary");
    private readonly Node _standby = new("standby");

    private HotWarm<Node> Create(int threshold = 3, bool idempotent = false, FailbackPolicy failback = FailbackPolicy.Manual,
        TimeSpan? grace = null, string? name = null)
    {
        var pair = new HotWarm<Node>(_primary, _standby, new HotWarmOptions<Node>
        {
            HealthCheck = (node, _) =>
            {
                Interlocked.Increment(ref node.HealthChecks);
                return new ValueTask<bool>(node.Healthy);
            },
            HeartbeatInterval = Interval,
            FailureThreshold = threshold,
            Idempotent = idempotent,
            Failback = failback,
            FailbackGracePeriod = grace ?? TimeSpan.FromSeconds(10),
            Name = name,
        }, _time);
        pair.FailedOver += (_, e) => _events.Add(e);
        pair.FailedBack += (_, e) => _failbacks.Add(e);
        return pair;
    }

    [Fact]
    public async Task Heartbeats_check_both_sides_every_interval()
    {
        await using var pair = Create();
        Assert.Equal(1, _primary.HealthChecks); // the first round runs at once
        Assert.Equal(1, _standby.HealthChecks);

        _time.Advance(Interval * 3);

        Assert.Equal(4, _primary.HealthChecks);
        Assert.Equal(4, _standby.HealthChecks);
        Assert.True(pair.IsHealthy(ReplicaRole.Standby));
    }

    [Fact]
    public async Task Fails_over_after_exactly_the_threshold_of_failed_heartbeats_and_reports_the_switchover_time()
    {
        using var metrics = new MetricsCollector("hb-failover");
        await using var pair = Create(threshold: 3, name: "hb-failover");
        _primary.Healthy = false;

        _time.Advance(Interval); // failure 1 (first detected)
        _time.Advance(Interval); // failure 2
        Assert.Same(_primary, pair.Active);
        Assert.Empty(_events);

        _time.Advance(Interval); // failure 3: switch, and the confirmation check passes on the standby

        Assert.Same(_standby, pair.Active);
        var e = Assert.Single(_events);
        Assert.Equal(ReplicaRole.Primary, e.From);
        Assert.Equal(ReplicaRole.Standby, e.To);
        Assert.Equal(FailoverReason.HealthCheckFailed, e.Reason);
        Assert.Equal(3, e.ConsecutiveFailures);
        Assert.Equal(Interval * 2, e.SwitchoverTime); // from the first detected failure to the first success on the standby
        Assert.Equal(1, metrics.Sum(RedundancyTelemetry.Failovers));
        Assert.Equal(2.0, Assert.Single(metrics.Values(RedundancyTelemetry.SwitchoverDuration)));
        Assert.Equal("standby:x", await pair.ExecuteAsync((n, _) => n.ServeAsync("x")));
    }

    [Fact]
    public async Task Idempotent_calls_are_never_lost_and_the_failover_comes_after_exactly_the_threshold_of_call_failures()
    {
        await using var pair = Create(threshold: 3, idempotent: true);
        _primary.CallsFail = true; // heartbeats still pass: only the calls reveal it

        var answers = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            answers.Add(await pair.ExecuteAsync((n, _) => n.ServeAsync($"r{i}")));
            if (i < 2)
            {
                Assert.Same(_primary, pair.Active);
            }

            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"standby:r{i}"), answers); // each failed call retried on the warm standby
        Assert.Same(_standby, pair.Active);
        Assert.Equal(3, _primary.Calls); // exactly the threshold, then no more traffic to the primary
        var e = Assert.Single(_events);
        Assert.Equal(FailoverReason.CallFailed, e.Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(200), e.SwitchoverTime); // first failure at r0, retried success at r2
        Assert.IsType<IOException>(e.LastError);
    }

    [Fact]
    public async Task Non_idempotent_call_failures_surface_and_the_next_call_after_the_failover_goes_to_the_standby()
    {
        await using var pair = Create(threshold: 2, idempotent: false);
        _primary.CallsFail = true;

        await Assert.ThrowsAsync<IOException>(() => pair.ExecuteAsync((n, _) => n.ServeAsync("a")).AsTask());
        Assert.Same(_primary, pair.Active);
        await Assert.ThrowsAsync<IOException>(() => pair.ExecuteAsync((n, _) => n.ServeAsync("b")).AsTask());
        Assert.Same(_standby, pair.Active);

        Assert.Equal("standby:c", await pair.ExecuteAsync((n, _) => n.ServeAsync("c")));
        Assert.Equal(1, _standby.Calls);
    }

    [Fact]
    public async Task A_success_resets_the_count_so_only_consecutive_failures_fail_over()
    {
        await using var pair = Create(threshold: 3);
        for (int round = 0; round < 5; round++)
        {
            _primary.Healthy = false;
            _time.Advance(Interval);
            _time.Advance(Interval);
            _primary.Healthy = true;
            _time.Advance(Interval);
        }

        Assert.Same(_primary, pair.Active);
        Assert.Empty(_events);
    }

    [Fact]
    public async Task An_unhealthy_standby_is_never_failed_over_to_and_the_error_surfaces()
    {
        await using var pair = Create(threshold: 2, idempotent: true);
        _standby.Healthy = false;
        _time.Advance(Interval);
        _primary.Healthy = false;
        _primary.CallsFail = true;

        for (int i = 0; i < 5; i++)
        {
            _time.Advance(Interval);
            var error = await Assert.ThrowsAsync<IOException>(() => pair.ExecuteAsync((n, _) => n.ServeAsync("x")).AsTask());
            Assert.Equal("primary down", error.Message);
        }

        Assert.Same(_primary, pair.Active);
        Assert.Equal(0, _standby.Calls);
        Assert.Empty(_events);

        _standby.Healthy = true; // the standby recovers: the next heartbeat fails over
        _time.Advance(Interval);
        Assert.Same(_standby, pair.Active);
        Assert.Equal(ReplicaRole.Standby, Assert.Single(_events).To);
    }

    [Fact]
    public async Task Automatic_failback_happens_only_after_the_primary_was_healthy_for_the_grace_period()
    {
        await using var pair = Create(threshold: 1, failback: FailbackPolicy.Automatic, grace: TimeSpan.FromSeconds(10));
        _primary.Healthy = false;
        _time.Advance(Interval);
        Assert.Same(_standby, pair.Active);

        _primary.Healthy = true;
        _time.Advance(Interval); // first healthy check: the grace period starts
        _time.Advance(Interval * 9);
        Assert.Same(_standby, pair.Active);

        _primary.Healthy = false; // a relapse restarts the grace period
        _time.Advance(Interval);
        _primary.Healthy = true;
        _time.Advance(Interval);
        _time.Advance(Interval * 9);
        Assert.Same(_standby, pair.Active);

        _time.Advance(Interval);
        Assert.Same(_primary, pair.Active);
        var failover = Assert.Single(_events); // FailedOver: the way out only
        Assert.Equal((ReplicaRole.Primary, ReplicaRole.Standby, FailoverReason.HealthCheckFailed), (failover.From, failover.To, failover.Reason));
        var failback = Assert.Single(_failbacks); // FailedBack: the way back only
        Assert.Equal((ReplicaRole.Standby, ReplicaRole.Primary, FailoverReason.AutomaticFailback), (failback.From, failback.To, failback.Reason));
        Assert.Equal(TimeSpan.Zero, failback.SwitchoverTime); // the confirmation check passed at once (no time passes on the fake clock)
    }

    [Fact]
    public async Task Manual_failback_waits_for_the_application()
    {
        await using var pair = Create(threshold: 1, failback: FailbackPolicy.Manual);
        _primary.Healthy = false;
        _time.Advance(Interval);
        _primary.Healthy = true;
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Same(_standby, pair.Active);

        _primary.Healthy = false;
        Assert.False(await pair.FailbackAsync());
        Assert.Same(_standby, pair.Active);

        _primary.Healthy = true;
        Assert.Empty(_failbacks);
        Assert.True(await pair.FailbackAsync());
        Assert.Same(_primary, pair.Active);
        Assert.Equal(FailoverReason.HealthCheckFailed, Assert.Single(_events).Reason);
        var failback = Assert.Single(_failbacks);
        Assert.Equal((ReplicaRole.Standby, ReplicaRole.Primary, FailoverReason.ManualFailback), (failback.From, failback.To, failback.Reason));
        Assert.False(await pair.FailbackAsync()); // already on the primary
    }

    [Fact]
    public async Task A_hanging_health_check_counts_as_a_failure_after_the_timeout()
    {
        var hang = new TaskCompletionSource<bool>();
        await using var pair = new HotWarm<Node>(_primary, _standby, new HotWarmOptions<Node>
        {
            HealthCheck = (node, ct) => node == _primary && !_primary.Healthy ? new ValueTask<bool>(hang.Task.WaitAsync(ct)) : new ValueTask<bool>(true),
            HeartbeatInterval = Interval,
            HealthCheckTimeout = TimeSpan.FromMilliseconds(300),
            FailureThreshold = 1,
        }, _time);
        _primary.Healthy = false;

        _time.Advance(Interval);
        Assert.Same(_primary, pair.Active);
        _time.Advance(TimeSpan.FromMilliseconds(300));

        await Until.TrueAsync(() => ReferenceEquals(pair.Active, _standby), "the switch to the standby", TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(500, 3)]
    [InlineData(1000, 2)]
    [InlineData(200, 5)]
    public async Task With_the_default_timeout_a_hanging_check_fails_over_within_the_documented_bound(int intervalMs, int threshold)
    {
        // A dead dependency whose client queues commands instead of failing (StackExchange.Redis while disconnected):
        // the check never completes and ignores its token.
        var interval = TimeSpan.FromMilliseconds(intervalMs);
        var options = new HotWarmOptions<Node>
        {
            HealthCheck = (node, _) => node == _primary && !_primary.Healthy ? new ValueTask<bool>(new TaskCompletionSource<bool>().Task) : new ValueTask<bool>(true),
            HeartbeatInterval = interval,
            FailureThreshold = threshold,
        };
        TimeSpan timeout = options.HealthCheckTimeout;
        Assert.True(timeout < interval, "the default timeout is below the interval");
        await using var pair = new HotWarm<Node>(_primary, _standby, options, _time);
        pair.FailedOver += (_, e) => _events.Add(e);
        DateTimeOffset killedAt = _time.GetUtcNow();
        _primary.Healthy = false;

        // Documented: SwitchoverTime ≤ interval × (threshold − 1) + one check; from the kill ≤ interval × threshold + one check.
        TimeSpan reportedBound = (interval * (threshold - 1)) + timeout;
        TimeSpan fromKillBound = (interval * threshold) + timeout;
        DateTimeOffset? switchedAt = null;
        for (int round = 1; switchedAt is null && interval * round <= fromKillBound; round++)
        {
            AdvanceTo(killedAt + (interval * round)); // a heartbeat: the round starts and the primary's check hangs
            Assert.False(pair.HeartbeatRound.IsCompleted, $"heartbeat {round} started a round (a round that outlasts the interval makes the next one skip)");
            AdvanceTo(killedAt + (interval * round) + timeout); // the check's timeout: the round ends with a failure
            await pair.HeartbeatRound.WaitAsync(TimeSpan.FromSeconds(10));
            if (ReferenceEquals(pair.Active, _standby) && _events.Count == 1)
            {
                switchedAt = _time.GetUtcNow();
            }
        }

        Assert.NotNull(switchedAt);
        var e = Assert.Single(_events);
        Assert.Equal((ReplicaRole.Primary, ReplicaRole.Standby, FailoverReason.HealthCheckFailed, threshold), (e.From, e.To, e.Reason, e.ConsecutiveFailures));
        Assert.InRange(e.SwitchoverTime, TimeSpan.Zero, reportedBound);
        Assert.InRange(switchedAt.Value - killedAt, TimeSpan.Zero, fromKillBound);
    }

    [Fact]
    public async Task Dispose_stops_the_heartbeat()
    {
        var pair = Create();
        await pair.DisposeAsync();
        int checks = _primary.HealthChecks;

        _time.Advance(Interval * 5);

        Assert.Equal(checks, _primary.HealthChecks);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pair.ExecuteAsync((n, _) => n.ServeAsync("x")).AsTask());
    }

    [Fact]
    public void Options_are_validated_by_the_constructor_naming_the_option()
    {
        AssertRejected("HeartbeatInterval", new HotWarmOptions<Node> { HealthCheck = Healthy, HeartbeatInterval = TimeSpan.Zero });
        AssertRejected("FailureThreshold", new HotWarmOptions<Node> { HealthCheck = Healthy, FailureThreshold = 0 });
        AssertRejected("FailbackGracePeriod", new HotWarmOptions<Node> { HealthCheck = Healthy, FailbackGracePeriod = TimeSpan.FromSeconds(-1) });
        AssertRejected("HealthCheckTimeout", new HotWarmOptions<Node> { HealthCheck = Healthy, HealthCheckTimeout = TimeSpan.Zero });
        AssertRejected("Failback", new HotWarmOptions<Node> { HealthCheck = Healthy, Failback = (FailbackPolicy)9 });
        var missing = Assert.Throws<ArgumentNullException>(() => new HotWarm<Node>(_primary, _standby, new HotWarmOptions<Node>(), _time));
        Assert.Equal("HealthCheck", missing.ParamName);
        Assert.Contains("HotWarmOptions.HealthCheck", missing.Message);
        var defaults = new HotWarmOptions<Node>();
        Assert.Equal(TimeSpan.FromSeconds(1), defaults.HeartbeatInterval);
        Assert.Equal(3, defaults.FailureThreshold);
        Assert.Equal(FailbackPolicy.Manual, defaults.Failback);
        Assert.False(defaults.Idempotent);
        Assert.Equal(TimeSpan.FromMilliseconds(500), defaults.HealthCheckTimeout); // half the interval, so a round never outlasts it
        Assert.Equal(TimeSpan.FromMilliseconds(100), new HotWarmOptions<Node> { HeartbeatInterval = TimeSpan.FromMilliseconds(200) }.HealthCheckTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), new HotWarmOptions<Node> { HealthCheckTimeout = TimeSpan.FromSeconds(3) }.HealthCheckTimeout);

        void AssertRejected(string option, HotWarmOptions<Node> options)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => new HotWarm<Node>(_primary, _standby, options, _time));
            Assert.Equal(option, error.ParamName);
            Assert.Contains("HotWarmOptions." + option, error.Message);
        }

        static ValueTask<bool> Healthy(Node node, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }

    private void AdvanceTo(DateTimeOffset target) => _time.Advance(target - _time.GetUtcNow());
}
