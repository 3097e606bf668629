using Microsoft.Extensions.Options;
using Steadfast.CircuitBreakers;
using Steadfast.Hosting;
using Steadfast.Locks;
using Steadfast.Retry;

namespace OrderWorker.Hosted;

/// <summary>
/// Handles one order event in its own DI scope: one worker per order at a time (a leased lock with a fencing token),
/// the payment call through bounded, jittered retries and a circuit breaker. Returning acknowledges the message;
/// throwing gives it back with a backoff, and after MaxDeliveries it goes to the dead letters; an open circuit defers
/// it without spending a delivery.
/// </summary>
public sealed class ChargeOrder(
    IDistributedLockProvider locks,
    [FromKeyedServices("payments")] CircuitBreaker breaker,
    [FromKeyedServices("payments")] RetryPolicy retry,
    PaymentService payments,
    OrderLedger ledger,
    IOptionsMonitor<QueueSettings> queues) : IQueueHandler<Order>
{
    public async Task HandleAsync(QueueMessage<Order> message, CancellationToken cancellationToken)
    {
        Order order = message.Message;
        await using var handle = await locks.AcquireAsync($"orders:{order.Id}",
            new LockOptions { Lease = TimeSpan.FromSeconds(10), WaitTimeout = TimeSpan.FromSeconds(5) }, cancellationToken);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handle.Lost);
        try
        {
            await retry.ExecuteAsync(ct => breaker.ExecuteAsync(c => new ValueTask(payments.ChargeAsync(order, c)), ct), work.Token);
        }
        catch (Exception ex) when (ex is not CircuitBreakerOpenException && message.DeliveryCount >= queues.Get(message.QueueName).MaxDeliveries)
        {
            // The consumer dead-letters it when this throws; an open circuit only defers it (no delivery spent).
            ledger.MarkGaveUp();
            throw;
        }

        ledger.MarkCharged(order.Id, handle.FencingToken);
    }
}
