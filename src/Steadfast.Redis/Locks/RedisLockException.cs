using StackExchange.Redis;

namespace Steadfast.Locks;

/// <summary>
/// A lock operation could not reach Redis or Redis refused it. The inner exception is StackExchange.Redis's own
/// (for example <see cref="RedisConnectionException"/> or <see cref="RedisTimeoutException"/>).
/// </summary>
public sealed class RedisLockException : RedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public RedisLockException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RedisLockException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
