using System.Globalization;
using StackExchange.Redis;
using Steadfast.Redis;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Shares circuit trips through Redis. A trip is stored under <c>{prefix}{name}</c> with a PX expiry equal to the
/// break and published on <c>{prefix}{name}:changes</c>, in one script, so subscribed breakers open within a
/// message's latency. A recovery deletes the key and publishes <c>closed</c>. Keys are hash-tagged by circuit name
/// (one Cluster slot per circuit).
/// </summary>
/// <remarks>
/// The remaining break travels as a duration (the key's TTL on the server), so processes need no synchronised clocks.
/// Notifications are delivered to each subscriber in order. Calls fail with StackExchange.Redis's exceptions within
/// the multiplexer's timeouts, or with <see cref="OperationCanceledException"/> as soon as the token is cancelled;
/// <see cref="CircuitBreaker"/> catches both and carries on in-process.
/// </remarks>
public sealed class RedisCircuitStateStore : ICircuitStateStore
{
    /// <summary>The key prefix used when none is given.</summary>
    public const string DefaultKeyPrefix = "steadfast:circuit:";

    // KEYS[1] state key; ARGV[1] payload, ARGV[2] break (ms), ARGV[3] channel. Store and notify atomically,
    // so two publishes from one breaker can never reach subscribers in the wrong order.
    private static readonly RedisScript OpenScript = new("""
        redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('publish', ARGV[3], ARGV[1])
        return 1
        """);

    // KEYS[1] state key; ARGV[1] payload, ARGV[2] channel.
    private static readonly RedisScript CloseScript = new("""
        redis.call('del', KEYS[1])
        redis.call('publish', ARGV[2], ARGV[1])
        return 1
        """);

    // KEYS[1] state key. Returns { payload or false, pttl }.
    private static readonly RedisScript ReadScript = new("""
        return { redis.call('get', KEYS[1]), redis.call('pttl', KEYS[1]) }
        """);

    private readonly IConnectionMultiplexer _multiplexer;
    private readonly string _prefix;

    /// <summary>Creates a store on an existing multiplexer (which the caller owns and disposes).</summary>
    /// <param name="multiplexer">The Redis connection.</param>
    /// <param name="keyPrefix">Prefix of every key and channel; <see cref="DefaultKeyPrefix"/> by default.</param>
    public RedisCircuitStateStore(IConnectionMultiplexer multiplexer, string? keyPrefix = null)
    {
        ArgumentNullException.ThrowIfNull(multiplexer);
        if (keyPrefix is not null && (keyPrefix.Contains('{') || keyPrefix.Contains('}')))
        {
            throw new ArgumentException("The key prefix must not contain '{' or '}': the circuit name is the hash tag.", nameof(keyPrefix));
        }

        _multiplexer = multiplexer;
        _prefix = keyPrefix ?? DefaultKeyPrefix;
    }

    /// <inheritdoc />
    public async ValueTask PublishAsync(string circuitName, SharedCircuitState state, CancellationToken cancellationToken)
    {
        ValidateName(circuitName);
        var database = _multiplexer.GetDatabase();
        var channel = ChannelName(circuitName);
        Task<RedisResult> call;
        switch (state.State)
        {
            case CircuitState.Open:
                var milliseconds = (long)state.RemainingBreak.TotalMilliseconds;
                if (milliseconds < 1)
                {
                    throw new ArgumentOutOfRangeException(nameof(state), state.RemainingBreak, "An open circuit's break must last at least 1 ms.");
                }

                call = OpenScript.EvaluateAsync(database, [Key(circuitName)], [Format(state), milliseconds, channel], CommandFlags.DemandMaster);
                break;
            case CircuitState.Closed:
                call = CloseScript.EvaluateAsync(database, [Key(circuitName)], [Format(state), channel], CommandFlags.DemandMaster);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(state), state.State, "Only Open and Closed are shared.");
        }

        await call.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<SharedCircuitState?> ReadAsync(string circuitName, CancellationToken cancellationToken)
    {
        ValidateName(circuitName);
        var result = await ReadScript.EvaluateAsync(_multiplexer.GetDatabase(), [Key(circuitName)], [], CommandFlags.None)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])result!;
        var remaining = (long)parts[1];
        // The TTL is the rest of the break; no key (-2) means not open anywhere.
        return remaining > 0 && Parse((RedisValue)parts[0]) is { State: CircuitState.Open } stored
            ? new SharedCircuitState(CircuitState.Open, TimeSpan.FromMilliseconds(remaining), stored.Source)
            : null;
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> SubscribeAsync(string circuitName, Action<SharedCircuitState> onChange, CancellationToken cancellationToken)
    {
        ValidateName(circuitName);
        ArgumentNullException.ThrowIfNull(onChange);
        // A message queue (rather than a handler) delivers notifications one at a time, in order.
        var queue = await _multiplexer.GetSubscriber().SubscribeAsync(Channel(circuitName)).WaitAsync(cancellationToken).ConfigureAwait(false);
        queue.OnMessage(message =>
        {
            if (Parse(message.Message) is { } state)
            {
                onChange(state);
            }
        });
        return new CircuitStateSubscription(queue);
    }

    internal RedisKey Key(string circuitName) => $"{_prefix}{{{circuitName}}}";

    internal RedisChannel Channel(string circuitName) => RedisChannel.Literal(ChannelName(circuitName));

    private string ChannelName(string circuitName) => $"{_prefix}{{{circuitName}}}:changes";

    /// <summary><c>open|&lt;break ms&gt;|&lt;source&gt;</c> or <c>closed|0|&lt;source&gt;</c>.</summary>
    private static string Format(SharedCircuitState state) => string.Create(
        CultureInfo.InvariantCulture,
        $"{(state.State == CircuitState.Open ? "open" : "closed")}|{(long)state.RemainingBreak.TotalMilliseconds}|{state.Source}");

    private static SharedCircuitState? Parse(RedisValue value)
    {
        var parts = ((string?)value)?.Split('|');
        if (parts is not { Length: 3 }
            || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var milliseconds))
        {
            return null; // not ours: ignore rather than fail a breaker
        }

        var source = parts[2].Length == 0 ? null : parts[2];
        return parts[0] switch
        {
            "open" => new SharedCircuitState(CircuitState.Open, TimeSpan.FromMilliseconds(milliseconds), source),
            "closed" => new SharedCircuitState(CircuitState.Closed, TimeSpan.Zero, source),
            _ => null,
        };
    }

    private static void ValidateName(string circuitName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(circuitName);
        if (circuitName.Contains('{') || circuitName.Contains('}') || circuitName.Contains('|'))
        {
            throw new ArgumentException("A circuit name must not contain '{', '}' (it is the Redis hash tag) or '|'.", nameof(circuitName));
        }
    }
}
