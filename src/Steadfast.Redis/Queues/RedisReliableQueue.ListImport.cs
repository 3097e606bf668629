using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Steadfast.Queues;

// Importing a hand-rolled Redis list queue (RedisQueueOptions.ImportFromList) into the stream.
public sealed partial class RedisReliableQueue<T>
{
    /// <summary>
    /// Moves the oldest values of <see cref="RedisQueueOptions.ImportFromList"/> into the stream, one consumer at a time.
    /// The list lives in another Cluster slot than the stream, so no script spans both: values are added to the stream
    /// first and then popped by a script that pops only values it was told were added, oldest first. A failure or a
    /// concurrent legacy pop in between leaves duplicates in the stream, never a value in neither place.
    /// </summary>
    /// <returns>Whether anything was added to the stream.</returns>
    private async Task<bool> ImportAsync()
    {
        RedisKey list = _importList![0];

        // Without the lease two consumers would read and add the same values.
        if (!await _database.LockTakeAsync(_importLease, ConsumerName, ImportLease, WriteFlags).ConfigureAwait(false))
        {
            return false; // Another consumer is importing and announces what it adds.
        }

        bool added = false;
        try
        {
            bool fromRight = _options.ImportFromListSide == ListSide.Right;
            RedisValue[] values = fromRight
                ? await _database.ListRangeAsync(list, -ImportBatch, -1, WriteFlags).ConfigureAwait(false)
                : await _database.ListRangeAsync(list, 0, ImportBatch - 1, WriteFlags).ConfigureAwait(false);
            if (values.Length == 0)
            {
                return false;
            }

            if (fromRight)
            {
                Array.Reverse(values); // Oldest first.
            }

            var payloads = new byte[values.Length][];
            for (int i = 0; i < values.Length; i++)
            {
                payloads[i] = ImportPayload(values[i]);
            }

            (int stored, Exception? failure) = await AddToStreamAsync(payloads, CancellationToken.None).ConfigureAwait(false);
            added = stored > 0;
            if (failure is not null)
            {
                // Nothing is popped: what was added is imported again later, a duplicate rather than a loss.
                ExceptionDispatchInfo.Throw(failure);
            }

            QueueMetrics.RecordImported(Backend, values.Length);
            var args = new RedisValue[values.Length + 1];
            args[0] = _importSide;
            values.CopyTo(args, 1);
            await RedisQueueScripts.PopImported.EvaluateAsync(_database, _importList, args, WriteFlags).ConfigureAwait(false);
            return true;
        }
        finally
        {
            if (added)
            {
                Announce();
            }

            await ReleaseImportLeaseAsync().ConfigureAwait(false);
        }
    }

    private async Task ReleaseImportLeaseAsync()
    {
        try
        {
            await _database.LockReleaseAsync(_importLease, ConsumerName, WriteFlags).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            _logger?.LogDebug(ex, "Releasing the import lease of queue {QueueName} failed; it expires on its own.", Name);
        }
    }

    /// <summary>A list value as a stream payload: a string queue takes raw text, other types the serializer's format.</summary>
    private byte[] ImportPayload(RedisValue value)
    {
        if (typeof(T) == typeof(string))
        {
            return _serializer.Serialize<string>(value.ToString());
        }

        if (typeof(T) == typeof(byte[]))
        {
            return _serializer.Serialize((byte[])value!);
        }

        return (byte[])value!; // Producers push the serializer's format; anything else is dead-lettered on read.
    }
}
