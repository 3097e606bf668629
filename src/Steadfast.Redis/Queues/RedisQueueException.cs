using StackExchange.Redis;

namespace Steadfast.Queues;

/// <summary>
/// A queue operation could not reach Redis or Redis refused it. The inner exception is StackExchange.Redis's own (for
/// example <see cref="RedisConnectionException"/> or <see cref="RedisTimeoutException"/>). When it is thrown by an
/// enqueue, the message may or may not have been stored.
/// </summary>
public sealed class RedisQueueException : RedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public RedisQueueException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RedisQueueException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
