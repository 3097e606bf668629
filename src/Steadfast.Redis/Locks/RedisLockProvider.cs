using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Locks.Internal;
using Steadfast.Redis;

namespace Steadfast.Locks;

/// <summary>
/// Distributed locks on Redis (single node, replicated or Cluster): SET NX PX with a 128-bit random owner token and an
/// atomically incremented fencing counter in one Lua script; compare-and-delete release and compare-and-pexpire
/// renewal in Lua; waiters woken by a pub/sub message published by the release script, with a bounded fallback
/// re-check (the holder's remaining lease, at most one second) for lost messages.
/// </summary>
/// <remarks>
/// Redis errors surface as <see cref="RedisLockException"/> (inner: StackExchange.Redis's exception) within the
/// multiplexer's timeouts; nothing waits forever on an unreachable server. Waiters are not queued fairly: whoever
/// re-checks first after a release wins.
/// </remarks>
public sealed class RedisLockProvider : IDistributedLockProvider
{
    internal const string Backend = "redis";
    private const int MaxCachedNames = 4096;
    private static readonly TimeSpan MaxRecheckInterval = TimeSpan.FromSeconds(1);

    // KEYS[1] lock, KEYS[2] fencing counter; ARGV[1] owner token, ARGV[2] lease (ms).
    // Returns the new fencing token (> 0) when acquired, otherwise -1 - (the holder's remaining lease in ms, 0 if unknown).
    internal static readonly RedisScript AcquireScript = new("""
        if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          return redis.call('incr', KEYS[2])
        end
        local ttl = redis.call('pttl', KEYS[1])
        if ttl < 0 then ttl = 0 end
        return -1 - ttl
        """);

    // KEYS[1] lock; ARGV[1] owner token, ARGV[2] release channel. 1 when released, 0 when not the owner.
    internal static readonly RedisScript ReleaseScript = new("""
        if redis.call('get', KEYS[1]) == ARGV[1] then
          redis.call('del', KEYS[1])
          redis.call('publish', ARGV[2], '1')
          return 1
        end
        return 0
        """);

    // KEYS[1] lock; ARGV[1] owner token, ARGV[2] lease (ms). 1 when extended, 0 when not the owner.
    internal static readonly RedisScript ExtendScript = new("""
        if redis.call('get', KEYS[1]) == ARGV[1] then
          return redis.call('pexpire', KEYS[1], ARGV[2])
        end
        return 0
        """);

    private const CommandFlags WriteFlags = CommandFlags.DemandMaster;

    private readonly IConnectionMultiplexer _multiplexer;
    private readonly IDatabase _database;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly ConcurrentDictionary<string, LockKeys> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NameSubscription> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>Creates a provider.</summary>
    /// <param name="multiplexer">The connection; shared, not owned (the provider never disposes it).</param>
    /// <param name="options">Key prefix, database, clock and logger; defaults when null.</param>
    public RedisLockProvider(IConnectionMultiplexer multiplexer, RedisLockProviderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        options ??= new RedisLockProviderOptions();
        options.Validate();

        _multiplexer = multiplexer;
        _database = multiplexer.GetDatabase(options.Database);
        _prefix = options.KeyPrefix;
        _time = options.TimeProvider ?? TimeProvider.System;
        _logger = options.Logger;
    }

    /// <inheritdoc/>
    public ILockHandle Acquire(string name, LockOptions? options = null, CancellationToken cancellationToken = default) =>
        LockArguments.RunSync(AcquireAsync(name, options, cancellationToken));

    /// <inheritdoc/>
    public ILockHandle? TryAcquire(string name, LockOptions? options = null, CancellationToken cancellationToken = default) =>
        LockArguments.RunSync(TryAcquireAsync(name, options, cancellationToken));

