namespace OrderWorker.Hosted;

/// <summary>A payment service that fails one call in five (Random.Shared: safe from the concurrent handlers).</summary>
public sealed class PaymentService
{
    public Task ChargeAsync(Order order, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Random.Shared.NextDouble() < 0.2
            ? Task.FromException(new InvalidOperationException($"Payment service failed for {order.Id}."))
            : Task.CompletedTask;
    }
}
