using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;
using Steadfast.Queues;
using Steadfast.Redundancy;
using Steadfast.Testing.Redis;

namespace Steadfast.Hosting.Tests;

/// <summary>The health checks against a real redis-server that stops and comes back, and against thresholds.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task RedisAndQueueChecks_GoUnhealthy_WhenRedisStops_AndHealthy_WhenItReturns()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Redis:ConnectionString"] = server.EndPoint + ",connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000",
            ["Steadfast:Queues:orders:KeyPrefix"] = TestHosts.UniquePrefix(),
        });
        builder.Services.AddSteadfast().AddHealthChecks().AddQueue<string>("orders");
        using IHost host = builder.Build();
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await host.Services.GetRequiredService<IReliableQueue<string>>().EnqueueAsync("a");

        HealthReport healthy = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(["steadfast-queue-orders", "steadfast-redis"], healthy.Entries.Keys.Order());
        Assert.Equal(1L, healthy.Entries["steadfast-queue-orders"].Data["waiting"]);

        await server.StopAsync();
        HealthReport down = await Eventually.MatchesAsync(() => health.CheckHealthAsync(), r => r.Status == HealthStatus.Unhealthy, "Unhealthy while Redis is down");
        Assert.Equal(HealthStatus.Unhealthy, down.Entries["steadfast-redis"].Status);
        await Eventually.MatchesAsync(() => health.CheckHealthAsync(), r => r.Entries["steadfast-queue-orders"].Status == HealthStatus.Unhealthy,
            "the queue check to fail while Redis is down");

        await server.RestartAsync();
        HealthReport back = await Eventually.MatchesAsync(() => health.CheckHealthAsync(), r => r.Status == HealthStatus.Healthy, "Healthy once Redis is back");
        Assert.All(back.Entries.Values, e => Assert.Equal(HealthStatus.Healthy, e.Status));
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task QueueCheck_IsDegraded_PastItsThresholds_WithTheOldestPendingAge()
    {
        await using RedisServer server = await RedisServer.StartAsync();
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Redis:ConnectionString"] = server.EndPoint,
            ["Steadfast:Queues:orders:Health:MaxBacklog"] = "2",
            ["Steadfast:Queues:orders:Health:MaxDeadLetters"] = "0",
        });
        builder.Services.AddSteadfast().AddQueue<string>("orders", q => { q.MaxDeliveries = 1; q.PrefetchCount = 1; }).AddHealthChecks();
        using IHost host = builder.Build();
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var queue = host.Services.GetRequiredService<IReliableQueue<string>>();
        await queue.EnqueueBatchAsync(["a", "b"]);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        await queue.EnqueueAsync("c");
        var delivery = await queue.DequeueAsync(TimeSpan.Zero);
        HealthReportEntry backlog = (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"];
        Assert.Equal(HealthStatus.Degraded, backlog.Status);
        Assert.Contains("backlog 3 > 2", backlog.Description);
        Assert.Equal(2L, backlog.Data["waiting"]);
        Assert.Equal(1L, backlog.Data["inFlight"]);
        Assert.True((double)backlog.Data["oldestPendingAgeSeconds"] >= 0);

        await delivery!.NackAsync(); // MaxDeliveries = 1: straight to the dead letters.
        HealthReportEntry dead = (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"];
        Assert.Equal(HealthStatus.Degraded, dead.Status);
        Assert.Contains("dead letters 1 > 0", dead.Description);
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task InMemoryQueueCheck_ReportsTheOldestPendingAge_AndDelayedMessages_AgainstEveryThreshold()
    {
        var time = new FakeTimeProvider();
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Queues:orders:Health:MaxBacklog"] = "2",
            ["Steadfast:Queues:orders:Health:MaxOldestPendingAge"] = "00:01:00",
            ["Steadfast:Queues:orders:Health:MaxDeadLetters"] = "0",
            ["Steadfast:Queues:orders:MaxDeliveries"] = "1",
            ["Steadfast:Queues:orders:VisibilityTimeout"] = "00:10:00", // caps the deferral below: long enough to outlast the test
        });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSteadfast().AddQueue<string>("orders").AddHealthChecks();
        using IHost host = builder.Build();
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var queue = host.Services.GetRequiredService<IReliableQueue<string>>();
        Assert.DoesNotContain("oldestPendingAgeSeconds", (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"].Data.Keys);

        await queue.EnqueueAsync("a");
        time.Advance(TimeSpan.FromSeconds(30));
        await queue.EnqueueAsync("b");
        // "a" is delivered and deferred: waiting out its delay it is neither ready nor in flight, yet still pending.
        var first = await queue.DequeueAsync(TimeSpan.Zero);
        await first!.DeferAsync(TimeSpan.FromMinutes(5));
        HealthReportEntry healthy = (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"];
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal((2L, 0L, 30.0), ((long)healthy.Data["waiting"], (long)healthy.Data["inFlight"], (double)healthy.Data["oldestPendingAgeSeconds"]));

        time.Advance(TimeSpan.FromSeconds(31)); // "a" was enqueued 61 s ago.
        HealthReportEntry old = (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"];
        Assert.Equal(HealthStatus.Degraded, old.Status);
        Assert.Contains("oldest pending 00:01:01 > 00:01:00", old.Description);

        await queue.EnqueueAsync("c");
        HealthReportEntry backlog = (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"];
        Assert.Contains("backlog 3 > 2", backlog.Description);

        // "b" fails on its only delivery: dead-lettered, no longer pending; "a" (deferred) is still the oldest.
        var second = await queue.DequeueAsync(TimeSpan.Zero);
        Assert.Equal("b", second!.Message);
        await second.NackAsync();
        HealthReportEntry dead = (await health.CheckHealthAsync()).Entries["steadfast-queue-orders"];
        Assert.Equal((2L, 1L, 61.0), ((long)dead.Data["waiting"] + (long)dead.Data["inFlight"], (long)dead.Data["deadLetters"], (double)dead.Data["oldestPendingAgeSeconds"]));
        Assert.Contains("dead letters 1 > 0", dead.Description);
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task BreakerCheck_IsDegraded_WhileTheCircuitIsOpen_OnTheInMemoryDefault()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:CircuitBreakers:payments:MinimumThroughput"] = "1",
        });
        builder.Services.AddSteadfast().AddHealthChecks().AddCircuitBreaker("payments");
        using IHost host = builder.Build();
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        var breaker = host.Services.GetRequiredKeyedService<CircuitBreaker>("payments");
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await breaker.ExecuteAsync<int>(_ => throw new InvalidOperationException()));

        HealthReport report = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal("Open", report.Entries["steadfast-circuit-breaker-payments"].Data["state"]);
        Assert.DoesNotContain("steadfast-redis", report.Entries.Keys); // No Redis check on the in-memory backend.
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task HotWarmCheck_IsHealthy_OnThePrimary_AndDegraded_OnTheStandby()
    {
        var replicas = new Dictionary<string, bool> { ["primary"] = true, ["standby"] = true };
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:HotWarm:db:FailureThreshold"] = "1",
            ["Steadfast:HotWarm:db:HeartbeatInterval"] = "01:00:00",
        });
        builder.Services.AddSteadfast().AddHealthChecks().AddHotWarm("db", _ => "primary", _ => "standby",
            (replica, _) => ValueTask.FromResult(replicas[replica]));
        using IHost host = builder.Build();
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var pair = host.Services.GetRequiredKeyedService<HotWarm<string>>("db");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        // A failed call on the primary (threshold 1) moves the pair to the standby.
        await Assert.ThrowsAnyAsync<Exception>(async () => await pair.ExecuteAsync<int>((r, _) => r == "primary" ? throw new TimeoutException() : ValueTask.FromResult(1)));
        await pair.ExecuteAsync((r, _) => ValueTask.FromResult(r));
        Assert.Equal(ReplicaRole.Standby, pair.ActiveRole);
        HealthReportEntry standby = (await health.CheckHealthAsync()).Entries["steadfast-hot-warm-db"];
        Assert.Equal(HealthStatus.Degraded, standby.Status);
        Assert.Equal("Standby", standby.Data["active"]);
        await host.StopQuietlyAsync();
    }
}
