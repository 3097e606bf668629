using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

// The consumer loop: shared reads (reclaim and read in one script) into a read-ahead buffer, handed out one delivery at a time.
public sealed partial class RedisReliableQueue<T>
{
    /// <inheritdoc/>
    /// <exception cref="RedisQueueException">Redis could not be reached or refused the command.</exception>
    public ValueTask<IDelivery<T>?> DequeueAsync(TimeSpan wait, CancellationToken cancellationToken = default) =>
        QueueTracing.ReceiveAsync(this, static (q, w, ct) => q.DequeueCoreAsync(w, ct), QueueTracing.RedisSystem, Name, ConsumerGroup,
            wait, cancellationToken);

    /// <summary>Awaited by a dequeue right after its disposed check: lets a test hold a dequeue there while the queue is
    /// disposed, the race <see cref="DisposeAsync"/> must win.</summary>
    internal Func<Task>? DequeueAdmittedForTesting { get; set; }

    private async ValueTask<IDelivery<T>?> DequeueCoreAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        QueueArguments.ValidateWait(wait);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (DequeueAdmittedForTesting is { } admitted)
        {
            await admitted().ConfigureAwait(false);
        }

        long start = _time.GetTimestamp();
        try
        {
            Task subscribed = wait == TimeSpan.Zero ? Task.CompletedTask : EnsureSubscribed();
            while (true)
            {
                if (TryTake() is { } buffered)
                {
                    QueueMetrics.RecordDequeueWait(Backend, "delivered", _time.GetElapsedTime(start));
                    return buffered;
                }

                Task signal = Volatile.Read(ref _signal).Task;
                int fetched;
                try
                {
                    fetched = await FetchSharedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsRedisFailure(ex))
                {
                    throw Wrap("read from", ex);
                }

                if (TryTake() is { } delivery)
                {
                    QueueMetrics.RecordDequeueWait(Backend, "delivered", _time.GetElapsedTime(start));
                    return delivery;
                }

                if (fetched > 0)
                {
                    continue; // Others took what this read brought; there may be more.
                }

                if (!subscribed.IsCompleted)
                {
                    // Read again once subscribed: an enqueue announced before the subscription existed would be missed.
                    await subscribed.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                TrimWhenIdle();
                TimeSpan remaining = wait == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : wait - _time.GetElapsedTime(start);
                if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
                {
                    QueueMetrics.RecordDequeueWait(Backend, "timeout", _time.GetElapsedTime(start));
                    return null;
                }

                TimeSpan recheck = _options.IdleRecheckInterval < _reclaimInterval ? _options.IdleRecheckInterval : _reclaimInterval;
                if (remaining != Timeout.InfiniteTimeSpan && remaining < recheck)
                {
                    recheck = remaining;
                }

                await WhenSignaledOrAsync(signal, recheck, cancellationToken).ConfigureAwait(false);
                ThrowIfDisposed();
            }
        }
        catch (OperationCanceledException)
        {
            QueueMetrics.RecordDequeueWait(Backend, "canceled", _time.GetElapsedTime(start));
            throw;
        }
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<IDelivery<T>> ConsumeAsync(CancellationToken cancellationToken = default) =>
        QueueConsumption.ConsumeAsync(this, cancellationToken);

    /// <summary>Joins the read in flight or starts one; never after disposal began (which awaits the read in flight and
    /// then gives back what it brought).</summary>
    private Task<int> FetchSharedAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_fetch is not { IsCompleted: false })
            {
                _fetch = FetchAsync();
            }

