namespace Steadfast.Locks;

/// <summary>Thrown by <c>Acquire</c>/<c>AcquireAsync</c> when the lock was not free within the wait timeout.</summary>
public sealed class LockTimeoutException : TimeoutException
{
    /// <summary>Creates the exception with a default message.</summary>
    public LockTimeoutException()
        : base("The lock was not acquired within the wait timeout.")
    {
        Name = string.Empty;
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public LockTimeoutException(string message)
        : base(message)
    {
        Name = string.Empty;
    }

    /// <summary>Creates the exception with a message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public LockTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Name = string.Empty;
    }

    /// <summary>Creates the exception for a lock name and timeout.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="waitTimeout">The wait timeout that ran out.</param>
    public LockTimeoutException(string name, TimeSpan waitTimeout)
        : base($"The lock '{name}' was not acquired within {waitTimeout}.")
    {
        Name = name;
        WaitTimeout = waitTimeout;
    }

    /// <summary>The lock's name (empty when unknown).</summary>
    public string Name { get; }

    /// <summary>The wait timeout that ran out.</summary>
    public TimeSpan WaitTimeout { get; }
}
