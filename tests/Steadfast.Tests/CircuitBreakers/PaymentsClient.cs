namespace Steadfast.Tests.CircuitBreakers;

/// <summary>
/// A dependency shaped like the clients users have: Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt; and synchronous
/// methods. The asynchronous ones yield before answering, so the breaker and the retry see truly pending calls.
/// </summary>
internal sealed class PaymentsClient
{
    private int _failuresLeft;
    private int _calls;

    /// <summary>How many of the next calls fail with <see cref="IOException"/>; <see cref="int.MaxValue"/>: all.</summary>
    public int FailuresLeft
    {
        get => Volatile.Read(ref _failuresLeft);
        set => Volatile.Write(ref _failuresLeft, value);
    }

    public int Calls => Volatile.Read(ref _calls);

    public async Task<int> ChargeAsync(int order, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return Charge(order);
    }

    public async Task SendAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        Send();
    }

    public Task<int> TotalAsync(CancellationToken cancellationToken) => ChargeAsync(1, cancellationToken);

    public async ValueTask<int> PeekAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        return Charge(2);
    }

    public async ValueTask PingAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        Send();
    }

    public int Charge(int order)
    {
        Attempt();
        return order * 10;
    }

    public int Total() => Charge(1);

    public int Total(CancellationToken cancellationToken) => Charge(1);

    public void Send() => Attempt();

    public void Send(CancellationToken cancellationToken) => Attempt();

    private void Attempt()
    {
        Interlocked.Increment(ref _calls);
        int left = FailuresLeft;
        if (left == int.MaxValue || (left > 0 && Interlocked.Decrement(ref _failuresLeft) >= 0))
        {
            throw new IOException("payments down");
        }
    }
}
