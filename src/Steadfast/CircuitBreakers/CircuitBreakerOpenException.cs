namespace Steadfast.CircuitBreakers;

/// <summary>
/// Thrown instead of running the call when the circuit is <see cref="CircuitState.Open"/>,
/// <see cref="CircuitState.Isolated"/>, or <see cref="CircuitState.HalfOpen"/> with every probe slot taken.
/// </summary>
public sealed class CircuitBreakerOpenException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public CircuitBreakerOpenException()
        : this("The circuit is open; the call was not attempted.", TimeSpan.Zero)
    {
    }

    /// <summary>Creates the exception with a message and a retry hint.</summary>
    public CircuitBreakerOpenException(string message, TimeSpan retryAfter)
        : base(message)
    {
        RetryAfter = retryAfter;
    }

    internal CircuitBreakerOpenException(string? circuitName, CircuitState state, TimeSpan retryAfter)
        : base(CreateMessage(circuitName, state, retryAfter))
    {
        CircuitName = circuitName;
        State = state;
        RetryAfter = retryAfter;
    }

    /// <summary>
    /// How long until the circuit may let calls through again: the rest of the break when open, the break
    /// duration when half-open with every probe slot taken, <see cref="Timeout.InfiniteTimeSpan"/> when isolated.
    /// </summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>The name of the circuit that rejected the call, if it has one.</summary>
    public string? CircuitName { get; }

    /// <summary>The state the circuit was in when it rejected the call.</summary>
    public CircuitState State { get; } = CircuitState.Open;

    private static string CreateMessage(string? name, CircuitState state, TimeSpan retryAfter)
    {
        var circuit = name is null ? "The circuit" : $"Circuit '{name}'";
        return state switch
        {
            CircuitState.Isolated => $"{circuit} is isolated; calls are rejected until it is reset.",
            CircuitState.HalfOpen => $"{circuit} is half-open and its probe calls are in flight; retry after {retryAfter}.",
            _ => $"{circuit} is open; retry after {retryAfter}.",
        };
    }
}
