using System.Diagnostics;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

// Enqueueing: XADD, batches pipelined in one write.
public sealed partial class RedisReliableQueue<T>
{
    /// <inheritdoc/>
    /// <exception cref="RedisQueueException">Redis could not be reached or refused the command.</exception>
    public async ValueTask EnqueueAsync(T message, CancellationToken cancellationToken = default)
    {
        QueueArguments.ValidateMessage(message);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        byte[] payload = _serializer.Serialize(message);
        using Activity? activity = QueueTracing.StartPublish(QueueTracing.RedisSystem, Name, batchCount: null);
        try
        {
            await _database.StreamAddAsync(StreamKey, PayloadField, payload, flags: WriteFlags)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw activity.RecordError(Wrap("enqueue to", ex));
        }

        QueueMetrics.RecordEnqueued(Backend, 1);
        Announce();
    }

    /// <inheritdoc/>
    /// <exception cref="RedisQueueException">Redis could not be reached or refused a command (some messages may have been stored).</exception>
    public async ValueTask EnqueueBatchAsync(IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        T[] batch = QueueArguments.ValidateBatch(messages);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Length == 0)
        {
            return;
        }

        using Activity? activity = QueueTracing.StartPublish(QueueTracing.RedisSystem, Name, batch.Length);
        var payloads = new byte[batch.Length][];
        for (int i = 0; i < batch.Length; i++)
        {
            payloads[i] = _serializer.Serialize(batch[i]);
        }

        (int stored, Exception? failure) = await AddToStreamAsync(payloads, cancellationToken).ConfigureAwait(false);
        QueueMetrics.RecordEnqueued(Backend, stored);
        if (failure is not null)
        {
            throw activity.RecordError(Wrap("enqueue to", failure));
        }

        Announce();
    }

    /// <summary>
    /// Adds the payloads in order: one AddBatch script (one command, up to <see cref="AddChunk"/> XADDs) per chunk,
    /// chunks one after the other. A Redis failure is returned, not thrown, with how many entries the chunks before it
    /// stored; cancellation stops the wait, not the write.
    /// </summary>
    private async Task<(int Stored, Exception? Failure)> AddToStreamAsync(byte[][] payloads, CancellationToken cancellationToken)
    {
        int stored = 0;
        try
        {
            for (int start = 0; start < payloads.Length; start += AddChunk)
            {
                int count = Math.Min(AddChunk, payloads.Length - start);
                var args = new RedisValue[count];
                for (int i = 0; i < count; i++)
                {
                    args[i] = payloads[start + i];
                }

                await RedisQueueScripts.AddBatch.EvaluateAsync(_database, _streamKey, args, WriteFlags)
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                stored += count;
            }

            return (stored, null);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            return (stored, ex);
        }
    }
}
