using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Steadfast.CircuitBreakers;
using Steadfast.Hosting.Configuration;
using Steadfast.Hosting.Logging;
using Steadfast.Queues;

namespace Steadfast.Hosting.Consumers;

/// <summary>
/// A hosted consumer: <see cref="ConsumerSettings.Concurrency"/> loops each take a delivery, handle it with a
/// <typeparamref name="THandler"/> from a new DI scope, ack on success, nack with backoff on failure, and defer without
/// spending a delivery when an open circuit refused the handler's call. Stopping stops the reads at once, lets running
/// handlers finish until the host's shutdown timeout, then defers what is left (no delivery spent).
/// </summary>
internal sealed class QueueConsumerService<TMessage, THandler> : BackgroundService
    where THandler : class, IQueueHandler<TMessage>
{
    private readonly string _queueName;
    private readonly IServiceProvider _services;
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptionsMonitor<ConsumerSettings> _settings;
    private readonly IOptionsMonitor<QueueSettings> _queueSettings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    // The handlers' token: fires only when the shutdown timeout ran out (stopping itself only stops the reads).
    private readonly CancellationTokenSource _abort = new();
    private readonly ConcurrentDictionary<InFlightDelivery<TMessage>, byte> _inFlight = new();
    // Stops the reads: cancelled first thing in StopAsync, so no read starts once stopping has begun.
    private readonly CancellationTokenSource _fetching = new();
    private volatile bool _stopping;

    public QueueConsumerService(string queueName, IServiceProvider services)
    {
        _queueName = queueName;
        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _settings = services.GetRequiredService<IOptionsMonitor<ConsumerSettings>>();
        _queueSettings = services.GetRequiredService<IOptionsMonitor<QueueSettings>>();
        _time = services.Clock();
        _logger = services.LoggerFor<QueueConsumerService<TMessage, THandler>>();
    }

    /// <summary>How many deliveries are being handled now.</summary>
    internal int InFlightCount => _inFlight.Count;

    /// <summary>Stopping has begun: no further message will be read.</summary>
    internal bool IsStopping => _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // Resolving the queue may connect to Redis: not on the host's start path.
        IReliableQueue<TMessage> queue = _services.GetRequiredKeyedService<IReliableQueue<TMessage>>(_queueName);
        int concurrency = _settings.Get(_queueName).Concurrency;
        HostingLog.ConsumerStarted(_logger, _queueName, concurrency);
        using CancellationTokenRegistration link = stoppingToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _fetching);
        var loops = new Task[concurrency];
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = ConsumeAsync(queue, _fetching.Token);
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        HostingLog.ConsumerStopped(_logger, _queueName);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _fetching.CancelAsync().ConfigureAwait(false);
        _stopping = true;
        try
        {
            // Stops the reads, then waits for the loops (running handlers) until the host's shutdown timeout.
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The shutdown timeout ran out: handled below.
        }

        if (ExecuteTask is { IsCompleted: false })
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await GiveBackInFlightAsync().ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        _fetching.Dispose();
        base.Dispose();
    }

    private async Task ConsumeAsync(IReliableQueue<TMessage> queue, CancellationToken stopping)
    {
        await Task.Yield();
        while (!stopping.IsCancellationRequested)
        {
            IDelivery<TMessage>? delivery;
            try
            {
                delivery = await queue.DequeueAsync(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return; // The container is being disposed: the host has stopped.
            }
            catch (Exception ex)
            {
                TimeSpan delay = _settings.Get(_queueName).FetchErrorDelay;
                HostingLog.FetchFailed(_logger, _queueName, delay, ex);
                try
                {
                    await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (delivery is not null)
            {
                await HandleAsync(delivery).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(IDelivery<TMessage> delivery)
    {
        var inFlight = new InFlightDelivery<TMessage>(delivery);
        _inFlight.TryAdd(inFlight, 0);
        try
        {
            try
            {
                AsyncServiceScope scope = _scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    THandler handler = scope.ServiceProvider.GetRequiredService<THandler>();
                    var message = new QueueMessage<TMessage>(_queueName, delivery.Id, delivery.DeliveryCount, delivery.Message);
                    await handler.HandleAsync(message, _abort.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                if (inFlight.TrySettle())
                {
                    if (_abort.IsCancellationRequested)
                    {
                        await GiveBackAsync(delivery).ConfigureAwait(false);
                    }
                    else if (ex is CircuitBreakerOpenException rejection)
                    {
                        await DeferAsync(delivery, rejection).ConfigureAwait(false);
                    }
                    else
                    {
                        await NackAsync(delivery, ex).ConfigureAwait(false);
                    }
                }

                return;
            }

            if (inFlight.TrySettle())
            {
                await AckAsync(delivery).ConfigureAwait(false);
            }
        }
        finally
        {
            _inFlight.TryRemove(inFlight, out _);
        }
    }

    private async Task AckAsync(IDelivery<TMessage> delivery)
    {
        try
        {
            await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HostingLog.AckFailed(_logger, _queueName, delivery.Id, ex);
        }
    }

    private async Task NackAsync(IDelivery<TMessage> delivery, Exception failure)
    {
        TimeSpan delay = _settings.Get(_queueName).RedeliveryDelay(delivery.DeliveryCount);
        if (delivery.DeliveryCount >= _queueSettings.Get(_queueName).MaxDeliveries)
        {
            HostingLog.MessageDeadLettered(_logger, _queueName, delivery.Id, delivery.DeliveryCount, failure);
        }
        else
        {
            HostingLog.MessageFailed(_logger, _queueName, delivery.Id, delivery.DeliveryCount, delay, failure);
        }

        try
        {
            await delivery.NackAsync(delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HostingLog.NackFailed(_logger, _queueName, delivery.Id, ex);
        }
    }

    /// <summary>
    /// The handler could not even try: a dependency's circuit is open. The message is deferred until the circuit may let
    /// calls through (its RetryAfter) without spending a delivery, so an outage of any length dead-letters nothing.
    /// </summary>
    private async Task DeferAsync(IDelivery<TMessage> delivery, CircuitBreakerOpenException rejection)
    {
        HostingLog.MessageDeferred(_logger, _queueName, delivery.Id, rejection.CircuitName ?? "(unnamed)", rejection.RetryAfter);
        try
        {
            await delivery.DeferAsync(rejection, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HostingLog.NackFailed(_logger, _queueName, delivery.Id, ex);
        }
    }

    /// <summary>
    /// Gives a message whose handling the shutdown cut short back at once, so no instance waits for its visibility
    /// timeout; a deferral spends no delivery, so a message cut short on its last delivery is not dead-lettered.
    /// </summary>
    private async Task GiveBackAsync(IDelivery<TMessage> delivery)
    {
        try
        {
            await delivery.DeferAsync(TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HostingLog.NackFailed(_logger, _queueName, delivery.Id, ex);
        }
    }

    private async Task GiveBackInFlightAsync()
    {
        var unsettled = new List<Task>();
        foreach (InFlightDelivery<TMessage> inFlight in _inFlight.Keys)
        {
            if (inFlight.TrySettle())
            {
                unsettled.Add(GiveBackAsync(inFlight.Delivery));
            }
        }

        await Task.WhenAll(unsettled).ConfigureAwait(false);
        if (unsettled.Count > 0)
        {
            HostingLog.ShutdownGaveBack(_logger, _queueName, unsettled.Count);
        }
    }
}
