namespace UnsafeOrderWorker;

/// <summary>The seed's "circuit breaker": catch the failure and call again at once, forever.</summary>
public sealed class PaymentClient
{
    private readonly Random _random = new();

    public void Charge(string orderId)
    {
        if (_random.NextDouble() < 0.2)
            throw new InvalidOperationException("Payment service failed.");
        Console.WriteLine($"Charged {orderId}");
    }

    public void ChargeWithBreaker(string orderId)
    {
        // BUG (SF4001): no delay, no attempt limit, no breaker: a failing dependency is hammered forever.
        while (true)
        {
            try
            {
                Charge(orderId);
                return;
            }
            catch (Exception e)
            {
                Console.WriteLine($"Fault detected: {e.Message}");
            }
        }
    }
}
