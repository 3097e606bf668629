namespace Steadfast.Queues.Internal;

/// <summary>Argument checks shared by every queue backend, so they all throw the same documented exceptions.</summary>
internal static class QueueArguments
{
    public static TOptions Validate<TOptions>(TOptions options)
        where TOptions : QueueOptions
    {
        if (options.VisibilityTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueOptions.VisibilityTimeout), options.VisibilityTimeout,
                "QueueOptions.VisibilityTimeout must be positive.");
        }

        if (options.MaxDeliveries <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueOptions.MaxDeliveries), options.MaxDeliveries,
                "QueueOptions.MaxDeliveries must be positive.");
        }

        if (options.DeadLetterCapacity <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueOptions.DeadLetterCapacity), options.DeadLetterCapacity,
                "QueueOptions.DeadLetterCapacity must be positive.");
        }

        return options;
    }

    public static void ValidateMessage<T>(T message)
    {
        if (message is null)
        {
            throw new ArgumentNullException(nameof(message), "A queue message must not be null.");
        }
    }

    /// <summary>Enumerates the batch once, into an array, and checks it holds no null message.</summary>
    public static T[] ValidateBatch<T>(IEnumerable<T> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        T[] batch = messages.ToArray();
        foreach (T message in batch)
        {
            if (message is null)
            {
                throw new ArgumentException("A batch must not contain null messages.", nameof(messages));
            }
        }

        return batch;
    }

    public static void ValidateWait(TimeSpan wait)
    {
        if (wait < TimeSpan.Zero && wait != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(wait), wait, "The wait must be zero, positive or Timeout.InfiniteTimeSpan.");
        }
    }

    /// <summary>Validates a nack delay and resolves it: zero when null, capped at the visibility timeout.</summary>
    public static TimeSpan ResolveRedeliverAfter(TimeSpan? redeliverAfter, TimeSpan visibilityTimeout)
    {
        if (redeliverAfter is not { } delay)
        {
            return TimeSpan.Zero;
        }

        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(redeliverAfter), delay, "redeliverAfter must not be negative.");
        }

        return delay > visibilityTimeout ? visibilityTimeout : delay;
    }

    /// <summary>Validates a deferral's delay and resolves it: capped at the visibility timeout, which infinite also means.</summary>
    public static TimeSpan ResolveDeferDelay(TimeSpan delay, TimeSpan visibilityTimeout)
    {
        if (delay == Timeout.InfiniteTimeSpan)
        {
            return visibilityTimeout;
        }

        if (delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(delay), delay, "The delay must be zero, positive or Timeout.InfiniteTimeSpan.");
        }

        return delay > visibilityTimeout ? visibilityTimeout : delay;
    }
}
