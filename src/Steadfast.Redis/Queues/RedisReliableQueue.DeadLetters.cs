using StackExchange.Redis;

namespace Steadfast.Queues;

// Reading the dead letters.
public sealed partial class RedisReliableQueue<T>
{
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
}
