using System.Diagnostics;
using Steadfast.Queues.Internal;

namespace Steadfast.Queues;

/// <summary>
/// Reliable-queue semantics within one process: messages stay in the queue until acknowledged, a delivery not
/// acknowledged within <see cref="QueueOptions.VisibilityTimeout"/> is delivered again, a message delivered
/// <see cref="QueueOptions.MaxDeliveries"/> times without acknowledgement goes to the dead-letter store
/// (<see cref="GetDeadLetters"/>). Time (visibility timeouts, nack delays, dequeue waits) comes from the injected
/// <see cref="TimeProvider"/>; waiting consumers are woken directly, first come first served, without polling.
/// </summary>
/// <remarks>Messages are kept by reference, not copied: do not mutate a message after enqueuing it. Disposing stops the
/// queue's timer and ends waiting dequeues with <see cref="ObjectDisposedException"/>; the messages it holds are gone
/// with it.</remarks>
/// <typeparam name="T">The message type.</typeparam>
public sealed class InMemoryReliableQueue<T> : IReliableQueue<T>
{
    private const string Backend = "memory";

    private readonly object _gate = new();
    private readonly QueueOptions _options;
    private readonly TimeProvider _time;
    private readonly long _visibilityTicks;
    private readonly LinkedList<Entry> _ready = new();
    // Every unacknowledged message (ready, in flight or delayed), oldest enqueue first: for PendingCount and OldestPendingAge.
    private readonly LinkedList<Entry> _pending = new();
    private readonly PriorityQueue<Scheduled, long> _scheduled = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly Queue<DeadLetter<T>> _deadLetters = new();
    private ITimer? _timer;
    private long _timerDue = long.MaxValue;
    private long _nextId;
    private int _inFlight;
    private bool _disposed;
    private readonly string? _name;

    /// <summary>Creates an empty queue.</summary>
    /// <param name="options">Visibility timeout, maximum deliveries and dead-letter capacity; defaults when null.</param>
    /// <param name="timeProvider">The clock for visibility timeouts, nack delays and waits; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (ParamName names it).</exception>
    public InMemoryReliableQueue(QueueOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = QueueArguments.Validate(options ?? QueueOptions.Default);
        _time = timeProvider ?? TimeProvider.System;
        _visibilityTicks = ToStamp(_options.VisibilityTimeout);
    }

