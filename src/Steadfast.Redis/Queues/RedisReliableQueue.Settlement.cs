using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

// Settling a delivery: ack (XACK; pipelined and coalesced by RedisAckBatcher unless PipelinedAcks is off), nack (give back with a delay, or dead-letter after the last delivery) and defer
// (give back without spending a delivery).
public sealed partial class RedisReliableQueue<T>
{
    /// <summary>With <see cref="RedisQueueOptions.PipelinedAcks"/> (the default): sends the ack and returns; the outcome
    /// is recorded (span, metrics, trimming, a logged failure) when Redis answers. The next read of this instance waits for
    /// the answer and throws a failure (<see cref="FetchAsync"/>); disposal waits for it too.</summary>
    private void AckInBackground(Delivery delivery)
    {
        Activity? previous = Activity.Current;
        Activity? activity = QueueTracing.StartSettle(QueueTracing.RedisSystem, Name, "ack", delivery.Id, delivery.DeliveryCount);
        Activity.Current = previous; // The span ends when Redis answers; the caller's own span carries on meanwhile.
        _acks.Ack(delivery.Id, (acked, error) =>
        {
            if (error is null)
            {
                if (acked)
                {
                    Acknowledged(delivery);
                }
            }
            else
            {
                activity.RecordError(Wrap("acknowledge a message of", error));
                _logger?.LogWarning(error, "Acknowledging message {MessageId} of queue {QueueName} failed; it stays pending and will be delivered again after the visibility timeout.", delivery.Id, Name);
            }

            activity?.Stop();
        });
    }

    /// <summary>Waits until every ack this instance sent so far has been answered; throws when one failed since the last
    /// check (the messages stay pending and are delivered again after the visibility timeout).</summary>
    private async Task UntilAcksAnsweredAsync()
    {
        await _acks.WhenAnsweredAsync().ConfigureAwait(false);
        if (_acks.TakeFailure() is { } failure)
        {
            throw new RedisQueueException(
                $"Acknowledging {failure.Count} message(s) of queue '{Name}' failed (the first: {failure.FirstId}); they stay pending " +
                $"and will be delivered again after the visibility timeout: {failure.Error.Message}", failure.Error);
        }
    }

    /// <summary>Completes when every ack sent so far has been answered by Redis (failures are left for the next read).
    /// Lets tests wait for the condition instead of for time.</summary>
    internal Task WhenAcksAnsweredForTesting() => _acks.WhenAnsweredAsync();

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
            if (queue._options.PipelinedAcks && !queue._disposed)
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
