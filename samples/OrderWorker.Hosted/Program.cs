using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OrderWorker.Hosted;
using Steadfast.Hosting.AspNetCore;
using Steadfast.Queues;

var builder = WebApplication.CreateBuilder(args);

// In memory out of the box; set Steadfast:Redis:ConnectionString (appsettings.json, or the environment variable
// Steadfast__Redis__ConnectionString=localhost:6379) and the same worker runs on Redis across instances.
builder.Services.AddSteadfast()
    .AddQueueConsumer<Order, ChargeOrder>("orders")   // hosted consumer: ack, backoff, dead letters, graceful stop
    .AddCircuitBreaker("payments")
    .AddRetryPolicy("payments")
    .AddHealthChecks();
builder.Services.AddSingleton<PaymentService>().AddSingleton<OrderLedger>();
builder.Services.AddHostedService<Demo>(); // Runs only with OrderWorker:Demo=true (run-samples.sh).

var app = builder.Build();
app.MapPost("/orders", async (Order order, IReliableQueue<Order> orders) =>
{
    await orders.EnqueueAsync(order);
    return Results.Accepted();
});
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = SteadfastHealthResponse.WriteJsonAsync });
app.Run();
