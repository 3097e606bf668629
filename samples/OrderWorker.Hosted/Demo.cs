using Microsoft.Extensions.Diagnostics.HealthChecks;
using Steadfast.Queues;

namespace OrderWorker.Hosted;

/// <summary>
/// With OrderWorker:Demo=true: enqueues 40 order events, waits until each was charged or given up on, prints the
/// health report that /health serves, and stops the application (so run-samples.sh ends on its own).
/// </summary>
public sealed class Demo(IConfiguration configuration, IReliableQueue<Order> orders, OrderLedger ledger,
    HealthCheckService health, IHostApplicationLifetime lifetime) : BackgroundService
{
    private const int Count = 40;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue<bool>("OrderWorker:Demo"))
        {
            return;
        }

        var allSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ledger.Settled += settled =>
        {
            if (settled == Count)
            {
                allSettled.TrySetResult();
            }
        };
        var events = Enumerable.Range(1, Count).Select(i => new Order($"order-{i}", 10m + i)).ToList();
        await orders.EnqueueBatchAsync(events, stoppingToken);
        Console.WriteLine($"Enqueued {Count} orders; the hosted consumer handles them 4 at a time.");

        await allSettled.Task.WaitAsync(TimeSpan.FromSeconds(60), stoppingToken);
        Console.WriteLine($"Charged {ledger.Charged} orders, gave up on {ledger.GaveUp} (dead-lettered after 3 deliveries).");
        HealthReport report = await health.CheckHealthAsync(stoppingToken);
        Console.WriteLine($"Health: {report.Status}");
        foreach (var (name, entry) in report.Entries)
        {
            Console.WriteLine($"  {name}: {entry.Status} - {entry.Description}");
        }

        lifetime.StopApplication();
    }
}
