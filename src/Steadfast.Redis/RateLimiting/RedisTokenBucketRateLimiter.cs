using System.Diagnostics;
using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// A token bucket shared through Redis by every process that uses the same key: a
/// <see cref="RateLimiter"/>, so it goes wherever the BCL's limiters go (ASP.NET Core's rate-limiting middleware,
/// <see cref="PartitionedRateLimiter{TResource}"/>, HttpClient handlers). Each acquire is one Lua round trip
/// (EVALSHA), computed from the Redis server's clock, so the clients' clocks do not matter.
/// </summary>
/// <remarks>
/// <para>
/// The bucket lives in the hash <c>{steadfast:ratelimit:KEY}</c> (hash-tagged, so it works on Redis Cluster) with a
/// TTL, so idle buckets disappear by themselves. A refused lease carries <see cref="MetadataName.RetryAfter"/>: the
/// time, on the server's clock, until enough tokens will be there.
/// </para>
/// <para>
/// When Redis cannot be reached — the multiplexer is not connected to the key's primary, or the command fails or
/// times out (the multiplexer's <c>SyncTimeout</c> / <c>AsyncTimeout</c>) — the lease follows
/// <see cref="RedisTokenBucketOptions.WhenUnavailable"/> and carries <see cref="MetadataName.ReasonPhrase"/> and
/// <see cref="RedisRateLimiterMetadata.RedisUnavailable"/> (so an outage can be told from throttling); it is counted
/// (<see cref="RateLimitingTelemetry.Unavailable"/>) and logged, rate-limited, to <see cref="RedisTokenBucketOptions.Logger"/>.
/// No call waits longer than the command timeout, and while disconnected no call waits at all.
/// </para>
/// <para>
/// <c>AcquireAsync</c> may queue up to <see cref="RedisTokenBucketOptions.QueueLimit"/> permits: a refused request
/// sleeps for its retry-after and asks again, until it is granted, cancelled or the limiter is disposed. The queue
/// is this instance's own; requests from other processes are not ordered with it.
/// </para>
/// <para>
/// <c>AttemptAcquire</c> makes a synchronous round trip, blocking the calling thread; under ASP.NET Core's
/// middleware (which calls it before <c>AcquireAsync</c>) set <see cref="RedisTokenBucketOptions.DeferAttemptAcquire"/>.
/// </para>
/// </remarks>
public sealed class RedisTokenBucketRateLimiter : RateLimiter
{
    private const CommandFlags WriteFlags = CommandFlags.DemandMaster;
    private const string KeyPrefix = "steadfast:ratelimit:";
    private static readonly TimeSpan MinQueueDelay = TimeSpan.FromMilliseconds(1);

    private readonly IDatabase _database;
    private readonly RedisKey _redisKey;
    private readonly RedisKey[] _keys;
    private readonly RedisValue[] _argsForOne;
    private readonly int _tokenLimit;
    private readonly int _queueLimit;
    private readonly RedisUnavailableBehavior _whenUnavailable;
    private readonly bool _deferAttempts;
    private readonly RedisOutageLog? _outageLog;
    private readonly CancellationTokenSource _disposing = new();
    private long _available;
    private long _queuedPermits;
    private long _successful;
    private long _failed;
    private long _lastUsed;
    private int _disposed;

    /// <summary>Creates a limiter over the bucket named <paramref name="key"/>. Sends nothing to Redis until used.</summary>
    /// <param name="multiplexer">The connection; shared, not owned (the limiter never disposes it).</param>
    /// <param name="key">
    /// The bucket's name. Every limiter on the same key and Redis shares one bucket, whatever process it is in, so
    /// they should share the options too (each call sends its own, and the bucket follows the latest caller's).
    /// </param>
    /// <param name="options">The bucket's size and rate, the queue and the behaviour when Redis cannot be reached.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; ParamName and the message name it.</exception>
    public RedisTokenBucketRateLimiter(IConnectionMultiplexer multiplexer, string key, RedisTokenBucketOptions options)
        : this(multiplexer, key, options, TimeProvider.System)
    {
    }

    /// <summary>Test seam: <paramref name="logClock"/> paces the outage warnings.</summary>
    internal RedisTokenBucketRateLimiter(IConnectionMultiplexer multiplexer, string key, RedisTokenBucketOptions options, TimeProvider logClock)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        if (key.Length == 0)
        {
            throw new ArgumentException("The rate limiter key must not be empty.", nameof(key));
        }

        options.Validate();

