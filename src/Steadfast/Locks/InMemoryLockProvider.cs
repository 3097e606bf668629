using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Steadfast.Locks.Internal;

namespace Steadfast.Locks;

/// <summary>
/// Distributed-lock semantics within one process: per-name fencing counters, leases that run out by
/// <see cref="TimeProvider"/> time (an expired lease can be taken by another caller, and the old holder's
/// <see cref="ILockHandle.Lost"/> has fired a safety margin before), automatic renewal, and waiters that are woken
/// on release or expiry (first come, first served) without polling.
/// </summary>
public sealed class InMemoryLockProvider : IDistributedLockProvider
{
    private const string Backend = "memory";

    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;

    /// <summary>Creates a provider.</summary>
    /// <param name="timeProvider">The clock for leases, renewals and wait timeouts; <see cref="TimeProvider.System"/> when null.</param>
    [SuppressMessage("ApiDesign", "RS0027:API with optional parameter(s) should have the most parameters amongst its public overloads", Justification = "Keeps new InMemoryLockProvider() and new InMemoryLockProvider(time); the logger overload is for dependency injection.")]
    public InMemoryLockProvider(TimeProvider? timeProvider = null)
        : this(timeProvider, null)
    {
    }

    /// <summary>Creates a provider that logs lost leases and failed releases.</summary>
    /// <param name="timeProvider">The clock for leases, renewals and wait timeouts; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="logger">Where to log; none when null.</param>
    public InMemoryLockProvider(TimeProvider? timeProvider, ILogger<InMemoryLockProvider>? logger)
    {
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger;
    }

    /// <inheritdoc/>
    public ILockHandle Acquire(string name, LockOptions? options = null, CancellationToken cancellationToken = default) =>
        LockArguments.RunSync(AcquireAsync(name, options, cancellationToken));

    /// <inheritdoc/>
    public ILockHandle? TryAcquire(string name, LockOptions? options = null, CancellationToken cancellationToken = default) =>
        LockArguments.RunSync(TryAcquireAsync(name, options, cancellationToken));

