using StackExchange.Redis;
using Steadfast.Queues;

namespace Steadfast.Hosting.Health;

/// <summary>Reads <see cref="QueueStats"/> from either backend's public surface.</summary>
internal static class QueueStatsReader
{
    public static async Task<QueueStats> ReadAsync<T>(IReliableQueue<T> queue, Func<IConnectionMultiplexer> multiplexer, CancellationToken cancellationToken)
    {
        switch (queue)
        {
            case InMemoryReliableQueue<T> memory:
                // Pending = ready + in flight + waiting out a nack or deferral delay; read apart, so clamp the difference.
                int inFlight = memory.InFlightCount;
                return new QueueStats(Math.Max(0, memory.PendingCount - inFlight), inFlight, memory.OldestPendingAge, memory.GetDeadLetters().Count);
            case RedisReliableQueue<T> redis:
                RedisResult result = await multiplexer().GetDatabase()
                    .ScriptEvaluateAsync(RedisQueueStatsScript.Source, [redis.StreamKey, redis.DeadLetterKey], [redis.ConsumerGroup])
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                var values = (RedisResult[])result!;
                long ageMs = (long)values[2];
                return new QueueStats((long)values[0], (long)values[1], ageMs < 0 ? null : TimeSpan.FromMilliseconds(ageMs), (long)values[3]);
            default:
                throw new NotSupportedException($"The queue's health cannot be read from a {queue.GetType().Name}.");
        }
    }
}
