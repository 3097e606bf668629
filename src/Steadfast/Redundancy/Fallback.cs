using Microsoft.Extensions.Logging;
using Steadfast.CircuitBreakers;
using Steadfast.Internal;

namespace Steadfast.Redundancy;

/// <summary>Which path served a <see cref="Fallback.ExecuteAsync{T}"/> call.</summary>
public enum ServedBy
{
    /// <summary>The primary action.</summary>
    Primary = 0,

    /// <summary>The fallback: the result may be degraded (cached, default, partial).</summary>
    Fallback = 1,
}

/// <summary>Why the fallback served a call.</summary>
public enum FallbackReason
{
    /// <summary>It did not: the primary served.</summary>
    None = 0,

    /// <summary>The primary failed with a handled exception.</summary>
    Failure = 1,

    /// <summary>A circuit breaker was open, so the primary was not attempted.</summary>
    CircuitOpen = 2,
}

/// <summary>The result of a call with a fallback, saying which path served it.</summary>
/// <typeparam name="T">The result type.</typeparam>
/// <param name="Value">The result.</param>
/// <param name="ServedBy">Which path produced it.</param>
/// <param name="Reason">Why the fallback served (<see cref="FallbackReason.None"/> when the primary did).</param>
/// <param name="PrimaryException">What the primary threw (or the breaker's rejection), when the fallback served.</param>
public readonly record struct FallbackResult<T>(T Value, ServedBy ServedBy, FallbackReason Reason, Exception? PrimaryException)
{
    /// <summary>Whether the fallback served, so the value may be degraded.</summary>
    public bool IsDegraded => ServedBy == ServedBy.Fallback;
}

/// <summary>Settings of <see cref="Fallback.ExecuteAsync{T}"/>, checked by the call: a missing value throws an exception
/// whose ParamName is the option's name.</summary>
public sealed class FallbackOptions
{
    /// <summary>
    /// Which exceptions of the primary make the fallback serve. Others propagate. Default: every exception except
    /// <see cref="OperationCanceledException"/>. <see cref="CircuitBreakerOpenException"/> is always handled, and a
    /// cancellation of the caller's own token always propagates.
    /// </summary>
    public Func<Exception, bool> ShouldHandle { get; init; } = static ex => ex is not OperationCanceledException;

    /// <summary>An optional circuit breaker the primary runs through: while it is open the primary is not attempted
    /// and the fallback serves at once (<see cref="FallbackReason.CircuitOpen"/>).</summary>
    public CircuitBreaker? CircuitBreaker { get; init; }

    /// <summary>The name used as the metrics tag and in log messages. Optional.</summary>
    public string? Name { get; init; }

    /// <summary>Receives an event each time the fallback serves. Optional.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is missing; ParamName is the option's name.</summary>
    internal void Validate()
    {
        if (ShouldHandle is null)
        {
            throw OptionChecks.Missing(nameof(FallbackOptions), nameof(ShouldHandle));
        }
    }
}

/// <summary>Graceful degradation: run a primary action and, when it fails or its breaker is open, a fallback.</summary>
public static class Fallback
{
    /// <summary>
    /// Runs <paramref name="primary"/> (through <see cref="FallbackOptions.CircuitBreaker"/> when set); on a handled
    /// failure or an open circuit runs <paramref name="fallback"/> instead. An exception from the fallback propagates.
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="primary">The normal path.</param>
    /// <param name="fallback">The degraded path; it receives what the primary threw.</param>
    /// <param name="options">Handled exceptions, breaker, name, logger; defaults when null.</param>
    /// <param name="cancellationToken">Passed to both paths.</param>
    /// <returns>The value and which path served it.</returns>
    public static async ValueTask<FallbackResult<T>> ExecuteAsync<T>(
        Func<CancellationToken, ValueTask<T>> primary,
        Func<Exception, CancellationToken, ValueTask<T>> fallback,
        FallbackOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallback);
        options ??= Default;
        options.Validate();
        Exception failure;
        FallbackReason reason;
        try
        {
            T value = options.CircuitBreaker is { } breaker
                ? await breaker.ExecuteAsync(primary, cancellationToken).ConfigureAwait(false)
                : await primary(cancellationToken).ConfigureAwait(false);
            return new FallbackResult<T>(value, ServedBy.Primary, FallbackReason.None, null);
        }
        catch (CircuitBreakerOpenException open) when (!cancellationToken.IsCancellationRequested)
        {
            failure = open;
            reason = FallbackReason.CircuitOpen;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && options.ShouldHandle(ex))
        {
            failure = ex;
            reason = FallbackReason.Failure;
        }

        string tag = reason == FallbackReason.CircuitOpen ? "circuit_open" : "failure";
        RedundancyMetrics.RecordFallback(options.Name, tag);
        RedundancyLog.FallbackServed(options.Logger, options.Name, tag, failure);
        T degraded = await fallback(failure, cancellationToken).ConfigureAwait(false);
        return new FallbackResult<T>(degraded, ServedBy.Fallback, reason, failure);
    }

    private static readonly FallbackOptions Default = new();
}
