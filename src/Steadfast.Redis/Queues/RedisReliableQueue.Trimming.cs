using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

// Trimming acknowledged entries from the stream in the background, and past the configured bounds
// (RedisQueueOptions.MaxUnacknowledgedLength / MaxUnacknowledgedAge) entries some group has not acknowledged.
public sealed partial class RedisReliableQueue<T>
{
    /// <summary>Trims now (normally done in the background after acknowledgements).</summary>
    /// <returns>How many entries were trimmed that every group had acknowledged, and how many past the bounds that
    /// some group had not.</returns>
    internal async Task<(long Acknowledged, long Unacknowledged)> TrimAsync()
    {
        long maxAgeMs = _options.MaxUnacknowledgedAge is { } age ? ToMilliseconds(age) : 0;
        RedisResult result = await RedisQueueScripts.Trim.EvaluateAsync(_database, _streamKey,
            [_consumerIdleMs, _options.MaxUnacknowledgedLength ?? 0, maxAgeMs], WriteFlags).ConfigureAwait(false);
        var counts = (RedisResult[])result!;
        long unacknowledged = (long)counts[1];
        if (unacknowledged > 0)
        {
            QueueMetrics.RecordTrimmedUnacknowledged(Backend, unacknowledged);
            _logger?.LogWarning(
                "Trimmed {Count} entries of queue {QueueName} that a consumer group had not acknowledged: the stream was past MaxUnacknowledgedLength ({MaxLength}) or MaxUnacknowledgedAge ({MaxAge}).",
                unacknowledged, Name, _options.MaxUnacknowledgedLength, _options.MaxUnacknowledgedAge);
        }

        return ((long)counts[0], unacknowledged);
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
