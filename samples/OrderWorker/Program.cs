using OrderWorker;
using Steadfast.CircuitBreakers;
using Steadfast.Locks;
using Steadfast.Queues;

// The order worker of samples/UnsafeOrderWorker, on Steadfast's in-memory backends: the same jobs, none of the
// bugs. For many processes swap in Steadfast.Redis's RedisReliableQueue and RedisLockProvider (same namespaces).
using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(30));
var time = TimeProvider.System;
const int maxDeliveries = 3;

IReliableQueue<string> queue = new InMemoryReliableQueue<string>(
    new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(10), MaxDeliveries = maxDeliveries }, time);
IDistributedLockProvider locks = new InMemoryLockProvider(time);
var ledger = new OrderLedger();
// A payment service that fails one call in five (Random.Shared: safe to call from the parallel workers).
var payments = new PaymentClient(orderId => Random.Shared.NextDouble() < 0.2, time);

var orders = Enumerable.Range(1, 40).Select(i => $"order-{i % 10}").ToList();
await queue.EnqueueBatchAsync(orders, shutdown.Token);
Console.WriteLine($"Enqueued {orders.Count} order events for {orders.Distinct().Count()} orders; 4 consumers start.");

var remaining = orders.Count;
var gaveUp = 0;
var redelivered = 0;
var deferred = 0;
using var drained = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token);

async Task ConsumeAsync()
{
    try
    {
        // Waits for messages instead of sleeping and recursing; a message stays owned by the queue until acked.
        await foreach (var delivery in queue.ConsumeAsync(drained.Token))
        {
            // One worker per order at a time: an owner token, a lease renewed while held, and a fencing
            // token a downstream store can use to reject a stale holder's late write.
            await using var handle = await locks.AcquireAsync($"orders:{delivery.Message}",
                new LockOptions { Lease = TimeSpan.FromSeconds(10), WaitTimeout = TimeSpan.FromSeconds(5) }, drained.Token);
            // Stop working on the order the moment the lease can no longer be guaranteed.
            using var work = CancellationTokenSource.CreateLinkedTokenSource(drained.Token, handle.Lost);
            ledger.MarkProcessing(delivery.Message);
            try
            {
                await payments.ChargeAsync(delivery.Message, work.Token);
                ledger.MarkDone(delivery.Message, handle.FencingToken);
                await delivery.AckAsync(drained.Token);
            }
            catch (CircuitBreakerOpenException open)
            {
                // The payment service is down, not this order: put it off until the circuit may let calls through,
                // without spending one of its deliveries, so an outage of any length dead-letters nothing.
                await delivery.DeferAsync(open, drained.Token);
                Interlocked.Increment(ref deferred);
                continue;
            }
            catch (InvalidOperationException)
            {
                // Handed back for another delivery; after maxDeliveries the queue dead-letters it.
                await delivery.NackAsync(TimeSpan.FromMilliseconds(50), drained.Token);
                if (delivery.DeliveryCount < maxDeliveries)
                {
                    Interlocked.Increment(ref redelivered);
                    continue;
                }

                Interlocked.Increment(ref gaveUp);
            }

            if (Interlocked.Decrement(ref remaining) == 0)
                drained.Cancel();
        }
    }
    catch (OperationCanceledException) when (drained.IsCancellationRequested)
    {
        // Every event was handled or dead-lettered.
    }
}

await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(ConsumeAsync)));

Console.WriteLine($"Charged {ledger.Processed} order events; {redelivered} redelivered after a failed charge, {deferred} deferred while the payments circuit was open, {gaveUp} dead-lettered (payments circuit now {payments.State}).");
Console.WriteLine($"Ledger holds {ledger.Count} orders, written by one worker at a time.");

var switchover = await Failover.TimeSwitchAsync(token => Task.Delay(120, token), shutdown.Token);
Console.WriteLine($"Failover drill: standby took over in {switchover.TotalMilliseconds:F0} ms (measured with a monotonic clock).");
var standbyHealthy = await Failover.WaitForStandbyAsync(() => Task.FromResult(true), TimeSpan.FromSeconds(2), shutdown.Token);
Console.WriteLine($"Standby healthy: {standbyHealthy}.");
