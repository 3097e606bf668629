using System.Diagnostics;
using StackExchange.Redis;
using Steadfast.Chaos.Worker;
using Steadfast.Queues;

// A queue consumer as its own process: the chaos runner starts several and kills them with SIGKILL mid-work. Each
// delivery is recorded in the application database (the dedupe applies its effect once), then acknowledged.
WorkerArguments arguments = WorkerArguments.Parse(args);
ExitWhenParentDies(arguments.ParentProcessId);

using ConnectionMultiplexer queueConnection = await ConnectionMultiplexer.ConnectAsync(
    ChaosConnection.Options(arguments.Name, arguments.QueueEndPoints));
using ConnectionMultiplexer applicationConnection = await ConnectionMultiplexer.ConnectAsync(
    ChaosConnection.Options(arguments.Name, [arguments.ApplicationEndPoint]));

var ledger = new ApplicationLedger(applicationConnection.GetDatabase());
var queue = new RedisReliableQueue<string>(queueConnection, arguments.Queue, new RedisQueueOptions
{
    ConsumerName = arguments.Name,
    VisibilityTimeout = TimeSpan.FromMilliseconds(arguments.VisibilityMs),
    // Kills redeliver messages many times; none may reach the dead-letter stream in a run.
    MaxDeliveries = 10_000,
});

Console.WriteLine("ready");
Console.Out.Flush();

while (true)
{
    try
    {
        await foreach (IDelivery<string> delivery in queue.ConsumeAsync())
        {
            await ledger.HandleAsync(delivery.Message);
            await delivery.AckAsync();
            await ledger.RecordAckAsync(delivery.Message);
        }
    }
    catch (RedisException ex)
    {
        // The queue's server is down, stalled or failing over: unacknowledged deliveries come back after the
        // visibility timeout. Try again shortly.
        Console.Error.WriteLine($"{arguments.Name}: {ex.GetType().Name}: {ex.Message}");
        await Task.Delay(100);
    }
}

// If the runner dies without killing its workers, they must not live on.
static void ExitWhenParentDies(int parentProcessId)
{
    var thread = new Thread(() =>
    {
        while (true)
        {
            Thread.Sleep(1000);
            try
            {
                using Process parent = Process.GetProcessById(parentProcessId);
                if (parent.HasExited)
                {
                    Environment.Exit(3);
                }
            }
            catch (ArgumentException)
            {
                Environment.Exit(3);
            }
        }
    })
    { IsBackground = true };
    thread.Start();
}
