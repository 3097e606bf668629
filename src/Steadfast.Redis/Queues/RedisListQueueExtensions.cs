using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Steadfast.Queues;

/// <summary>
/// Moving a consumer off a hand-rolled Redis list queue (RPOP/LPOP, which lose a message whose consumer dies) while its
/// producers keep pushing to the list. This is what the SF2002 code fix rewrites a pop to.
/// </summary>
public static class RedisListQueueExtensions
{
    // One queue per multiplexer, database, list, side and message type: a consumer with a stable name and a read-ahead
    // buffer that outlive the call. Weak on the multiplexer, so a disposed and collected multiplexer takes its queues along.
    private static readonly ConditionalWeakTable<IConnectionMultiplexer, ConcurrentDictionary<(int Database, string List, ListSide Side, Type Message), Lazy<object>>> Queues = new();

    /// <summary>
    /// The reliable queue that takes over the Redis list <paramref name="listKey"/>: a <see cref="RedisReliableQueue{T}"/>
    /// named after the list, which moves whatever producers push to the list into its stream before each read
    /// (<see cref="RedisQueueOptions.ImportFromList"/>). Deliveries are acknowledged, re-delivered after the visibility
    /// timeout when their consumer dies, and dead-lettered after <see cref="QueueOptions.MaxDeliveries"/>.
    /// </summary>
    /// <remarks>
    /// The queue is created on first use with the default options and shared by every caller in the process for the same
    /// multiplexer, database, list and message type; it lives as long as the multiplexer and is never disposed here. New
    /// code that owns its lifetime should construct <see cref="RedisReliableQueue{T}"/> itself (for example as a
    /// singleton in dependency injection) and move its producers to <see cref="IReliableQueue{T}.EnqueueAsync"/>.
    /// The queue works on the multiplexer's database with that number, so a key prefix added by
    /// <c>WithKeyPrefix</c> does not apply: pass the full key of the list (prefix included) on an unprefixed database.
    /// </remarks>
    /// <typeparam name="T">The message type: <see cref="string"/> takes list values as they are; others are deserialized
    /// from JSON.</typeparam>
    /// <param name="database">The database the list lives in (its multiplexer and database number are used).</param>
    /// <param name="listKey">The list's key; not empty.</param>
    /// <param name="popSide">The end the old consumers popped from: <see cref="ListSide.Right"/> for RPOP (LPUSH
    /// producers), <see cref="ListSide.Left"/> for LPOP (RPUSH producers).</param>
    /// <returns>The shared queue.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="database"/> or <paramref name="listKey"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="listKey"/> is empty, or <paramref name="popSide"/> is not a
    /// <see cref="ListSide"/>.</exception>
    public static RedisReliableQueue<T> AsReliableQueue<T>(this IDatabase database, string listKey, ListSide popSide = ListSide.Right)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(listKey);
        if (popSide is not (ListSide.Left or ListSide.Right))
        {
            throw new ArgumentException($"'{popSide}' is not a list side.", nameof(popSide));
        }

        var queues = Queues.GetValue(database.Multiplexer, static _ => new());
        Lazy<object> queue = queues.GetOrAdd(
            (database.Database, listKey, popSide, typeof(T)),
            static (key, multiplexer) => new Lazy<object>(() => new RedisReliableQueue<T>(multiplexer, key.List, new RedisQueueOptions
            {
                Database = key.Database,
                ImportFromList = key.List,
                ImportFromListSide = key.Side,
            })),
            database.Multiplexer);
        return (RedisReliableQueue<T>)queue.Value; // Lazy: two racing first callers get one queue, not two consumers.
    }
}
