using Steadfast.CircuitBreakers;
using Steadfast.Retry;

namespace OrderWorker;

/// <summary>
/// The unsafe sample's "breaker" retried at once, forever. Here: bounded, jittered retries through a real
/// circuit breaker that stops calling the payment service while it keeps failing.
/// </summary>
public sealed class PaymentClient
{
    private readonly Func<string, bool> _paymentServiceFails;
    private readonly CircuitBreaker _breaker;
    private readonly RetryPolicy _retry;

    public PaymentClient(Func<string, bool> paymentServiceFails, TimeProvider time)
    {
        _paymentServiceFails = paymentServiceFails;
        _breaker = new CircuitBreaker(new CircuitBreakerOptions
        {
            Name = "payments",
            FailureRatio = 0.5,
            MinimumThroughput = 4,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = TimeSpan.FromMilliseconds(200),
            OnStateChanged = change => Console.WriteLine($"  {change}"),
        }, timeProvider: time);
        _retry = new RetryPolicy(new RetryOptions
        {
            MaxAttempts = 4,
            BaseDelay = TimeSpan.FromMilliseconds(20),
            MaxDelay = TimeSpan.FromMilliseconds(400),
        }, time);
    }

    public CircuitState State => _breaker.State;

    /// <summary>Charges the order; gives up (throws) after a bounded number of attempts.</summary>
    public ValueTask ChargeAsync(string orderId, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(ct => _breaker.ExecuteAsync(_ =>
        {
            if (_paymentServiceFails(orderId))
                throw new InvalidOperationException("Payment service failed.");
            return ValueTask.CompletedTask;
        }, ct), cancellationToken);
}