    /// <inheritdoc/>
    /// <exception cref="RedisLockException">Redis could not be reached or refused the command.</exception>
    public async ValueTask<ILockHandle> AcquireAsync(string name, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = LockArguments.Validate(name, options);
        TimeSpan wait = options.ResolveWaitTimeout(forTry: false);
        return (await AcquireTracedAsync(name, options, wait, throwOnTimeout: true, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    /// <exception cref="RedisLockException">Redis could not be reached or refused the command.</exception>
    public ValueTask<ILockHandle?> TryAcquireAsync(string name, LockOptions? options = null, CancellationToken cancellationToken = default)
    {
        options = LockArguments.Validate(name, options);
        return AcquireTracedAsync(name, options, options.ResolveWaitTimeout(forTry: true), throwOnTimeout: false, cancellationToken);
    }

    internal LockKeys GetKeys(string name)
    {
        if (_keys.TryGetValue(name, out LockKeys? keys))
        {
            return keys;
        }

        keys = new LockKeys(_prefix, name);
        if (_keys.Count < MaxCachedNames)
        {
            _keys.TryAdd(name, keys);
        }

        return keys;
    }

    private ValueTask<ILockHandle?> AcquireTracedAsync(string name, LockOptions options, TimeSpan wait, bool throwOnTimeout,
        CancellationToken cancellationToken) =>
        LockTracing.AcquireAsync(this, static (p, n, o, w, ct) => p.AcquireCoreAsync(n, o, w, ct), Backend, name, options, wait, throwOnTimeout,
            cancellationToken);

    private async ValueTask<ILockHandle?> AcquireCoreAsync(string name, LockOptions options, TimeSpan wait, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long start = _time.GetTimestamp();
        LockKeys keys = GetKeys(name);
        (Handle? handle, TimeSpan holderRemaining) = await TryOnceAsync(keys, options).ConfigureAwait(false);
        if (handle is not null)
        {
            handle.Start();
            LockMetrics.RecordWait(Backend, "acquired", _time.GetElapsedTime(start));
            return handle;
        }

        LockMetrics.RecordContention(Backend);
        if (wait == TimeSpan.Zero)
        {
            LockMetrics.RecordWait(Backend, "timeout", _time.GetElapsedTime(start));
            return null;
        }

        try
        {
            handle = await WaitAsync(keys, options, wait, start, holderRemaining, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LockMetrics.RecordWait(Backend, "canceled", _time.GetElapsedTime(start));
            throw;
        }

        LockMetrics.RecordWait(Backend, handle is null ? "timeout" : "acquired", _time.GetElapsedTime(start));
        handle?.Start();
        return handle;
    }

    private async Task<Handle?> WaitAsync(LockKeys keys, LockOptions options, TimeSpan wait, long start,
        TimeSpan holderRemaining, CancellationToken cancellationToken)
    {
        NameSubscription subscription = await SubscribeAsync(keys).ConfigureAwait(false);
        try
        {
            // Subscribed before this attempt, so a release published after it is not missed.
            while (true)
            {
                Task released = subscription.NextRelease;
                TimeSpan remaining = wait == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : wait - _time.GetElapsedTime(start);
                if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
                {
                    return null;
                }

                cancellationToken.ThrowIfCancellationRequested();
                (Handle? handle, TimeSpan holderLeft) = await TryOnceAsync(keys, options).ConfigureAwait(false);
                if (handle is not null)
                {
                    return handle;
                }

                holderRemaining = holderLeft;
                remaining = wait == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : wait - _time.GetElapsedTime(start);
                if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
                {
                    return null;
                }

                // Fallback re-check for a lost message: when the holder's lease runs out, at most a second.
                TimeSpan recheck = holderRemaining > TimeSpan.Zero && holderRemaining < MaxRecheckInterval
                    ? holderRemaining + TimeSpan.FromMilliseconds(1)
                    : MaxRecheckInterval;
                if (remaining != Timeout.InfiniteTimeSpan && remaining < recheck)
                {
                    recheck = remaining;
                }

                await WhenReleasedOrAsync(released, recheck, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Unsubscribe(subscription);
        }
    }

    private async Task WhenReleasedOrAsync(Task released, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (released.IsCompleted)
        {
            return;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task delayTask = Task.Delay(delay, _time, delayCancellation.Token);
        await Task.WhenAny(released, delayTask).ConfigureAwait(false);
        delayCancellation.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task<(Handle? Handle, TimeSpan HolderRemaining)> TryOnceAsync(LockKeys keys, LockOptions options)
    {
        byte[] token = new byte[16];
        RandomNumberGenerator.Fill(token);
        long leaseMs = ToMilliseconds(options.Lease);
        long sent = _time.GetTimestamp();
        RedisResult result;
        try
        {
            result = await AcquireScript.EvaluateAsync(_database, keys.Keys, [token, leaseMs], WriteFlags).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException && ex is not RedisLockException)
        {
            throw Wrap("acquire", keys.Name, ex);
        }

        long value = (long)result;
        if (value > 0)
        {
            return (new Handle(this, keys, token, value, options.Lease, options.AutoExtend, sent), TimeSpan.Zero);
        }

        return (null, TimeSpan.FromMilliseconds(-1 - value));
    }

    internal static long ToMilliseconds(TimeSpan lease) => Math.Max(1, (long)Math.Ceiling(lease.TotalMilliseconds));

    internal static RedisLockException Wrap(string operation, string name, Exception ex) =>
        new($"Could not {operation} lock '{name}' on Redis: {ex.Message}", ex);

    private async Task<NameSubscription> SubscribeAsync(LockKeys keys)
    {
        NameSubscription? subscription;
        lock (_subscriptions)
        {
            if (!_subscriptions.TryGetValue(keys.Name, out subscription))
            {
                subscription = new NameSubscription(keys);
                _subscriptions.Add(keys.Name, subscription);
                subscription.Subscribed = _multiplexer.GetSubscriber().SubscribeAsync(keys.Channel, subscription.Handler);
            }

            subscription.References++;
        }

        try
        {
            await subscription.Subscribed.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Without the subscription, waiting still works through the bounded re-check.
            _logger?.LogWarning(ex, "Subscribing to release notifications of lock {LockName} failed; waiting by re-check only.", keys.Name);
        }

        return subscription;
    }

    private void Unsubscribe(NameSubscription subscription)
    {
        lock (_subscriptions)
        {
            if (--subscription.References > 0)
            {
                return;
            }

            _subscriptions.Remove(subscription.Keys.Name);
        }

        _ = UnsubscribeAsync(subscription);
    }

    private async Task UnsubscribeAsync(NameSubscription subscription)
    {
        try
        {
            await _multiplexer.GetSubscriber().UnsubscribeAsync(subscription.Keys.Channel, subscription.Handler).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger?.LogDebug(ex, "Unsubscribing from release notifications of lock {LockName} failed.", subscription.Keys.Name);
        }
    }

    /// <summary>The keys and channel of one lock name (cached for the first few thousand names).</summary>
    internal sealed class LockKeys
    {
        public LockKeys(string prefix, string name)
        {
            Name = name;
            string lockKey = "{" + prefix + ":" + name + "}";
            Keys = [lockKey, lockKey + ":fence"];
            ChannelName = prefix + ":" + name + ":released";
            Channel = RedisChannel.Literal(ChannelName);
        }

        public string Name { get; }

        /// <summary>[lock key, fencing counter key]: one hash tag, one cluster slot. Never mutated.</summary>
        public RedisKey[] Keys { get; }

        public string ChannelName { get; }

        public RedisChannel Channel { get; }
    }

    /// <summary>Local waiters of one name, woken by the release channel.</summary>
    private sealed class NameSubscription
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public NameSubscription(LockKeys keys)
        {
            Keys = keys;
            Handler = (_, _) => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        public LockKeys Keys { get; }

        public Action<RedisChannel, RedisValue> Handler { get; }

        public Task Subscribed { get; set; } = Task.CompletedTask;

        public int References { get; set; }

        public Task NextRelease => Volatile.Read(ref _next).Task;
    }

    private sealed class Handle : LeasedLockHandle
    {
        private readonly RedisLockProvider _provider;
        private readonly LockKeys _keys;
        private readonly byte[] _token;

        public Handle(RedisLockProvider provider, LockKeys keys, byte[] token, long fencingToken, TimeSpan lease, bool autoExtend, long sent)
            : base(keys.Name, fencingToken, lease, autoExtend, sent, provider._time, provider._logger)
        {
            _provider = provider;
            _keys = keys;
            _token = token;
        }

        protected override string Backend => RedisLockProvider.Backend;

        protected override async ValueTask<bool> ExtendCoreAsync(TimeSpan lease, CancellationToken cancellationToken)
        {
            try
            {
                RedisResult result = await ExtendScript.EvaluateAsync(_provider._database, _keys.Keys, [_token, ToMilliseconds(lease)], WriteFlags)
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                return (long)result == 1;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && ex is not RedisLockException)
            {
                throw Wrap("extend", Name, ex);
            }
        }

        protected override async ValueTask<bool> ReleaseCoreAsync()
        {
            try
            {
                RedisResult result = await ReleaseScript.EvaluateAsync(_provider._database, _keys.Keys, [_token, _keys.ChannelName], WriteFlags)
                    .ConfigureAwait(false);
                return (long)result == 1;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && ex is not RedisLockException)
            {
                throw Wrap("release", Name, ex);
            }
        }

        protected override bool ReleaseCore()
        {
            try
            {
                return (long)ReleaseScript.Evaluate(_provider._database, _keys.Keys, [_token, _keys.ChannelName], WriteFlags) == 1;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && ex is not RedisLockException)
            {
                throw Wrap("release", Name, ex);
            }
        }
    }
}
