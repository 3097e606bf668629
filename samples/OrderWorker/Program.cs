using OrderWorker;
using Steadfast.Locks;

// The order worker of samples/UnsafeOrderWorker, on Steadfast's in-memory backends: the same jobs,
// none of the bugs. Swap InMemoryLockProvider for Steadfast.Redis's RedisLockProvider to run it across machines.
using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(30));
var ct = shutdown.Token;
var time = TimeProvider.System;

IDistributedLockProvider locks = new InMemoryLockProvider(time);
var ledger = new OrderLedger();
// A payment service that fails one call in five (Random.Shared: safe to call from the parallel workers).
var payments = new PaymentClient(orderId => Random.Shared.NextDouble() < 0.2, time);

var orders = Enumerable.Range(1, 40).Select(i => $"order-{i % 10}").ToList();
Console.WriteLine($"Processing {orders.Count} order events for {orders.Distinct().Count()} orders with 4 concurrent workers...");

var failedCharges = 0;
await Parallel.ForEachAsync(orders, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (orderId, token) =>
{
    // One worker per order at a time: the lock has an owner token, a lease that renews while held,
    // and a fencing token a downstream store can use to reject a stale holder's late write.
    await using var handle = await locks.AcquireAsync($"orders:{orderId}", new LockOptions { Lease = TimeSpan.FromSeconds(10), WaitTimeout = TimeSpan.FromSeconds(5) }, token);
    // Stop working on the order the moment the lease can no longer be guaranteed.
    using var work = CancellationTokenSource.CreateLinkedTokenSource(token, handle.Lost);
    ledger.MarkProcessing(orderId);
    try
    {
        await payments.ChargeAsync(orderId, work.Token);
        ledger.MarkDone(orderId, handle.FencingToken);
    }
    catch (Exception e) when (e is InvalidOperationException or Steadfast.CircuitBreakers.CircuitBreakerOpenException)
    {
        Interlocked.Increment(ref failedCharges);
    }
});

Console.WriteLine($"Charged {ledger.Processed} order events; {failedCharges} gave up after bounded retries (payments circuit now {payments.State}).");
Console.WriteLine($"Ledger holds {ledger.Count} orders, written by one worker at a time.");

var switchover = await Failover.TimeSwitchAsync(token => Task.Delay(120, token), ct);
Console.WriteLine($"Failover drill: standby took over in {switchover.TotalMilliseconds:F0} ms (measured with a monotonic clock).");
var standbyHealthy = await Failover.WaitForStandbyAsync(() => Task.FromResult(true), TimeSpan.FromSeconds(2), ct);
Console.WriteLine($"Standby healthy: {standbyHealthy}.");