    /// <inheritdoc/>
    public async ValueTask<ILockHandle> AcquireAsync(string name, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = LockArguments.Validate(name, options);
        TimeSpan wait = options.ResolveWaitTimeout(forTry: false);
        return (await AcquireTracedAsync(name, options, wait, throwOnTimeout: true, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public ValueTask<ILockHandle?> TryAcquireAsync(string name, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = LockArguments.Validate(name, options);
        TimeSpan wait = options.ResolveWaitTimeout(forTry: true);

        // Untraced, a free lock is taken synchronously with no async state machine.
        return SteadfastTracing.Source.HasListeners()
            ? AcquireTracedAsync(name, options, wait, throwOnTimeout: false, cancellationToken)
            : AcquireCoreAsync(name, options, wait, cancellationToken);
    }

    private ValueTask<ILockHandle?> AcquireTracedAsync(string name, LockOptions options, TimeSpan wait, bool throwOnTimeout,
        CancellationToken cancellationToken) =>
        LockTracing.AcquireAsync(this, static (p, n, o, w, ct) => p.AcquireCoreAsync(n, o, w, ct), Backend, name, options, wait, throwOnTimeout,
            cancellationToken);

    private ValueTask<ILockHandle?> AcquireCoreAsync(string name, LockOptions options, TimeSpan wait, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long start = _time.GetTimestamp();
        Handle? handle = null;
        Waiter? waiter = null;
        while (true)
        {
            Handle? expired = null;
            lock (_gate)
            {
                if (!_entries.TryGetValue(name, out Entry? entry))
                {
                    entry = new Entry(name);
                    _entries.Add(name, entry);
                }

                if (entry.Holder is { } holder && holder.IsExpiredAt(start))
                {
                    // Its timer has not run yet; free it (handing it to any waiter first) and look again.
                    expired = holder;
                }
                else if (entry.Holder is null && entry.Waiters.Count == 0)
                {
                    handle = GrantLocked(entry, options.Lease, options.AutoExtend, start);
                }
                else if (wait != TimeSpan.Zero)
                {
                    waiter = new Waiter(entry, options, start);
                    waiter.Node = entry.Waiters.AddLast(waiter);
                }
            }

            if (expired is null)
            {
                break;
            }

            expired.MarkLost();
            Free(expired, onlyIfExpired: true);
        }

        if (handle is not null)
        {
            handle.Start();
            LockMetrics.RecordWait(Backend, "acquired", _time.GetElapsedTime(start));
            return new ValueTask<ILockHandle?>(handle);
        }

        LockMetrics.RecordContention(Backend);
        if (waiter is null)
        {
            LockMetrics.RecordWait(Backend, "timeout", _time.GetElapsedTime(start));
            return new ValueTask<ILockHandle?>((ILockHandle?)null);
        }

        return WaitAsync(waiter, wait, cancellationToken);
    }

    private async ValueTask<ILockHandle?> WaitAsync(Waiter waiter, TimeSpan wait, CancellationToken cancellationToken)
    {
        ITimer? timer = null;
        CancellationTokenRegistration registration = default;
        try
        {
            if (wait != Timeout.InfiniteTimeSpan)
            {
                timer = _time.CreateTimer(static s => { var w = (Waiter)s!; w.Provider.Abandon(w, default); }, waiter.WithProvider(this), wait, Timeout.InfiniteTimeSpan);
            }

            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(
                    static (s, ct) => { var w = (Waiter)s!; w.Provider.Abandon(w, ct); }, waiter.WithProvider(this));
            }

            Handle? handle = await waiter.Task.ConfigureAwait(false);
            LockMetrics.RecordWait(Backend, handle is null ? "timeout" : "acquired", _time.GetElapsedTime(waiter.Start));
            return handle;
        }
        catch (OperationCanceledException)
        {
            LockMetrics.RecordWait(Backend, "canceled", _time.GetElapsedTime(waiter.Start));
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
                return; // Already granted or abandoned.
            }

            waiter.Entry.Waiters.Remove(waiter.Node);
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

    private Handle GrantLocked(Entry entry, TimeSpan lease, bool autoExtend, long now)
    {
        entry.Fence++;
        var handle = new Handle(this, entry, entry.Fence, lease, autoExtend, now);
        entry.Holder = handle;
        return handle;
    }

    /// <summary>Frees the lock held by <paramref name="holder"/> (released or expired) and hands it to the next waiter.</summary>
    private bool Free(Handle holder, bool onlyIfExpired)
    {
        Handle? next = null;
        Waiter? waiter = null;
        lock (_gate)
        {
            Entry entry = holder.Entry;
            if (entry.Holder != holder)
            {
                return false;
            }

            long now = _time.GetTimestamp();
            if (onlyIfExpired && !holder.IsExpiredAt(now))
            {
                return false;
            }

            entry.Holder = null;
            if (entry.Waiters.First is { } first)
            {
                waiter = first.Value;
                entry.Waiters.Remove(first);
                waiter.Node = null;
                next = GrantLocked(entry, waiter.Options.Lease, waiter.Options.AutoExtend, now);
            }
        }

        if (next is not null)
        {
            next.Start();
            waiter!.TrySetResult(next);
        }

        return true;
    }

    private bool Renew(Handle holder)
    {
        lock (_gate)
        {
            return holder.Entry.Holder == holder && !holder.IsExpiredAt(_time.GetTimestamp());
        }
    }

    private sealed class Entry(string name)
    {
        public string Name { get; } = name;

        public long Fence;

        public Handle? Holder;

        public LinkedList<Waiter> Waiters { get; } = new();
    }

    private sealed class Waiter(Entry entry, LockOptions options, long start)
        : TaskCompletionSource<Handle?>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public Entry Entry { get; } = entry;

        public LockOptions Options { get; } = options;

        public long Start { get; } = start;

        public LinkedListNode<Waiter>? Node;

        public InMemoryLockProvider Provider { get; private set; } = null!;

        public Waiter WithProvider(InMemoryLockProvider provider)
        {
            Provider = provider;
            return this;
        }
    }

    private sealed class Handle(InMemoryLockProvider provider, Entry entry, long fencingToken, TimeSpan lease, bool autoExtend, long now)
        : LeasedLockHandle(entry.Name, fencingToken, lease, autoExtend, now, provider._time, provider._logger)
    {
        public Entry Entry { get; } = entry;

        protected override string Backend => InMemoryLockProvider.Backend;

        protected override bool TracksExpiry => true;

        protected override ValueTask<bool> ExtendCoreAsync(TimeSpan lease, CancellationToken cancellationToken) =>
            new(provider.Renew(this));

        protected override ValueTask<bool> ReleaseCoreAsync() => new(ReleaseCore());

        protected override bool ReleaseCore() => provider.Free(this, onlyIfExpired: false);

        protected override void OnLeaseExpired() => provider.Free(this, onlyIfExpired: true);
    }
}
