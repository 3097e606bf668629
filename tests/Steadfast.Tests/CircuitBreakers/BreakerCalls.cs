namespace Steadfast.Tests.CircuitBreakers;

/// <summary>Canned actions and helpers shared by the circuit breaker tests.</summary>
internal static class BreakerCalls
{
    public static ValueTask<int> Succeed(CancellationToken _) => ValueTask.FromResult(42);

    public static ValueTask<int> Fail(CancellationToken _) => ValueTask.FromException<int>(new InvalidOperationException("dependency failed"));

    public static async Task SucceedAsync(this Steadfast.CircuitBreakers.CircuitBreaker breaker, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(42, await breaker.ExecuteAsync(Succeed));
        }
    }

    public static async Task FailAsync(this Steadfast.CircuitBreakers.CircuitBreaker breaker, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => breaker.ExecuteAsync(Fail).AsTask());
        }
    }
}
