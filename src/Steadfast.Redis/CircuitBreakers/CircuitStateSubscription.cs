using StackExchange.Redis;

namespace Steadfast.CircuitBreakers;

/// <summary>Ends one circuit's notification queue when disposed.</summary>
internal sealed class CircuitStateSubscription(ChannelMessageQueue queue) : IAsyncDisposable
{
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }
    }
}
