using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

// Settling a delivery: ack (XACK; with PipelinedAcks queued and coalesced by RedisAckBatcher), nack (give back with a delay, or dead-letter after the last delivery) and defer
// (give back without spending a delivery).
public sealed partial class RedisReliableQueue<T>
{
    /// <summary>With <see cref="RedisQueueOptions.PipelinedAcks"/>: queues the ack and returns; the outcome is recorded
    /// (metrics, trimming, a logged failure) when Redis answers, and disposal waits for it.</summary>
    private void AckInBackground(Delivery delivery)
    {
        _ = _acks.AckAsync(delivery.Id).ContinueWith(
            static (ack, state) =>
            {
                var (q, d) = ((RedisReliableQueue<T>, Delivery))state!;
                if (ack.IsCompletedSuccessfully)
                {
                    if (ack.Result)
                    {
                        q.Acknowledged(d);
                    }
                }
                else
                {
                    q._logger?.LogWarning(ack.Exception?.InnerException, "Acknowledging message {MessageId} of queue {QueueName} failed; it will be delivered again after the visibility timeout.", d.Id, q.Name);
                }
            },
            (this, delivery), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void Acknowledged(Delivery delivery)
    {
        QueueMetrics.RecordAcked(Backend, _time.GetElapsedTime(delivery.DeliveredAt));
        if (Interlocked.Increment(ref _acksSinceTrim) >= 1000)
        {
            StartTrim();
        }
    }

    private async Task AckAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        using Activity? activity = QueueTracing.StartSettle(QueueTracing.RedisSystem, Name, "ack", delivery.Id, delivery.DeliveryCount);
        bool acked;
        try
        {
            // Sent at once, not behind another ack: a caller waiting for its ack would wait for two round trips.
            acked = await _database.StreamAcknowledgeAsync(StreamKey, ConsumerGroup, delivery.Id, WriteFlags)
                .WaitAsync(cancellationToken).ConfigureAwait(false) > 0;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw activity.RecordError(Wrap("acknowledge a message of", ex));
        }

        if (acked)
        {
            Acknowledged(delivery);
        }
    }

    private async Task NackAsync(Delivery delivery, TimeSpan delay, CancellationToken cancellationToken)
    {
        using Activity? activity = QueueTracing.StartSettle(QueueTracing.RedisSystem, Name, "nack", delivery.Id, delivery.DeliveryCount);
        long outcome;
        try
        {
            outcome = await GiveBackAsync(delivery.Id, delivery.DeliveryCount, delivery.Payload, delay, _options.MaxDeliveries, spend: true)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw activity.RecordError(Wrap("nack a message of", ex));
        }

        if (outcome > 0)
        {
            QueueMetrics.RecordNacked(Backend);
        }

        if (outcome == 2)
        {
            QueueMetrics.RecordDeadLettered(Backend, 1);
            activity?.SetTag(QueueTracing.DeadLetteredTag, true);
        }
        else if (outcome == 1 && delay == TimeSpan.Zero)
        {
            _reclaimDue = true;
        }
    }

    private async Task DeferAsync(Delivery delivery, TimeSpan delay, CancellationToken cancellationToken)
    {
        using Activity? activity = QueueTracing.StartSettle(QueueTracing.RedisSystem, Name, "defer", delivery.Id, delivery.DeliveryCount);
        long outcome;
        try
        {
            outcome = await GiveBackAsync(delivery.Id, delivery.DeliveryCount, delivery.Payload, delay, _options.MaxDeliveries, spend: false)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw activity.RecordError(Wrap("defer a message of", ex));
        }

        if (outcome > 0)
        {
            QueueMetrics.RecordDeferred(Backend);
            if (delay == TimeSpan.Zero)
            {
                _reclaimDue = true;
            }
        }
    }

    /// <summary>The GiveBack script: a nack (<paramref name="spend"/>; dead-letters after <paramref name="maxDeliveries"/>)
    /// or a deferral (keeps the delivery count).</summary>
    private async Task<long> GiveBackAsync(string id, int deliveryCount, RedisValue payload, TimeSpan delay, int maxDeliveries, bool spend)
    {
        // Visible again once idle for the visibility timeout: set its idle time to (timeout - delay).
        long idle = Math.Max(0, _visibilityMs - (long)Math.Ceiling(delay.TotalMilliseconds));
        RedisResult result = await RedisQueueScripts.GiveBack.EvaluateAsync(_database, _keys,
        [
            ConsumerGroup, ConsumerName, id, idle, deliveryCount, maxDeliveries, _options.DeadLetterCapacity,
            payload, _channelName, delay == TimeSpan.Zero ? _publishCommand : "", spend ? "1" : "0",
        ], WriteFlags).ConfigureAwait(false);
        return (long)result;
    }

    private sealed class Delivery(RedisReliableQueue<T> queue, Fetched entry, long deliveredAt) : IDelivery<T>
    {
        public T Message => entry.Message;

        public string Id => entry.Id;

        public int DeliveryCount => entry.DeliveryCount;

        public RedisValue Payload => entry.Payload;

        public long DeliveredAt { get; } = deliveredAt;

        public ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (queue._options.PipelinedAcks)
            {
                queue.AckInBackground(this);
                return default;
            }

            return new ValueTask(queue.AckAsync(this, cancellationToken));
        }

        public ValueTask NackAsync(TimeSpan? redeliverAfter = null, CancellationToken cancellationToken = default)
        {
            TimeSpan delay = QueueArguments.ResolveRedeliverAfter(redeliverAfter, queue._options.VisibilityTimeout);
            cancellationToken.ThrowIfCancellationRequested();
            return new ValueTask(queue.NackAsync(this, delay, cancellationToken));
        }

        public ValueTask DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            TimeSpan resolved = QueueArguments.ResolveDeferDelay(delay, queue._options.VisibilityTimeout);
            cancellationToken.ThrowIfCancellationRequested();
            return new ValueTask(queue.DeferAsync(this, resolved, cancellationToken));
        }
    }
}
