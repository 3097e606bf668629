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
// One file per job: this one holds the state, construction and disposal; .Producer (enqueue), .Consumer (reads and the
// read-ahead buffer), .Wakeups (pub/sub notifications), .Settlement (ack and nack), .ListImport (ImportFromList),
// .Trimming and .DeadLetters. The Lua scripts are in RedisQueueScripts.
public sealed partial class RedisReliableQueue<T> : IReliableQueue<T>, IAsyncDisposable
{
    private const string Backend = "redis";
    private const string PayloadField = "m";
    private const CommandFlags WriteFlags = CommandFlags.DemandMaster;
    private const int ImportBatch = 100;
    private const int AddChunk = 500;
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
    private readonly string _publishCommand;
    private readonly long _visibilityMs;
    private readonly TimeSpan _reclaimInterval;
    private readonly long _consumerIdleMs;
    private readonly RedisKey[]? _importList;
    private readonly RedisKey _importLease;
    private readonly RedisValue _importSide;
    private readonly object _gate = new();
    private readonly Queue<Fetched> _buffer = new();
    private readonly Action<RedisChannel, RedisValue> _handler;
    private readonly RedisAckBatcher _acks;
    private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<int>? _fetch;
    private Task? _subscribed;
    private Task? _trim;
    private string _cursor = "0-0";
    private long _lastReclaim;
    private volatile bool _reclaimDue = true;
    private int _acksSinceTrim;
    private Task _releases = Task.CompletedTask;
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
        _options = options ?? new RedisQueueOptions();
        _options.Validate();

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
        if (ServerHasShardedPubSub(multiplexer))
        {
            // Same hash tag as the stream: published to (and by the scripts on) the shard that owns the queue only.
            _channelName = streamKey + ":wake";
            _channel = RedisChannel.Sharded(_channelName);
            _publishCommand = "SPUBLISH";
        }
        else
        {
            _channelName = _options.KeyPrefix + ":" + name + ":wake";
            _channel = RedisChannel.Literal(_channelName);
            _publishCommand = "PUBLISH";
        }

        _visibilityMs = ToMilliseconds(_options.VisibilityTimeout);
        _reclaimInterval = Clamp(_options.VisibilityTimeout / 4, MinReclaimInterval, MaxReclaimInterval);
        _consumerIdleMs = Math.Max(60_000, 10 * _visibilityMs);
        _handler = OnNotification;
        _acks = new RedisAckBatcher(_database, StreamKey, ConsumerGroup, WriteFlags);
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

    /// <summary>
    /// The pub/sub channel that wakes idle consumers: on a Redis Cluster whose nodes all run Redis 7 or later a sharded
    /// channel (SSUBSCRIBE/SPUBLISH) <c>{prefix:name}:wake</c>, in the stream's slot, so a wake-up goes to the shard that
    /// owns the queue instead of being broadcast to every node; otherwise the classic channel <c>prefix:name:wake</c>.
    /// </summary>
    public RedisChannel WakeChannel => _channel;

    /// <summary>The stream holding the dead letters: fields <c>m</c> (payload), <c>id</c> (original id),
    /// <c>deliveries</c> and <c>group</c>.</summary>
    public RedisKey DeadLetterKey { get; }

    /// <summary>Whether wake-ups go over sharded pub/sub: the multiplexer is connected to a Cluster whose every node runs
    /// Redis 7+ (SSUBSCRIBE). A standalone server gains nothing from it; older servers do not have it.</summary>
    private static bool ServerHasShardedPubSub(IConnectionMultiplexer multiplexer)
    {
        IServer[] servers = multiplexer.GetServers();
        return servers.Length > 0 && servers.All(s => s.IsConnected && s.ServerType == ServerType.Cluster && s.Version.Major >= 7);
    }

    /// <summary>Keeps a fault nobody awaits any more from surfacing as an unobserved task exception.</summary>
    private static void ObserveFault(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// Stops this consumer, atomically with respect to dequeues: once it has begun no read starts, the read in flight (if
    /// any) is awaited, and every entry read but never handed out is given back to the group (claimable at once,
    /// delivery count unchanged); so a dequeue racing with it either returns a delivery or throws
    /// <see cref="ObjectDisposedException"/>, and nothing stays pending on this consumer until the visibility timeout.
    /// The consumer then leaves the group when it holds nothing pending. Deliveries already handed out can still be
    /// acknowledged. Best effort towards Redis: failures are logged, not thrown (what could not be given back is taken
    /// over after the visibility timeout). Idempotent.
    /// </summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        Task<int>? lastFetch;
        Task? subscription;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true; // FetchSharedAsync and EnsureSubscribed check this under the same lock: no read or
            lastFetch = _fetch; // subscription starts from here on.
            subscription = _subscribed;
        }

        Volatile.Read(ref _signal).TrySetResult();
        try
        {
            if (lastFetch is not null)
            {
                await lastFetch.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            _logger?.LogDebug(ex, "The last read of queue {QueueName} failed.", Name);
        }

        Fetched[] left;
        Task releases;
        lock (_gate)
        {
            left = _buffer.ToArray();
            _buffer.Clear();
            releases = _releases;
        }

        try
        {
            await releases.ConfigureAwait(false); // Stale read-ahead being handed back; failures are logged there.
        }
        catch (Exception ex)
        {
            _logger?.LogDebug(ex, "Handing read-ahead entries of queue {QueueName} back failed.", Name);
        }

        try
        {
            await UntilAcksAnsweredAsync().ConfigureAwait(false); // Pipelined acks still on their way.
        }
        catch (RedisQueueException ex)
        {
            _logger?.LogWarning(ex, "Acknowledgements of queue {QueueName} failed before it was disposed.", Name);
        }

        // Nothing to tell an unreachable Redis; the read-ahead is then taken over after the visibility timeout.
        if (_multiplexer.IsConnected)
        {
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
        }

        if (subscription is not null)
        {
            try
            {
                await subscription.ConfigureAwait(false); // Unsubscribing before it completed would leave it behind.
                await _multiplexer.GetSubscriber().UnsubscribeAsync(_channel, _handler).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                _logger?.LogDebug(ex, "Unsubscribing from queue {QueueName} failed.", Name);
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException && ex is not RedisQueueException;

    private RedisQueueException Wrap(string operation, Exception ex) =>
        new($"Could not {operation} queue '{Name}' on Redis: {ex.Message}", ex);

    private static long ToMilliseconds(TimeSpan span) => Math.Max(1, (long)Math.Ceiling(span.TotalMilliseconds));

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

}
