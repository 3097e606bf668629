using Steadfast.Chaos.History;
using Steadfast.Queues;

namespace Steadfast.Chaos.Workloads;

/// <summary>
/// A producer: enqueues uniquely numbered messages, one at a time and now and then a batch, and records for each
/// whether the enqueue returned (acknowledged) or threw (unknown: it may or may not be stored).
/// </summary>
internal sealed class QueueProducer(string prefix, IReliableQueue<string> queue, QueueHistory history, ChaosSettings settings, int seed)
{
    private readonly Random _random = new(seed);
    private int _next;

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            bool batch = _random.Next(10) == 0;
            string[] ids = batch ? [NextId(), NextId(), NextId(), NextId(), NextId()] : [NextId()];
            long called = Clock.Now;
            bool acknowledged;
            try
            {
                // No cancellation: an enqueue stopped half-way would be an unknown outcome made by the run itself.
                if (batch)
                {
                    await queue.EnqueueBatchAsync(ids).ConfigureAwait(false);
                }
                else
                {
                    await queue.EnqueueAsync(ids[0]).ConfigureAwait(false);
                }

                acknowledged = true;
            }
            catch (RedisQueueException)
            {
                acknowledged = false;
            }

            long returned = Clock.Now;
            foreach (string id in ids)
            {
                history.Add(new EnqueueRecord(id, called, returned, acknowledged));
            }

            try
            {
                await Task.Delay(acknowledged ? settings.ProducerInterval : TimeSpan.FromMilliseconds(50), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string NextId() => $"{prefix}-{Interlocked.Increment(ref _next):D6}";
}
