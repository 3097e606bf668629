using UnsafeOrderWorker;

// This program only exists to be built: `dotnet build` prints the Steadfast warnings for every bug above.
// Running it needs a Redis on localhost and demonstrates the bugs, not a worker anyone should deploy.
Console.WriteLine(Failover.CheckSystem());
var cache = new OrderCache();
cache.StartWorkers(Enumerable.Range(1, 100).Select(i => $"order-{i}"));