    /// <summary>
    /// The queue's name in traces (<c>messaging.destination.name</c>); <see langword="null"/> (default) for none. Set it
    /// in an object initializer: <c>new InMemoryReliableQueue&lt;Order&gt;(options) { Name = "orders" }</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or whitespace.</exception>
    public string? Name
    {
        get => _name;
        init
        {
            if (value is not null)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Name));
            }

            _name = value;
        }
    }

    /// <summary>Messages available for delivery now (not in flight, not delayed by a nack).</summary>
    public int ReadyCount
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count;
            }
        }
    }

    /// <summary>Messages delivered and not yet acknowledged, nacked or timed out.</summary>
    public int InFlightCount => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Every message not acknowledged and not dead-lettered yet: ready, in flight, or waiting out a nack or deferral
    /// delay.
    /// </summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// How long ago the oldest message not acknowledged and not dead-lettered yet was enqueued (whatever its state:
    /// ready, in flight or delayed), on the queue's <see cref="TimeProvider"/>; <see langword="null"/> when there is none.
    /// </summary>
    public TimeSpan? OldestPendingAge
    {
        get
        {
            long enqueuedAt;
            lock (_gate)
            {
                if (_pending.First is not { } oldest)
                {
                    return null;
                }

                enqueuedAt = oldest.Value.EnqueuedAt;
            }

            return _time.GetElapsedTime(enqueuedAt);
        }
    }

    /// <inheritdoc/>
    public ValueTask EnqueueAsync(T message, CancellationToken cancellationToken = default)
    {
        QueueArguments.ValidateMessage(message);
        cancellationToken.ThrowIfCancellationRequested();
        using Activity? activity = QueueTracing.StartPublish(QueueTracing.MemorySystem, Name, batchCount: null);
        List<(Waiter, Delivery)>? handOffs;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            _ready.AddLast(NewEntry(message).Node);
            handOffs = DispatchLocked();
        }

        QueueMetrics.RecordEnqueued(Backend, 1);
        Complete(handOffs);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask EnqueueBatchAsync(IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        T[] batch = QueueArguments.ValidateBatch(messages);
        cancellationToken.ThrowIfCancellationRequested();
        if (batch.Length == 0)
        {
            return default;
        }

        using Activity? activity = QueueTracing.StartPublish(QueueTracing.MemorySystem, Name, batch.Length);
        List<(Waiter, Delivery)>? handOffs;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            foreach (T message in batch)
            {
                _ready.AddLast(NewEntry(message).Node);
            }

            handOffs = DispatchLocked();
        }

        QueueMetrics.RecordEnqueued(Backend, batch.Length);
        Complete(handOffs);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask<IDelivery<T>?> DequeueAsync(TimeSpan wait, CancellationToken cancellationToken = default)
    {
        QueueArguments.ValidateWait(wait);
        cancellationToken.ThrowIfCancellationRequested();
        return QueueTracing.ReceiveAsync(this, static (q, w, ct) => q.DequeueCoreAsync(w, ct), QueueTracing.MemorySystem, Name,
            consumerGroup: null, wait, cancellationToken);
    }

    private ValueTask<IDelivery<T>?> DequeueCoreAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        Waiter waiter;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            if (_ready.First is { } first)
            {
                Delivery delivery = DeliverLocked(first.Value, start);
                QueueMetrics.RecordDelivered(Backend, delivery.DeliveryCount);
                QueueMetrics.RecordDequeueWait(Backend, "delivered", TimeSpan.Zero);
                return new ValueTask<IDelivery<T>?>(delivery);
            }

            if (wait == TimeSpan.Zero)
            {
                QueueMetrics.RecordDequeueWait(Backend, "timeout", TimeSpan.Zero);
                return new ValueTask<IDelivery<T>?>((IDelivery<T>?)null);
            }

            waiter = new Waiter(this, start);
            waiter.Node = _waiters.AddLast(waiter);
        }

        return WaitAsync(waiter, wait, cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<IDelivery<T>> ConsumeAsync(CancellationToken cancellationToken = default) =>
        QueueConsumption.ConsumeAsync(this, cancellationToken);

    /// <summary>The dead letters, oldest first (at most <see cref="QueueOptions.DeadLetterCapacity"/>).</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<DeadLetter<T>> GetDeadLetters()
    {
        lock (_gate)
        {
            return _deadLetters.ToArray();
        }
    }

    /// <summary>
    /// Stops the queue: its timer is disposed, waiting dequeues end with <see cref="ObjectDisposedException"/>, and
    /// enqueues and dequeues from now on throw it. Deliveries already handed out can still be acknowledged or nacked
    /// (without effect on anyone). Idempotent.
    /// </summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Waiter[] waiters;
        lock (_gate)
        {
            if (_disposed)
            {
                return default;
            }

            _disposed = true;
            _timer?.Dispose();
            _timer = null;
            _timerDue = long.MaxValue;
            _scheduled.Clear();
            waiters = [.. _waiters];
            foreach (Waiter waiter in waiters)
            {
                waiter.Node = null;
            }

            _waiters.Clear();
        }

        foreach (Waiter waiter in waiters)
        {
            waiter.TrySetException(new ObjectDisposedException(GetType().FullName));
        }

        return default;
    }

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, this);

    private async ValueTask<IDelivery<T>?> WaitAsync(Waiter waiter, TimeSpan wait, CancellationToken cancellationToken)
    {
        ITimer? timer = null;
        CancellationTokenRegistration registration = default;
        try
        {
            if (wait != Timeout.InfiniteTimeSpan)
            {
                timer = _time.CreateTimer(static s => ((Waiter)s!).Abandon(default), waiter, wait, Timeout.InfiniteTimeSpan);
            }

            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static (s, ct) => ((Waiter)s!).Abandon(ct), waiter);
            }

            Delivery? delivery = await waiter.Task.ConfigureAwait(false);
            TimeSpan waited = _time.GetElapsedTime(waiter.Start);
            QueueMetrics.RecordDequeueWait(Backend, delivery is null ? "timeout" : "delivered", waited);
            if (delivery is not null)
            {
                QueueMetrics.RecordDelivered(Backend, delivery.DeliveryCount);
            }

            return delivery;
        }
        catch (OperationCanceledException)
        {
            QueueMetrics.RecordDequeueWait(Backend, "canceled", _time.GetElapsedTime(waiter.Start));
            throw;
        }
        finally
        {
            timer?.Dispose();
            registration.Dispose();
        }
    }

    /// <summary>Removes a waiter that timed out (<paramref name="cancellationToken"/> default) or was cancelled.</summary>
    private void Abandon(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null)
            {
                return; // Already served or abandoned.
            }

            _waiters.Remove(waiter.Node);
            waiter.Node = null;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            waiter.TrySetCanceled(cancellationToken);
        }
        else
        {
            waiter.TrySetResult(null);
        }
    }

    private Entry NewEntry(T message)
    {
        var entry = new Entry((++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture), message, _time.GetTimestamp());
        entry.State = EntryState.Ready;
        _pending.AddLast(entry.PendingNode);
        return entry;
    }

    /// <summary>Hands ready entries to waiting consumers, oldest waiter first.</summary>
    private List<(Waiter, Delivery)>? DispatchLocked()
    {
        List<(Waiter, Delivery)>? handOffs = null;
        long now = _time.GetTimestamp();
        while (_waiters.First is { } waiterNode && _ready.First is { } entryNode)
        {
            Waiter waiter = waiterNode.Value;
            _waiters.Remove(waiterNode);
            waiter.Node = null;
            (handOffs ??= []).Add((waiter, DeliverLocked(entryNode.Value, now)));
        }

        return handOffs;
    }

    private static void Complete(List<(Waiter, Delivery)>? handOffs)
    {
        if (handOffs is null)
        {
            return;
        }

        foreach ((Waiter waiter, Delivery delivery) in handOffs)
        {
            waiter.TrySetResult(delivery);
        }
    }

    private Delivery DeliverLocked(Entry entry, long now)
    {
        _ready.Remove(entry.Node);
        entry.State = EntryState.InFlight;
        entry.Deliveries++;
        entry.Version++;
        _inFlight++;
        ScheduleLocked(entry, now + _visibilityTicks, now);
        return new Delivery(this, entry, entry.Version, entry.Deliveries, now);
    }

    private void ScheduleLocked(Entry entry, long due, long now)
    {
        if (_disposed)
        {
            return; // Nothing is delivered any more: no timer outlives the queue.
        }

        _scheduled.Enqueue(new Scheduled(entry, entry.Version), due);
        if (due < _timerDue)
        {
            _timerDue = due;
            _timer ??= _time.CreateDetached(static s => ((InMemoryReliableQueue<T>)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(FromStamp(Math.Max(0, due - now)), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Visibility timeouts and nack delays that are due: back to ready (or to the dead letters).</summary>
    private void OnTimer()
    {
        List<(Waiter, Delivery)>? handOffs;
        long reclaimed = 0;
        long deadLettered = 0;
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            _timerDue = long.MaxValue;
            while (_scheduled.TryPeek(out Scheduled item, out long due))
            {
                if (item.Version != item.Entry.Version)
                {
                    _scheduled.Dequeue(); // Stale: acknowledged, nacked or redelivered since.
                    continue;
                }

                if (due > now)
                {
                    _timerDue = due;
                    _timer!.Change(FromStamp(due - now), Timeout.InfiniteTimeSpan);
                    break;
                }

                _scheduled.Dequeue();
                Entry entry = item.Entry;
                entry.Version++;
                if (entry.State == EntryState.InFlight)
                {
                    _inFlight--;
                    reclaimed++;
                    if (entry.Deliveries >= _options.MaxDeliveries)
                    {
                        DeadLetterLocked(entry);
                        deadLettered++;
                        continue;
                    }
                }

                entry.State = EntryState.Ready;
                _ready.AddFirst(entry.Node);
            }

            handOffs = DispatchLocked();
        }

        QueueMetrics.RecordReclaimed(Backend, reclaimed);
        QueueMetrics.RecordDeadLettered(Backend, deadLettered);
        Complete(handOffs);
    }

    private void DeadLetterLocked(Entry entry)
    {
        entry.State = EntryState.Done;
        entry.Version++;
        _pending.Remove(entry.PendingNode);
        _deadLetters.Enqueue(new DeadLetter<T>(entry.Id, entry.Message, entry.Deliveries));
        while (_deadLetters.Count > _options.DeadLetterCapacity)
        {
            _deadLetters.Dequeue();
        }
    }

    private bool Ack(Delivery delivery)
    {
        lock (_gate)
        {
            Entry entry = delivery.Entry;
            switch (entry.State)
            {
                case EntryState.InFlight:
                    _inFlight--;
                    break;
                case EntryState.Ready:
                    _ready.Remove(entry.Node); // Its visibility timeout ran out; the late acknowledgement still counts.
                    break;
                case EntryState.Delayed:
                    break;
                default:
                    return false;
            }

            entry.State = EntryState.Done;
            entry.Version++;
            _pending.Remove(entry.PendingNode);
            return true;
        }
    }

    /// <summary>Gives the message back after <paramref name="delay"/>; a nack spends the delivery (dead-lettering the
    /// message after the last one), a deferral (<paramref name="spend"/> false) does not.</summary>
    private bool GiveBack(Delivery delivery, TimeSpan delay, bool spend, out bool deadLettered)
    {
        List<(Waiter, Delivery)>? handOffs = null;
        deadLettered = false;
        lock (_gate)
        {
            Entry entry = delivery.Entry;
            if (entry.State != EntryState.InFlight || entry.Version != delivery.Version)
            {
                return false;
            }

            _inFlight--;
            entry.Version++;
            if (!spend)
            {
                entry.Deliveries--; // The next delivery counts as this one again.
            }

            if (spend && entry.Deliveries >= _options.MaxDeliveries)
            {
                DeadLetterLocked(entry);
                deadLettered = true;
            }
            else if (delay > TimeSpan.Zero)
            {
                entry.State = EntryState.Delayed;
                long now = _time.GetTimestamp();
                ScheduleLocked(entry, now + ToStamp(delay), now);
            }
            else
            {
                entry.State = EntryState.Ready;
                _ready.AddFirst(entry.Node);
                handOffs = DispatchLocked();
            }
        }

        if (deadLettered)
        {
            QueueMetrics.RecordDeadLettered(Backend, 1);
        }

        Complete(handOffs);
        return true;
    }

    private long ToStamp(TimeSpan span) => (long)Math.Ceiling(span.Ticks * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    private TimeSpan FromStamp(long stamp) =>
        TimeSpan.FromTicks((long)Math.Ceiling(stamp * (TimeSpan.TicksPerSecond / (double)_time.TimestampFrequency)));

    private enum EntryState
    {
        Ready,
        InFlight,
        Delayed,
        Done,
    }

    private sealed class Entry
    {
        public Entry(string id, T message, long enqueuedAt)
        {
            Id = id;
            Message = message;
            EnqueuedAt = enqueuedAt;
            Node = new LinkedListNode<Entry>(this);
            PendingNode = new LinkedListNode<Entry>(this);
        }

        public string Id { get; }

        public T Message { get; }

        public LinkedListNode<Entry> Node { get; }

        /// <summary>Its place in the queue's list of unacknowledged messages.</summary>
        public LinkedListNode<Entry> PendingNode { get; }

        /// <summary>The queue clock's timestamp when it was enqueued.</summary>
        public long EnqueuedAt { get; }

        public EntryState State;

        public int Deliveries;

        /// <summary>Bumped on every state change, so stale timers and deliveries can tell they are stale.</summary>
        public int Version;
    }

    private readonly record struct Scheduled(Entry Entry, int Version);

    private sealed class Waiter(InMemoryReliableQueue<T> queue, long start)
        : TaskCompletionSource<Delivery?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long Start { get; } = start;

        public LinkedListNode<Waiter>? Node;

        public void Abandon(CancellationToken cancellationToken) => queue.Abandon(this, cancellationToken);
    }

    private sealed class Delivery(InMemoryReliableQueue<T> queue, Entry entry, int version, int deliveryCount, long deliveredAt)
        : IDelivery<T>
    {
        public Entry Entry { get; } = entry;

        public int Version { get; } = version;

        public T Message => Entry.Message;

        public string Id => Entry.Id;

        public int DeliveryCount { get; } = deliveryCount;

        public ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using Activity? activity = QueueTracing.StartSettle(QueueTracing.MemorySystem, queue.Name, "ack", Id, DeliveryCount);
            if (queue.Ack(this))
            {
                QueueMetrics.RecordAcked(Backend, queue._time.GetElapsedTime(deliveredAt));
            }

            return default;
        }

        public ValueTask NackAsync(TimeSpan? redeliverAfter = null, CancellationToken cancellationToken = default)
        {
            TimeSpan delay = QueueArguments.ResolveRedeliverAfter(redeliverAfter, queue._options.VisibilityTimeout);
            cancellationToken.ThrowIfCancellationRequested();
            using Activity? activity = QueueTracing.StartSettle(QueueTracing.MemorySystem, queue.Name, "nack", Id, DeliveryCount);
            if (queue.GiveBack(this, delay, spend: true, out bool deadLettered))
            {
                QueueMetrics.RecordNacked(Backend);
                if (deadLettered)
                {
                    activity?.SetTag(QueueTracing.DeadLetteredTag, true);
                }
            }

            return default;
        }

        public ValueTask DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            TimeSpan resolved = QueueArguments.ResolveDeferDelay(delay, queue._options.VisibilityTimeout);
            cancellationToken.ThrowIfCancellationRequested();
            using Activity? activity = QueueTracing.StartSettle(QueueTracing.MemorySystem, queue.Name, "defer", Id, DeliveryCount);
            if (queue.GiveBack(this, resolved, spend: false, out _))
            {
                QueueMetrics.RecordDeferred(Backend);
            }

            return default;
        }
    }
}
