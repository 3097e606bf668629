using System.Runtime.CompilerServices;

namespace Steadfast.Queues.Internal;

/// <summary>The <c>await foreach</c> loop shared by every backend.</summary>
internal static class QueueConsumption
{
    public static async IAsyncEnumerable<IDelivery<T>> ConsumeAsync<T>(
        IReliableQueue<T> queue, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            IDelivery<T>? delivery = await queue.DequeueAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            if (delivery is not null)
            {
                yield return delivery;
            }
        }
    }
}
