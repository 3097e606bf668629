using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

/// <summary>
/// A reliable queue on a Redis Stream with a consumer group: XADD to enqueue (batches pipelined), XREADGROUP to read,
/// XACK to acknowledge. Deliveries left pending longer than <see cref="QueueOptions.VisibilityTimeout"/> (their
/// consumer died) are taken over with XAUTOCLAIM by live consumers; a message delivered
/// <see cref="QueueOptions.MaxDeliveries"/> times goes to the dead-letter stream (<see cref="DeadLetterKey"/>).
/// Acknowledged entries are trimmed from the stream, so memory stays bounded by what is not yet acknowledged.
/// </summary>
/// <remarks>
/// <para>
/// StackExchange.Redis shares one connection and never issues blocking commands, so idle consumers do not block in
/// Redis: every enqueue publishes a notification on the queue's channel that wakes them, and they read again at least
/// every <see cref="RedisQueueOptions.IdleRecheckInterval"/> in case a notification was lost.
/// </para>
/// <para>
/// An enqueue that returned has been accepted by the Redis primary (with <c>appendfsync always</c>, written to disk).
/// Redis failures surface as <see cref="RedisQueueException"/> within the multiplexer's timeouts, cancellation as
/// <see cref="OperationCanceledException"/>; nothing waits forever on an unreachable server. Works on Redis 6.2+,
/// replicated, Sentinel and Cluster (the queue's keys share one hash tag; an imported list may be in any slot). The
/// multiplexer is shared, never disposed here.
/// </para>
/// </remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class RedisReliableQueue<T> : IReliableQueue<T>, IAsyncDisposable
{
    private const string Backend = "redis";
    private const string PayloadField = "m";
    private const CommandFlags WriteFlags = CommandFlags.DemandMaster;
    private const int ImportBatch = 100;
    private static readonly RedisValue EnqueuedSignal = "e";
    private static readonly TimeSpan MaxReclaimInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinReclaimInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan ImportLease = TimeSpan.FromSeconds(5);

    private readonly IConnectionMultiplexer _multiplexer;
    private readonly IDatabase _database;
    private readonly RedisQueueOptions _options;
    private readonly IQueueSerializer _serializer;
    private readonly ILogger? _logger;
    private readonly TimeProvider _time;
    private readonly RedisKey[] _keys;
    private readonly RedisKey[] _streamKey;
    private readonly RedisChannel _channel;
    private readonly string _channelName;
    private readonly long _visibilityMs;
    private readonly TimeSpan _reclaimInterval;
    private readonly long _consumerIdleMs;
    private readonly RedisKey[]? _importList;
    private readonly RedisKey _importLease;
    private readonly RedisValue _importSide;
    private readonly object _gate = new();
    private readonly Queue<Fetched> _buffer = new();
    private readonly Action<RedisChannel, RedisValue> _handler;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<int>? _fetch;
    private Task? _subscribed;
    private Task? _trim;
    private string _cursor = "0-0";
    private long _lastReclaim;
    private volatile bool _reclaimDue = true;
    private int _acksSinceTrim;
    private volatile bool _disposed;

    /// <summary>Creates a queue client (producer and consumer) for the queue <paramref name="name"/>.</summary>
    /// <param name="multiplexer">The connection; shared, not owned.</param>
    /// <param name="name">The queue's name; not empty.</param>
    /// <param name="options">Consumer group and name, serializer, timeouts; defaults when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="multiplexer"/> or <paramref name="name"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty, or an option is invalid (ParamName names it).</exception>
    public RedisReliableQueue(IConnectionMultiplexer multiplexer, string name, RedisQueueOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _options = QueueArguments.Validate(options ?? new RedisQueueOptions());
        ValidateRedisOptions(_options);

        _multiplexer = multiplexer;
        _database = multiplexer.GetDatabase(_options.Database);
        _serializer = _options.Serializer ?? JsonQueueSerializer.Default;
        _logger = _options.Logger;
        _time = _options.TimeProvider ?? TimeProvider.System;
        Name = name;
        ConsumerGroup = _options.ConsumerGroup;
        ConsumerName = _options.ConsumerName
            ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..12]}";

        string streamKey = "{" + _options.KeyPrefix + ":" + name + "}";
        StreamKey = streamKey;
        DeadLetterKey = streamKey + ":dead";
        _keys = [StreamKey, DeadLetterKey];
        _streamKey = [StreamKey];
        _channelName = _options.KeyPrefix + ":" + name + ":wake";
        _channel = RedisChannel.Literal(_channelName);
        _visibilityMs = ToMilliseconds(_options.VisibilityTimeout);
        _reclaimInterval = Clamp(_options.VisibilityTimeout / 4, MinReclaimInterval, MaxReclaimInterval);
        _consumerIdleMs = Math.Max(60_000, 10 * _visibilityMs);
        _handler = OnNotification;
        if (_options.ImportFromList is { } list)
        {
            _importList = [list];
            _importLease = streamKey + ":import";
            _importSide = _options.ImportFromListSide == ListSide.Left ? "L" : "R";
        }
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>The consumer group this instance reads in.</summary>
    public string ConsumerGroup { get; }

    /// <summary>This instance's consumer name within the group.</summary>
    public string ConsumerName { get; }

    /// <summary>The stream holding the messages.</summary>
    public RedisKey StreamKey { get; }

    /// <summary>The stream holding the dead letters: fields <c>m</c> (payload), <c>id</c> (original id),
    /// <c>deliveries</c> and <c>group</c>.</summary>
    public RedisKey DeadLetterKey { get; }

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
    public async ValueTask EnqueueBatchAsync(IReadOnlyCollection<T> messages, CancellationToken cancellationToken = default)
    {
        QueueArguments.ValidateBatch(messages);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        if (messages.Count == 0)
        {
            return;
        }

        using Activity? activity = QueueTracing.StartPublish(QueueTracing.RedisSystem, Name, messages.Count);
        var payloads = new byte[messages.Count][];
        int i = 0;
        foreach (T message in messages)
        {
            payloads[i++] = _serializer.Serialize(message);
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
    /// One pipelined write of an XADD per payload, in order. A Redis failure is returned, not thrown, with how many
    /// entries were stored before it; cancellation stops the wait, not the write.
    /// </summary>
    private async Task<(int Stored, Exception? Failure)> AddToStreamAsync(byte[][] payloads, CancellationToken cancellationToken)
    {
        var adds = new Task[payloads.Length];
        IBatch batch = _database.CreateBatch();
        for (int i = 0; i < payloads.Length; i++)
        {
            adds[i] = batch.StreamAddAsync(StreamKey, PayloadField, payloads[i], flags: WriteFlags);
        }

        Task all = Task.WhenAll(adds);
        try
        {
            batch.Execute(); // Throws at once when no connection is available.
            await all.WaitAsync(cancellationToken).ConfigureAwait(false);
            return (payloads.Length, null);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            ObserveFault(all);
            return (adds.Count(a => a.IsCompletedSuccessfully), ex);
        }
    }

    /// <summary>Keeps a fault nobody awaits any more from surfacing as an unobserved task exception.</summary>
    private static void ObserveFault(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <inheritdoc/>
    /// <exception cref="RedisQueueException">Redis could not be reached or refused the command.</exception>
    public ValueTask<IDelivery<T>?> DequeueAsync(TimeSpan wait, CancellationToken cancellationToken = default) =>
        QueueTracing.ReceiveAsync(this, static (q, w, ct) => q.DequeueCoreAsync(w, ct), QueueTracing.RedisSystem, Name, ConsumerGroup,
            wait, cancellationToken);

    private async ValueTask<IDelivery<T>?> DequeueCoreAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        QueueArguments.ValidateWait(wait);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
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

    /// <summary>Reads the oldest dead letters of this queue (all groups).</summary>
    /// <param name="count">At most this many; positive.</param>
    /// <param name="cancellationToken">Stops waiting for Redis.</param>
    /// <returns>The dead letters, oldest first.</returns>
    /// <exception cref="RedisQueueException">Redis could not be reached or refused the command.</exception>
    /// <remarks>A dead letter whose payload the serializer cannot read (it was dead-lettered for that reason) makes this
    /// throw the serializer's exception; read <see cref="DeadLetterKey"/> directly to inspect such entries.</remarks>
    public async ValueTask<IReadOnlyList<DeadLetter<T>>> ReadDeadLettersAsync(int count = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        StreamEntry[] entries;
        try
        {
            entries = await _database.StreamRangeAsync(DeadLetterKey, count: count).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw Wrap("read dead letters of", ex);
        }

        var result = new List<DeadLetter<T>>(entries.Length);
        foreach (StreamEntry entry in entries)
        {
            result.Add(new DeadLetter<T>(
                entry["id"].ToString(),
                _serializer.Deserialize<T>((ReadOnlyMemory<byte>)entry[PayloadField]),
                (int)entry["deliveries"]));
        }

        return result;
    }

    /// <summary>
    /// Stops this consumer: entries it read ahead but never handed out are given back to the group (claimable at once,
    /// delivery count unchanged), and the consumer leaves the group when it holds nothing pending. Deliveries already
    /// handed out can still be acknowledged. Best effort: Redis failures are logged, not thrown.
    /// </summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Volatile.Read(ref _signal).TrySetResult();
        try
        {
            if (_fetch is { } fetch)
            {
                await fetch.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _logger?.LogDebug(ex, "The last read of queue {QueueName} failed.", Name);
        }

        Fetched[] left;
        lock (_gate)
        {
            left = _buffer.ToArray();
            _buffer.Clear();
        }

        if (!_multiplexer.IsConnected)
        {
            // Nothing to tell an unreachable Redis; the read-ahead is taken over after the visibility timeout.
            return;
        }

        try
        {
            if (left.Length > 0)
            {
                await ReleaseAsync(left).ConfigureAwait(false);
            }

            await RedisQueueScripts.Leave.EvaluateAsync(_database, _streamKey, [ConsumerGroup, ConsumerName], WriteFlags).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            _logger?.LogWarning(ex, "Leaving queue {QueueName} cleanly failed; its read-ahead entries will be taken over after the visibility timeout.", Name);
        }

        if (Volatile.Read(ref _subscribed) is not null)
        {
            try
            {
                await _multiplexer.GetSubscriber().UnsubscribeAsync(_channel, _handler).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                _logger?.LogDebug(ex, "Unsubscribing from queue {QueueName} failed.", Name);
            }
        }
    }

    /// <summary>Trims acknowledged entries now (normally done in the background after acknowledgements).</summary>
    internal async Task<long> TrimAsync()
    {
        RedisResult result = await RedisQueueScripts.Trim.EvaluateAsync(_database, _streamKey, [_consumerIdleMs], WriteFlags).ConfigureAwait(false);
        return (long)result;
    }

    private static void ValidateRedisOptions(RedisQueueOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConsumerGroup))
        {
            throw new ArgumentException("RedisQueueOptions.ConsumerGroup must not be empty.", nameof(RedisQueueOptions.ConsumerGroup));
        }

        if (options.ConsumerName is { } consumer && string.IsNullOrWhiteSpace(consumer))
        {
            throw new ArgumentException("RedisQueueOptions.ConsumerName must not be empty (null for a unique one).", nameof(RedisQueueOptions.ConsumerName));
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            throw new ArgumentException("RedisQueueOptions.KeyPrefix must not be empty.", nameof(RedisQueueOptions.KeyPrefix));
        }

        if (options.PrefetchCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.PrefetchCount), options.PrefetchCount,
                "RedisQueueOptions.PrefetchCount must be positive.");
        }

        if (options.IdleRecheckInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.IdleRecheckInterval), options.IdleRecheckInterval,
                "RedisQueueOptions.IdleRecheckInterval must be positive.");
        }

        if (options.ImportFromList is { } list && string.IsNullOrWhiteSpace(list))
        {
            throw new ArgumentException("RedisQueueOptions.ImportFromList must not be empty (null for none).", nameof(RedisQueueOptions.ImportFromList));
        }

        if (options.ImportFromListSide is not (ListSide.Left or ListSide.Right))
        {
            throw new ArgumentOutOfRangeException(nameof(RedisQueueOptions.ImportFromListSide), options.ImportFromListSide,
                "RedisQueueOptions.ImportFromListSide must be ListSide.Left or ListSide.Right.");
        }
    }

    private void Announce() => _ = _database.PublishAsync(_channel, EnqueuedSignal, CommandFlags.FireAndForget);

    private Task EnsureSubscribed()
    {
        if (_subscribed is { } subscribed)
        {
            return subscribed;
        }

        lock (_gate)
        {
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

    private Task<int> FetchSharedAsync()
    {
        lock (_gate)
        {
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
                await NackCoreAsync(entry.Id, entry.DeliveryCount, entry.Payload, TimeSpan.Zero, maxDeliveries: 0).ConfigureAwait(false);
            }

            QueueMetrics.RecordDeadLettered(Backend, poison.Count);
        }

        return fetched;
    }

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
            _ = ReleaseInBackgroundAsync(stale);
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
        var args = new RedisValue[4 + (2 * entries.Count)];
        args[0] = ConsumerGroup;
        args[1] = ConsumerName;
        args[2] = _visibilityMs;
        args[3] = _channelName;
        for (int i = 0; i < entries.Count; i++)
        {
            args[4 + (2 * i)] = entries[i].Id;
            args[5 + (2 * i)] = entries[i].DeliveryCount;
        }

        return RedisQueueScripts.Release.EvaluateAsync(_database, _streamKey, args, WriteFlags);
    }

    private async Task AckAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        using Activity? activity = QueueTracing.StartSettle(QueueTracing.RedisSystem, Name, "ack", delivery.Id, delivery.DeliveryCount);
        long acked;
        try
        {
            acked = await _database.StreamAcknowledgeAsync(StreamKey, ConsumerGroup, delivery.Id, WriteFlags)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            throw activity.RecordError(Wrap("acknowledge a message of", ex));
        }

        if (acked > 0)
        {
            QueueMetrics.RecordAcked(Backend, _time.GetElapsedTime(delivery.DeliveredAt));
            if (Interlocked.Increment(ref _acksSinceTrim) >= 1000)
            {
                StartTrim();
            }
        }
    }

    private async Task NackAsync(Delivery delivery, TimeSpan delay, CancellationToken cancellationToken)
    {
        using Activity? activity = QueueTracing.StartSettle(QueueTracing.RedisSystem, Name, "nack", delivery.Id, delivery.DeliveryCount);
        long outcome;
        try
        {
            outcome = await NackCoreAsync(delivery.Id, delivery.DeliveryCount, delivery.Payload, delay, _options.MaxDeliveries)
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

    private async Task<long> NackCoreAsync(string id, int deliveryCount, RedisValue payload, TimeSpan delay, int maxDeliveries)
    {
        // Visible again once idle for the visibility timeout: set its idle time to (timeout - delay).
        long idle = Math.Max(0, _visibilityMs - (long)Math.Ceiling(delay.TotalMilliseconds));
        RedisResult result = await RedisQueueScripts.Nack.EvaluateAsync(_database, _keys,
        [
            ConsumerGroup, ConsumerName, id, idle, deliveryCount, maxDeliveries, _options.DeadLetterCapacity,
            payload, _channelName, delay == TimeSpan.Zero ? "1" : "0",
        ], WriteFlags).ConfigureAwait(false);
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

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException && ex is not RedisQueueException;

    private RedisQueueException Wrap(string operation, Exception ex) =>
        new($"Could not {operation} queue '{Name}' on Redis: {ex.Message}", ex);

    private static long ToMilliseconds(TimeSpan span) => Math.Max(1, (long)Math.Ceiling(span.TotalMilliseconds));

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    /// <summary>An entry read from the stream, waiting in the buffer to be handed out.</summary>
    private sealed class Fetched(string id, int deliveryCount, RedisValue payload, long readAt)
    {
        public string Id { get; } = id;

        public int DeliveryCount { get; } = deliveryCount;

        public RedisValue Payload { get; } = payload;

        public long ReadAt { get; } = readAt;

        public T Message { get; set; } = default!;
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
            return new ValueTask(queue.AckAsync(this, cancellationToken));
        }

        public ValueTask NackAsync(TimeSpan? redeliverAfter = null, CancellationToken cancellationToken = default)
        {
            TimeSpan delay = QueueArguments.ResolveRedeliverAfter(redeliverAfter, queue._options.VisibilityTimeout);
            cancellationToken.ThrowIfCancellationRequested();
            return new ValueTask(queue.NackAsync(this, delay, cancellationToken));
        }
    }
}