            return _fetch;
        }
    }

    /// <summary>One round trip: reclaim (when due) and read; what it brings goes to the buffer, even if the caller gave up.</summary>
    private async Task<int> FetchAsync()
    {
        // This instance's acks are answered before it reads again: nothing it acknowledged can come back to it (a reclaim
        // in this read would otherwise find an ack still on its way), and a failed ack is thrown here, to the consumer.
        await UntilAcksAnsweredAsync().ConfigureAwait(false);
        long now = _time.GetTimestamp();
        bool reclaim = _reclaimDue || _time.GetElapsedTime(_lastReclaim, now) >= _reclaimInterval;
        if (reclaim)
        {
            _reclaimDue = false;
            _lastReclaim = now;
        }

        if (_importList is null)
        {
            return await ReadAsync(reclaim).ConfigureAwait(false);
        }

        // The list check is pipelined with the read (one round trip, not two); an import follows only when the list has
        // values, and a read that came back empty is repeated once for what the import added.
        Task<long> listLength = _database.ListLengthAsync(_importList[0], WriteFlags);
        int fetched;
        try
        {
            fetched = await ReadAsync(reclaim).ConfigureAwait(false);
        }
        catch
        {
            ObserveFault(listLength);
            throw;
        }

        if (await listLength.ConfigureAwait(false) > 0 && await ImportAsync().ConfigureAwait(false) && fetched == 0)
        {
            fetched = await ReadAsync(reclaim: false).ConfigureAwait(false);
        }

        return fetched;
    }

    /// <summary>One Fetch script: reclaim (when asked) and read; what it brings goes to the buffer.</summary>
    private async Task<int> ReadAsync(bool reclaim)
    {
        int count = _options.PrefetchCount;
        // Taken before the read is sent, so an entry's age here is never less than its idle time on the server.
        long readAt = _time.GetTimestamp();
        RedisResult result = await RedisQueueScripts.Fetch.EvaluateAsync(_database, _keys,
        [
            ConsumerGroup, ConsumerName, _visibilityMs, _cursor, Math.Max(count, 10), count,
            _options.MaxDeliveries, _options.DeadLetterCapacity, reclaim ? "1" : "0",
        ], WriteFlags).ConfigureAwait(false);

        var items = (RedisResult[])result!;
        if (reclaim)
        {
            _cursor = items[0].ToString();
            if (_cursor != "0-0")
            {
                _reclaimDue = true; // More pending entries to look at.
            }
        }

        QueueMetrics.RecordDeadLettered(Backend, (long)items[1]);
        QueueMetrics.RecordReclaimed(Backend, (long)items[2]);
        int fetched = (items.Length - 3) / 3;
        if (fetched == 0)
        {
            return 0;
        }

        List<Fetched>? poison = null;
        var ready = new List<Fetched>(fetched);
        for (int i = 3; i + 2 < items.Length; i += 3)
        {
            var entry = new Fetched(items[i].ToString(), (int)items[i + 1], (RedisValue)items[i + 2], readAt);
            try
            {
                entry.Message = _serializer.Deserialize<T>((ReadOnlyMemory<byte>)entry.Payload);
                ready.Add(entry);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _logger?.LogError(ex, "Message {MessageId} of queue {QueueName} cannot be deserialized; moving it to the dead letters.", entry.Id, Name);
                (poison ??= []).Add(entry);
            }
        }

        lock (_gate)
        {
            foreach (Fetched entry in ready)
            {
                _buffer.Enqueue(entry);
            }
        }

        if (poison is not null)
        {
            foreach (Fetched entry in poison)
            {
                await GiveBackAsync(entry.Id, entry.DeliveryCount, entry.Payload, TimeSpan.Zero, maxDeliveries: 0, spend: true).ConfigureAwait(false);
            }

            QueueMetrics.RecordDeadLettered(Backend, poison.Count);
        }

        return fetched;
    }

    private Delivery? TryTake()
    {
        List<Fetched>? stale = null;
        Delivery? delivery = null;
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            while (_buffer.TryDequeue(out Fetched? entry))
            {
                if (_time.GetElapsedTime(entry.ReadAt, now) * 2 >= _options.VisibilityTimeout)
                {
                    (stale ??= []).Add(entry); // Held back too long: let the group have it rather than hand out half a timeout.
                    continue;
                }

                delivery = new Delivery(this, entry, now);
                break;
            }
        }

        if (stale is not null)
        {
            Task release = ReleaseInBackgroundAsync(stale);
            lock (_gate)
            {
                _releases = _releases.IsCompleted ? release : Task.WhenAll(_releases, release); // Disposal awaits them.
            }
        }

        if (delivery is not null)
        {
            QueueMetrics.RecordDelivered(Backend, delivery.DeliveryCount);
        }

        return delivery;
    }

    private async Task ReleaseInBackgroundAsync(IReadOnlyList<Fetched> entries)
    {
        try
        {
            await ReleaseAsync(entries).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            _logger?.LogWarning(ex, "Handing {Count} read-ahead entries of queue {QueueName} back failed; they will be taken over after the visibility timeout.", entries.Count, Name);
        }
    }

    private Task<RedisResult> ReleaseAsync(IReadOnlyList<Fetched> entries)
    {
        var args = new RedisValue[5 + (2 * entries.Count)];
        args[0] = ConsumerGroup;
        args[1] = ConsumerName;
        args[2] = _visibilityMs;
        args[3] = _channelName;
        args[4] = _publishCommand;
        for (int i = 0; i < entries.Count; i++)
        {
            args[5 + (2 * i)] = entries[i].Id;
            args[6 + (2 * i)] = entries[i].DeliveryCount;
        }

        return RedisQueueScripts.Release.EvaluateAsync(_database, _streamKey, args, WriteFlags);
    }

    /// <summary>An entry read from the stream, waiting in the buffer to be handed out.</summary>
    private sealed class Fetched(string id, int deliveryCount, RedisValue payload, long readAt)
    {
        public string Id { get; } = id;

        public int DeliveryCount { get; } = deliveryCount;

        public RedisValue Payload { get; } = payload;

        public long ReadAt { get; } = readAt;

        public T Message { get; set; } = default!;
    }
}
