using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Steadfast.Queues;

// Waking idle consumers: every enqueue, nack and hand-back publishes on the queue's channel (WakeChannel: sharded on a
// Redis 7+ Cluster); waiting consumers are subscribed to it.
public sealed partial class RedisReliableQueue<T>
{
    private void Announce() => _ = _database.PublishAsync(_channel, EnqueuedSignal, CommandFlags.FireAndForget);

    private Task EnsureSubscribed()
    {
        if (_subscribed is { } subscribed)
        {
            return subscribed;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this); // Disposal unsubscribes what exists when it begins.
            if (_subscribed is null)
            {
                _subscribed = SubscribeAsync();
            }

            return _subscribed;
        }
    }

    private async Task SubscribeAsync()
    {
        await Task.Yield(); // Never completes inside EnsureSubscribed's lock, so a failure can reset _subscribed.
        try
        {
            await _multiplexer.GetSubscriber().SubscribeAsync(_channel, _handler).ConfigureAwait(false);
            _reclaimDue = true; // Nacks and hand-backs announced before now were not heard.
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            // Waiting still works through the bounded re-read; the next dequeue subscribes again.
            _logger?.LogWarning(ex, "Subscribing to enqueue notifications of queue {QueueName} failed; waiting by re-read only.", Name);
            lock (_gate)
            {
                _subscribed = null;
            }
        }
    }

    private void OnNotification(RedisChannel channel, RedisValue value)
    {
        if (value != EnqueuedSignal)
        {
            _reclaimDue = true; // A nack or a release: something is claimable now.
        }

        Interlocked.Exchange(ref _signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task WhenSignaledOrAsync(Task signal, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (signal.IsCompleted)
        {
            return;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task delayTask = Task.Delay(delay, _time, delayCancellation.Token);
        await Task.WhenAny(signal, delayTask).ConfigureAwait(false);
        delayCancellation.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
    }
}
