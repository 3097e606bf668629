using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Steadfast.CircuitBreakers;
using Steadfast.Queues;

namespace Steadfast.Hosting.Tests;

/// <summary>The consumer's backoff on the in-memory default, on a fake clock: the redelivery waits exactly its delay.</summary>
public sealed class InMemoryConsumerTests
{
    [Fact]
    public async Task FailedMessage_IsRedelivered_AfterTheBackoff_AndNotBefore()
    {
        var time = new FakeTimeProvider();
        var probe = new HandlerProbe();
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Consumers:orders:RetryBaseDelay"] = "00:00:10",
            ["Steadfast:Consumers:orders:Concurrency"] = "1",
        });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(probe);
        builder.Services.AddSteadfast().AddQueueConsumer<string, FailsFirstDelivery>("orders");
        using IHost host = builder.Build();
        await host.StartAsync();
        var queue = Assert.IsType<InMemoryReliableQueue<string>>(host.Keyed<IReliableQueue<string>>("orders"));

        await queue.EnqueueAsync("order-1");
        await Eventually.TrueAsync(() => probe.Started.Count == 1 && queue.InFlightCount == 0, "the first delivery to fail and be nacked");

        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(0, queue.ReadyCount); // Still waiting out its 10 s backoff.
        Assert.Single(probe.Started);

        time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.TrueAsync(() => probe.Finished.ContainsKey("order-1") && queue.InFlightCount == 0, "the second delivery to succeed and be acked");
        Assert.Equal([1, 2], probe.Started.Select(s => s.DeliveryCount));
        Assert.Empty(queue.GetDeadLetters());
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task HandlerScopes_DoNotDisposeTheSharedKeyedBreaker()
    {
        // Regression: the keyed breaker was transient, so each message's DI scope disposed the one shared breaker and
        // every later message failed with ObjectDisposedException until it was dead-lettered.
        var probe = new HandlerProbe();
        var builder = TestHosts.Builder(new Dictionary<string, string?> { ["Steadfast:Consumers:orders:Concurrency"] = "1" });
        builder.Services.AddSingleton(probe);
        builder.Services.AddSteadfast().AddCircuitBreaker("payments").AddQueueConsumer<string, ChargesThroughBreaker>("orders");
        using IHost host = builder.Build();
        await host.StartAsync();
        var queue = Assert.IsType<InMemoryReliableQueue<string>>(host.Keyed<IReliableQueue<string>>("orders"));

        await queue.EnqueueBatchAsync(["order-1", "order-2", "order-3"]);
        await Eventually.TrueAsync(() => probe.Finished.Count == 3 && queue.PendingCount == 0, "three orders charged and acknowledged");

        Assert.All(probe.Started, s => Assert.Equal(1, s.DeliveryCount)); // None failed: the breaker outlived each scope.
        Assert.Empty(queue.GetDeadLetters());
        Assert.Equal(7, await host.Keyed<CircuitBreaker>("payments").ExecuteAsync(_ => ValueTask.FromResult(7)));
        await host.StopQuietlyAsync();
    }

    private sealed class ChargesThroughBreaker(HandlerProbe probe, [FromKeyedServices("payments")] CircuitBreaker breaker) : IQueueHandler<string>
    {
        public async Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken)
        {
            probe.Enter(message.Message, message.DeliveryCount);
            await breaker.ExecuteAsync(_ => ValueTask.CompletedTask, cancellationToken);
            probe.Leave(message.Message);
        }
    }

    private sealed class FailsFirstDelivery(HandlerProbe probe) : IQueueHandler<string>
    {
        public Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken)
        {
            probe.Enter(message.Message, message.DeliveryCount);
            if (message.DeliveryCount == 1)
            {
                probe.Leave("failed");
                throw new InvalidOperationException("The payment service is down.");
            }

            probe.Leave(message.Message);
            return Task.CompletedTask;
        }
    }
}