        Key = key;
        _database = multiplexer.GetDatabase();
        _redisKey = "{" + KeyPrefix + key + "}";
        _keys = [_redisKey];
        _tokenLimit = options.TokenLimit;
        _queueLimit = options.QueueLimit;
        _whenUnavailable = options.WhenUnavailable;
        _deferAttempts = options.DeferAttemptAcquire;
        _outageLog = options.Logger is { } logger ? RedisOutageLog.For(logger, logClock) : null;
        TokensPerPeriod = options.TokensPerPeriod;
        ReplenishmentPeriod = options.ReplenishmentPeriod;

        long periodMicros = Math.Max(1, (ReplenishmentPeriod.Ticks + 9) / 10);
        long periodsToFill = (_tokenLimit + (long)TokensPerPeriod - 1) / TokensPerPeriod;
        long ttlMs = (long)Math.Ceiling((periodsToFill + 1) * (double)periodMicros / 1000) + 1000;
        _argsForOne = [_tokenLimit, TokensPerPeriod, periodMicros, 1, ttlMs];
        _available = _tokenLimit;
        _lastUsed = Stopwatch.GetTimestamp();
    }

    /// <summary>The bucket's name as given to the constructor.</summary>
    public string Key { get; }

    /// <summary>The Redis key holding the bucket: <c>{steadfast:ratelimit:KEY}</c>.</summary>
    public RedisKey RedisKey => _redisKey;

    /// <summary>The most tokens the bucket holds.</summary>
    public int TokenLimit => _tokenLimit;

    /// <summary>Tokens added each <see cref="ReplenishmentPeriod"/>.</summary>
    public int TokensPerPeriod { get; }

    /// <summary>How often tokens are added, on the Redis server's clock.</summary>
    public TimeSpan ReplenishmentPeriod { get; }

    /// <summary>
    /// How long since this instance was last asked for a lease; null while requests are queued. Lets a
    /// <see cref="PartitionedRateLimiter{TResource}"/> drop idle partitions (the bucket stays in Redis until its TTL).
    /// </summary>
    public override TimeSpan? IdleDuration =>
        Interlocked.Read(ref _queuedPermits) > 0 ? null : Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    /// <summary>
    /// Counts of this instance's leases, the permits queued in it, and the tokens the bucket held after this
    /// instance's latest round trip (other processes may have taken some since).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The limiter was disposed.</exception>
    public override RateLimiterStatistics GetStatistics()
    {
        ThrowIfDisposed();
        return new RateLimiterStatistics
        {
            CurrentAvailablePermits = Interlocked.Read(ref _available),
            CurrentQueuedCount = Interlocked.Read(ref _queuedPermits),
            TotalSuccessfulLeases = Interlocked.Read(ref _successful),
            TotalFailedLeases = Interlocked.Read(ref _failed),
        };
    }

    /// <summary>
    /// One synchronous round trip (blocking the calling thread up to the multiplexer's <c>SyncTimeout</c>); with
    /// <see cref="RedisTokenBucketOptions.DeferAttemptAcquire"/>, none: a lease that is not acquired, at once.
    /// </summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ThrowIfDisposed();
        CheckPermitCount(permitCount);
        if (_deferAttempts)
        {
            return RedisRateLimitLease.Deferred;
        }

        Touch();
        using Activity? activity = RateLimitingTracing.StartAcquire(Key, permitCount);
        RedisRateLimitLease lease;
        if (!_database.IsConnected(_redisKey, WriteFlags))
        {
            lease = Unavailable(activity, error: null);
        }
        else
        {
            try
            {
                lease = Decide(RedisTokenBucketScript.Script.Evaluate(_database, _keys, Arguments(permitCount), WriteFlags));
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                lease = Unavailable(activity, ex);
            }
        }

        return Complete(lease, activity);
    }

    /// <summary>
    /// One asynchronous round trip; when refused and the queue has room, sleeps for the lease's retry-after and asks
    /// again, until granted, cancelled (<see cref="OperationCanceledException"/>) or the limiter is disposed (a failed
    /// lease).
    /// </summary>
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        CheckPermitCount(permitCount);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RateLimitLease>(cancellationToken);
        }

        Touch();
        return AcquireCoreAsync(permitCount, cancellationToken);
    }

    // One async method for the first attempt and the queued retries: a single state machine per call.
    private async ValueTask<RateLimitLease> AcquireCoreAsync(int permitCount, CancellationToken cancellationToken)
    {
        using Activity? activity = RateLimitingTracing.StartAcquire(Key, permitCount);
        bool queued = false;
        long start = 0;
        CancellationTokenSource? wait = null;
        try
        {
            while (true)
            {
                RedisRateLimitLease lease;
                if (!_database.IsConnected(_redisKey, WriteFlags))
                {
                    lease = Unavailable(activity, error: null);
                }
                else
                {
                    try
                    {
                        RedisResult result = await RedisTokenBucketScript.Script.EvaluateAsync(_database, _keys, Arguments(permitCount), WriteFlags)
                            .ConfigureAwait(false);
                        lease = Decide(result);
                    }
                    catch (Exception ex) when (IsRedisFailure(ex))
                    {
                        lease = Unavailable(activity, ex);
                    }
                }

                if (lease.IsAcquired || lease.RetryAfter is not { } retryAfter)
                {
                    if (queued)
                    {
                        RateLimitingMetrics.RecordQueued(lease.IsAcquired ? "acquired" : "rejected", Stopwatch.GetElapsedTime(start));
                    }

                    return Complete(lease, activity);
                }

                if (!queued)
                {
                    if (permitCount == 0 || _queueLimit == 0)
                    {
                        return Complete(lease, activity);
                    }

                    if (Interlocked.Add(ref _queuedPermits, permitCount) > _queueLimit)
                    {
                        Interlocked.Add(ref _queuedPermits, -permitCount);
                        return Complete(lease, activity);
                    }

                    queued = true;
                    start = Stopwatch.GetTimestamp();
                    wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
                }

                RateLimitingTracing.Queued(activity, retryAfter);
                try
                {
                    await Task.Delay(retryAfter < MinQueueDelay ? MinQueueDelay : retryAfter, wait!.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        RateLimitingMetrics.RecordQueued("canceled", Stopwatch.GetElapsedTime(start));
                        throw new OperationCanceledException(cancellationToken);
                    }

                    RateLimitingMetrics.RecordQueued("rejected", Stopwatch.GetElapsedTime(start));
                    return Complete(RedisRateLimitLease.Refused, activity); // disposed while queued
                }
            }
        }
        finally
        {
            if (queued)
            {
                Interlocked.Add(ref _queuedPermits, -permitCount);
                wait!.Dispose();
                Touch();
            }
        }
    }

    /// <summary>Completes queued requests with failed leases; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    protected override void Dispose(bool disposing)
    {
        DisposeCore();
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    protected override ValueTask DisposeAsyncCore()
    {
        DisposeCore();
        return default;
    }

    private void DisposeCore()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Not disposed itself: waiters may still be linking to its token; it has no timer to free.
            _disposing.Cancel();
        }
    }

    private RedisRateLimitLease Decide(RedisResult result)
    {
        (bool granted, long available, long retryMicros) = RedisTokenBucketScript.Parse(result);
        Interlocked.Exchange(ref _available, available);
        return granted ? RedisRateLimitLease.Acquired : RedisRateLimitLease.Rejected(TimeSpan.FromTicks(retryMicros * 10));
    }

    private RedisRateLimitLease Unavailable(Activity? activity, Exception? error)
    {
        bool allow = _whenUnavailable == RedisUnavailableBehavior.Allow;
        string why = error switch
        {
            null => "disconnected",
            TimeoutException => "timeout", // RedisTimeoutException is one
            _ => "error",
        };
        RateLimitingMetrics.RecordUnavailable(allow, why);
        RateLimitingTracing.Unavailable(activity, error);
        _outageLog?.Report(Key, why, allow, error);
        return RedisRateLimitLease.Unavailable(allow, why);
    }

    private RedisRateLimitLease Complete(RedisRateLimitLease lease, Activity? activity)
    {
        Interlocked.Increment(ref lease.IsAcquired ? ref _successful : ref _failed);
        RateLimitingMetrics.RecordLease(lease.IsAcquired);
        RateLimitingTracing.Completed(activity, lease.IsAcquired);
        return lease;
    }

    private RedisValue[] Arguments(int permitCount) =>
        permitCount == 1 ? _argsForOne : [_argsForOne[0], _argsForOne[1], _argsForOne[2], permitCount, _argsForOne[4]];

    private void CheckPermitCount(int permitCount)
    {
        if (permitCount > _tokenLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount,
                $"{permitCount} permits can never be granted: the bucket holds at most {_tokenLimit} (TokenLimit).");
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastUsed, Stopwatch.GetTimestamp());

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException;
}
