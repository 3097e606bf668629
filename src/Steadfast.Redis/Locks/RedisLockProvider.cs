using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Steadfast.Locks.Internal;
using Steadfast.Redis;

namespace Steadfast.Locks;

/// <summary>
/// Distributed locks on Redis (single node, replicated or Cluster): SET NX PX with a 128-bit random owner token and a
/// fencing token from a per-name counter seeded from the server's clock (it expires when the name is idle) in one Lua
/// script; compare-and-delete release and compare-and-pexpire renewal in Lua; optionally <c>WAIT</c> for replicas;
/// waiters woken by a pub/sub message published by the release script, with a bounded fallback re-check (the holder's
/// remaining lease, at most one second) for lost messages.
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

    // KEYS[1] lock, KEYS[2] fencing counter; ARGV[1] owner token, ARGV[2] lease (ms), ARGV[3] fence idle period (ms).
    // Returns the new fencing token (> 0) when acquired, otherwise -1 - (the holder's remaining lease in ms, 0 if unknown).
    // The token is the server clock in microseconds, or the last token + 1 when that is not smaller: strictly increasing
    // while the counter lives. The counter expires at (token in ms) + idle period on the server's clock, so when it is gone
    // the clock has passed every token it issued by the idle period, and a re-created counter starts above all of them.
    // Numbers stay below 2^53 (exact in Lua) until the year 2255; '%.0f' writes them without an exponent.
    internal static readonly RedisScript AcquireScript = new("""
        if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
          local now = redis.call('time')
          local token = tonumber(now[1]) * 1000000 + tonumber(now[2])
          local last = tonumber(redis.call('get', KEYS[2]))
          if last and last >= token then
            token = last + 1
          end
          redis.call('set', KEYS[2], string.format('%.0f', token))
          redis.call('pexpireat', KEYS[2], string.format('%.0f', math.floor(token / 1000) + tonumber(ARGV[3])))
          return token
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
    private readonly long _fenceIdleMs;
    private readonly int _replicaAcknowledgements;
    private readonly long _replicaTimeoutMs;
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
        _fenceIdleMs = ToMilliseconds(options.FenceIdlePeriod);
        _replicaAcknowledgements = options.ReplicaAcknowledgements;
        _replicaTimeoutMs = ToMilliseconds(options.ReplicaAcknowledgementTimeout);
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
            result = await AcquireScript.EvaluateAsync(_database, keys.Keys, [token, leaseMs, _fenceIdleMs], WriteFlags).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException && ex is not RedisLockException)
        {
            throw Wrap("acquire", keys.Name, ex);
        }

        long value = (long)result;
        if (value > 0)
        {
            var handle = new Handle(this, keys, token, value, options.Lease, options.AutoExtend, sent);
            await EnsureReplicatedAsync(handle).ConfigureAwait(false);
            return (handle, TimeSpan.Zero);
        }

        return (null, TimeSpan.FromMilliseconds(-1 - value));
    }

    /// <summary>
    /// With <see cref="RedisLockProviderOptions.ReplicaAcknowledgements"/>: waits for the replicas; when too few acknowledge,
    /// releases the lock (it must not stay held by nobody until its lease runs out) and throws.
    /// </summary>
    private async Task EnsureReplicatedAsync(Handle handle)
    {
        if (_replicaAcknowledgements == 0)
        {
            return;
        }

        long acknowledged;
        try
        {
            acknowledged = await WaitForReplicasAsync(handle.Keys.Keys[0]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await handle.ReleaseAsync().ConfigureAwait(false);
            throw Wrap("acquire", handle.Name, ex);
        }

        if (acknowledged < _replicaAcknowledgements)
        {
            await handle.ReleaseAsync().ConfigureAwait(false);
            throw new RedisLockException(
                $"Lock '{handle.Name}' was acquired on the primary but only {acknowledged} of {_replicaAcknowledgements} replicas acknowledged it " +
                $"within {_replicaTimeoutMs} ms; it was released again.");
        }
    }

    /// <summary>
    /// <c>WAIT</c> on the primary that owns <paramref name="lockKey"/>, over the multiplexer's connection that sent the write
    /// (WAIT counts the replicas that have every write of the calling connection). Returns how many acknowledged.
    /// </summary>
    private async Task<long> WaitForReplicasAsync(RedisKey lockKey)
    {
        System.Net.EndPoint? endPoint = await _database.IdentifyEndpointAsync(lockKey, WriteFlags).ConfigureAwait(false);
        IServer server = _multiplexer.GetServer(endPoint ?? throw new RedisLockException($"No primary serves key '{lockKey}'."));
        RedisResult acknowledged = await server.ExecuteAsync("WAIT", [_replicaAcknowledgements, _replicaTimeoutMs], WriteFlags).ConfigureAwait(false);
        return (long)acknowledged;
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
            RedisKey lockKey = "{" + prefix + ":" + name + "}";
            Keys = [lockKey, RedisHashSlot.DerivedKey(lockKey, ":fence")];
            ChannelName = prefix + ":" + name + ":released";
            Channel = RedisChannel.Literal(ChannelName);
        }

        public string Name { get; }

        /// <summary>[lock key, fencing counter key]: one cluster slot, whatever the name. Never mutated.</summary>
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

        public LockKeys Keys => _keys;

        protected override string Backend => RedisLockProvider.Backend;

        protected override async ValueTask<bool> ExtendCoreAsync(TimeSpan lease, CancellationToken cancellationToken)
        {
            try
            {
                RedisResult result = await ExtendScript.EvaluateAsync(_provider._database, _keys.Keys, [_token, ToMilliseconds(lease)], WriteFlags)
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                if ((long)result != 1)
                {
                    return false;
                }

                int required = _provider._replicaAcknowledgements;
                if (required > 0)
                {
                    long acknowledged = await _provider.WaitForReplicasAsync(_keys.Keys[0]).WaitAsync(cancellationToken).ConfigureAwait(false);
                    if (acknowledged < required)
                    {
                        // Unconfirmed, not refused: the renewal is retried while the lease allows.
                        throw new RedisLockException(
                            $"Renewal of lock '{Name}' was acknowledged by {acknowledged} of {required} replicas within {_provider._replicaTimeoutMs} ms.");
                    }
                }

                return true;
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
