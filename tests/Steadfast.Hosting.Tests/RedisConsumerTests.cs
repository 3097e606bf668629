using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using Steadfast.CircuitBreakers;
using Steadfast.Hosting.Consumers;
using Steadfast.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Hosting.Tests;

/// <summary>Hosted consumers on a real redis-server: ack under concurrency, backoff to the dead letters, graceful shutdown.</summary>
public sealed class RedisConsumerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private readonly string _prefix = TestHosts.UniquePrefix();

    [Fact]
    public async Task Consumer_HandlesEveryMessage_FourAtATime_EachInItsOwnScope_AndAcksThem()
    {
        var probe = new HandlerProbe { ExpectedConcurrency = 4 };
        using IHost host = BuildHost<GatedHandler>(probe, new() { ["Steadfast:Consumers:orders:Concurrency"] = "4" });
        await host.StartAsync();
        var messages = Enumerable.Range(1, 40).Select(i => $"order-{i}").ToList();
        await using var producer = Producer();
        await producer.EnqueueBatchAsync(messages);

        // Everything handled, and every delivery acknowledged: nothing pending in the group.
        await Eventually.TrueAsync(() => probe.Finished.Count == messages.Count, "all messages handled");
        await Eventually.MatchesAsync(() => PendingAsync(producer), p => p == 0, "no unacknowledged delivery");

        Assert.Equal(4, probe.MaxRunning); // Reached four at once (the gate waits for it), never more.
        Assert.Equal(messages.OrderBy(m => m), probe.Finished.Keys.OrderBy(m => m));
        Assert.Equal(probe.Started.Count, probe.Scopes.Count); // One DI scope per message.
        Assert.Empty(await producer.ReadDeadLettersAsync());
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task ThrowingHandler_BacksOff_ThenDeadLettersAfterMaxDeliveries()
    {
        var probe = new HandlerProbe();
        using IHost host = BuildHost<ThrowingHandler>(probe, new()
        {
            ["Steadfast:Queues:orders:MaxDeliveries"] = "3",
            ["Steadfast:Consumers:orders:RetryBaseDelay"] = "00:00:00.010",
        });
        await host.StartAsync();
        await using var producer = Producer();
        await producer.EnqueueAsync("poison");

        var dead = await Eventually.MatchesAsync(async () => await producer.ReadDeadLettersAsync(), d => d.Count > 0, "a dead letter");

        var letter = Assert.Single(dead);
        Assert.Equal("poison", letter.Message);
        Assert.Equal(3, letter.DeliveryCount);
        Assert.Equal([1, 2, 3], probe.Started.Select(s => s.DeliveryCount)); // Handled once per delivery, then given up.
        Assert.Equal(0, await PendingAsync(producer));
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task OpenCircuit_DefersTheMessage_WithoutSpendingADelivery_SoALongOutageDeadLettersNothing()
    {
        var probe = new HandlerProbe();
        using IHost host = BuildHost<OutageHandler>(probe, new()
        {
            // Two deliveries only: a consumer that nacked on an open circuit would dead-letter on the second rejection.
            ["Steadfast:Queues:orders:MaxDeliveries"] = "2",
            ["Steadfast:Consumers:orders:Concurrency"] = "1",
        });
        await host.StartAsync();
        await using var producer = Producer();
        await producer.EnqueueAsync("order-1");

        await Eventually.TrueAsync(() => probe.Finished.ContainsKey("order-1"), "the order to be charged once the circuit closes");
        await Eventually.MatchesAsync(() => PendingAsync(producer), p => p == 0, "the charged order to be acknowledged");

        Assert.Equal(OutageHandler.Rejections + 1, probe.Started.Count); // Rejected six times, then handled.
        Assert.All(probe.Started, s => Assert.Equal(1, s.DeliveryCount)); // No rejection spent a delivery.
        Assert.Empty(await producer.ReadDeadLettersAsync());
        await host.StopQuietlyAsync();
    }

    [Fact]
    public async Task ShutdownMidBatch_LetsRunningHandlersFinish_AndGivesTheRestBackAtOnce()
    {
        var probe = new HandlerProbe { ExpectedConcurrency = 3 };
        var finishGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IHost host = BuildHost<ShutdownHandler>(probe, new()
        {
            // Long enough that a message left to the visibility timeout could never show up within the test.
            ["Steadfast:Queues:orders:VisibilityTimeout"] = "00:10:00",
            ["Steadfast:Queues:orders:PrefetchCount"] = "1",
            // One delivery only: a give-back that spent it would dead-letter the messages the shutdown cut short.
            ["Steadfast:Queues:orders:MaxDeliveries"] = "1",
            ["Steadfast:Consumers:orders:Concurrency"] = "3",
        }, services => services.AddSingleton(finishGate));
        await host.StartAsync();
        await using var producer = Producer();
        await producer.EnqueueBatchAsync(["finishes", "cooperates", "ignores-cancellation"]);
        await probe.AllRunning.Task.WaitAsync(Eventually.Bound);
        await producer.EnqueueBatchAsync(["waiting-1", "waiting-2"]);

        using var shutdownTimeout = new CancellationTokenSource();
        Task stopping = host.StopAsync(shutdownTimeout.Token);
        var consumer = host.Services.GetServices<IHostedService>().OfType<QueueConsumerService<string, ShutdownHandler>>().Single();
        await Eventually.TrueAsync(() => consumer.IsStopping, "the consumer to stop reading");
        finishGate.SetResult(); // A running handler finishes within the shutdown timeout: it is acknowledged.
        await Eventually.TrueAsync(() => probe.Finished.ContainsKey("finishes"), "the finishing handler to return");
        Assert.False(stopping.IsCompleted); // Still waiting for the other two handlers.
        await shutdownTimeout.CancelAsync(); // The host's shutdown timeout runs out.
        await stopping.WaitAsync(Eventually.Bound);
        await ((IAsyncDisposable)host).DisposeAsync();

        // Another instance gets everything not acknowledged at once — not after the ten-minute visibility timeout.
        await using var successor = Producer();
        var redelivered = new List<IDelivery<string>>();
        while (redelivered.Count < 4 && await successor.DequeueAsync(Eventually.Bound) is { } delivery)
        {
            redelivered.Add(delivery);
        }

        Assert.Equal(["cooperates", "ignores-cancellation", "waiting-1", "waiting-2"], redelivered.Select(d => d.Message).Order());
        Assert.Null(await successor.DequeueAsync(TimeSpan.Zero));
        Assert.DoesNotContain(probe.Started, s => s.Message.StartsWith("waiting", StringComparison.Ordinal)); // Never read after stopping began.
        // Deferred, not nacked: the cut-short deliveries were not spent, and nothing went to the dead letters.
        Assert.All(redelivered, d => Assert.Equal(1, d.DeliveryCount));
        Assert.Empty(await successor.ReadDeadLettersAsync());
    }

    private IHost BuildHost<THandler>(HandlerProbe probe, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
        where THandler : class, IQueueHandler<string>
    {
        settings["Steadfast:Redis:ConnectionString"] = redis.Server.EndPoint;
        settings["Steadfast:Queues:orders:KeyPrefix"] = _prefix;
        var builder = TestHosts.Builder(settings);
        builder.Services.AddSingleton(probe);
        builder.Services.AddScoped<ScopeMarker>();
        builder.Services.AddSteadfast().AddQueueConsumer<string, THandler>("orders");
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    private RedisReliableQueue<string> Producer() =>
        new(redis.Connection, "orders", new RedisQueueOptions { KeyPrefix = _prefix, VisibilityTimeout = TimeSpan.FromMinutes(10) });

    private async Task<long> PendingAsync(RedisReliableQueue<string> queue)
    {
        StreamPendingInfo pending = await redis.Connection.GetDatabase().StreamPendingAsync(queue.StreamKey, queue.ConsumerGroup);
        return pending.PendingMessageCount;
    }

    private sealed class GatedHandler(HandlerProbe probe, ScopeMarker scope) : IQueueHandler<string>
    {
        public async Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken)
        {
            probe.Scopes.TryAdd(scope.Id, 0);
            probe.Enter(message.Message, message.DeliveryCount);
            try
            {
                // The first handlers wait until four run at once: proof the consumer runs them concurrently.
                await probe.AllRunning.Task.WaitAsync(Eventually.Bound, cancellationToken);
            }
            finally
            {
                probe.Leave(message.Message);
            }
        }
    }

    private sealed class ThrowingHandler(HandlerProbe probe) : IQueueHandler<string>
    {
        public Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken)
        {
            probe.Enter(message.Message, message.DeliveryCount);
            probe.Leave(message.Message);
            throw new InvalidOperationException("The payment service refused it.");
        }
    }

    /// <summary>The payment service's circuit is open for the first <see cref="Rejections"/> attempts.</summary>
    private sealed class OutageHandler(HandlerProbe probe) : IQueueHandler<string>
    {
        public const int Rejections = 6;

        public Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken)
        {
            probe.Enter(message.Message, message.DeliveryCount);
            if (probe.Started.Count <= Rejections)
            {
                probe.Leave("rejected");
                throw new CircuitBreakerOpenException("The circuit 'payments' is open.", TimeSpan.FromMilliseconds(20));
            }

            probe.Leave(message.Message);
            return Task.CompletedTask;
        }
    }

    private sealed class ShutdownHandler(HandlerProbe probe, TaskCompletionSource finishGate) : IQueueHandler<string>
    {
        public async Task HandleAsync(QueueMessage<string> message, CancellationToken cancellationToken)
        {
            probe.Enter(message.Message, message.DeliveryCount);
            switch (message.Message)
            {
                case "finishes":
                    await finishGate.Task;
                    probe.Leave(message.Message);
                    return;
                case "cooperates":
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                    return;
                default:
                    await new TaskCompletionSource().Task; // Ignores cancellation: still given back at the timeout.
                    return;
            }
        }
    }
}
