using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Steadfast.Queues;

// Trimming acknowledged entries from the stream in the background.
public sealed partial class RedisReliableQueue<T>
{
    /// <summary>Trims acknowledged entries now (normally done in the background after acknowledgements).</summary>
    internal async Task<long> TrimAsync()
    {
        RedisResult result = await RedisQueueScripts.Trim.EvaluateAsync(_database, _streamKey, [_consumerIdleMs], WriteFlags).ConfigureAwait(false);
        return (long)result;
    }

    private void TrimWhenIdle()
    {
        if (Volatile.Read(ref _acksSinceTrim) > 0)
        {
            StartTrim();
        }
    }

    private void StartTrim()
    {
        lock (_gate)
        {
            if (_trim is { IsCompleted: false })
            {
                return;
            }

            Interlocked.Exchange(ref _acksSinceTrim, 0);
            _trim = TrimInBackgroundAsync();
        }
    }

    private async Task TrimInBackgroundAsync()
    {
        try
        {
            await TrimAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            _logger?.LogDebug(ex, "Trimming queue {QueueName} failed; the next trim catches up.", Name);
        }
    }
}
