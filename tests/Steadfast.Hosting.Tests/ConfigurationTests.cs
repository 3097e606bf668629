using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Steadfast.CircuitBreakers;
using Steadfast.Locks;
using Steadfast.Queues;

namespace Steadfast.Hosting.Tests;

/// <summary>Settings come from configuration (named), are validated when the host starts, and reload where documented.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task BadValue_FailsStartUp_WithTheAppSettingsKeyInTheMessage()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Queues:orders:MaxDeliveries"] = "0",
        });
        builder.Services.AddSteadfast().AddQueue<string>("orders");
        using IHost host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Steadfast:Queues:orders:MaxDeliveries must be at least 1 (was 0).", failure.Message);
    }

    [Fact]
    public async Task EveryBadValue_IsReported_EachWithItsKey()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:CircuitBreakers:payments:FailureRatio"] = "1.5",
            ["Steadfast:CircuitBreakers:payments:BreakDuration"] = "-00:00:01",
        });
        builder.Services.AddSteadfast().AddCircuitBreaker("payments");
        using IHost host = builder.Build();

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(failure.Failures, m => m.StartsWith("Steadfast:CircuitBreakers:payments:FailureRatio must be greater than 0 and at most 1", StringComparison.Ordinal));
        Assert.Contains(failure.Failures, m => m.StartsWith("Steadfast:CircuitBreakers:payments:BreakDuration must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreadableValue_FailsStartUp_NamingTheKey()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Consumers:orders:Concurrency"] = "lots",
        });
        builder.Services.AddSteadfast().AddQueueConsumer<string, IgnoringHandler>("orders");
        using IHost host = builder.Build();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("Steadfast:Consumers:orders:Concurrency", failure.Message);
    }

    [Fact]
    public async Task BoundSettings_ReachTheQueue_OnTheInMemoryDefault()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Queues:orders:MaxDeliveries"] = "2",
        });
        builder.Services.AddSteadfast().AddQueue<string>("orders");
        using IHost host = builder.Build();
        await host.StartAsync();

        var queue = Assert.IsType<InMemoryReliableQueue<string>>(host.Keyed<IReliableQueue<string>>("orders"));
        Assert.Same(queue, host.Services.GetRequiredService<IReliableQueue<string>>());
        Assert.IsType<InMemoryLockProvider>(host.Services.GetRequiredService<IDistributedLockProvider>());
        await queue.EnqueueAsync("a");
        await (await queue.DequeueAsync(TimeSpan.Zero))!.NackAsync();
        await (await queue.DequeueAsync(TimeSpan.Zero))!.NackAsync();

        // MaxDeliveries = 2 from configuration: the second failed delivery dead-letters the message.
        Assert.Equal(2, Assert.Single(queue.GetDeadLetters()).DeliveryCount);
        await host.StopQuietlyAsync();
    }

    [Fact]
    public void CodeConfiguration_RunsAfterTheBoundValues()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:RetryPolicies:payments:MaxAttempts"] = "5",
        });
        builder.Services.AddSteadfast().AddRetryPolicy("payments", s => s.MaxAttempts += 1);
        using IHost host = builder.Build();

        Assert.Equal(6, host.Services.GetRequiredService<IOptionsMonitor<RetrySettings>>().Get("payments").MaxAttempts);
    }

    [Fact]
    public async Task BreakerSettings_Reload_IntoANewBreaker()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:CircuitBreakers:payments:MinimumThroughput"] = "100",
            ["Steadfast:CircuitBreakers:payments:FailureRatio"] = "1",
        });
        builder.Services.AddSteadfast().AddCircuitBreaker("payments");
        using IHost host = builder.Build();
        await host.StartAsync();
        var breakers = host.Services.GetRequiredService<CircuitBreakerProvider>();
        CircuitBreaker before = breakers.Get("payments");
        Assert.Same(before, host.Keyed<CircuitBreaker>("payments"));
        await FailOnceAsync(before);
        Assert.Equal(CircuitState.Closed, before.State); // One failure is far below a throughput of 100.

        builder.Configuration["Steadfast:CircuitBreakers:payments:MinimumThroughput"] = "1";
        ((IConfigurationRoot)builder.Configuration).Reload();

        CircuitBreaker after = breakers.Get("payments");
        Assert.NotSame(before, after);
        Assert.Same(before, host.Keyed<CircuitBreaker>("payments")); // The keyed service is a singleton: reloads reach Get.
        await FailOnceAsync(after);
        Assert.Equal(CircuitState.Open, after.State); // The reloaded throughput of 1: one failure opens it.
        await host.StopQuietlyAsync();
    }

    [Fact]
    public void UnregisteredName_IsRefused_WithTheCallThatAddsIt()
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>());
        builder.Services.AddSteadfast().AddCircuitBreaker("payments");
        using IHost host = builder.Build();

        var failure = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<CircuitBreakerProvider>().Get("billing"));

        Assert.Contains("AddCircuitBreaker(\"billing\")", failure.Message);
    }

    private static async Task FailOnceAsync(CircuitBreaker breaker) =>
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await breaker.ExecuteAsync<int>(_ => throw new InvalidOperationException("down")));

    private sealed class IgnoringHandler : IQueueHandler<string>
    {
        public Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
