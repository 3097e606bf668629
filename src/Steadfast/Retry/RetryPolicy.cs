using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Steadfast.CircuitBreakers;

namespace Steadfast.Retry;

/// <summary>
/// Retries a failing call a bounded number of times with jittered exponential backoff, waiting through the
/// <see cref="TimeProvider"/> and honouring cancellation during the waits.
/// </summary>
/// <remarks>
/// Composes with <see cref="CircuitBreaker"/>: <c>retry.ExecuteAsync(ct =&gt; breaker.ExecuteAsync(action, ct), ct)</c>.
/// A <see cref="CircuitBreakerOpenException"/> is not retried straight away: the next attempt waits at least its
/// <see cref="CircuitBreakerOpenException.RetryAfter"/>, and if that is longer than <see cref="RetryOptions.MaxDelay"/>
/// (or infinite, for an isolated circuit) the exception is rethrown at once.
/// <para>
/// Delegates returning <see cref="ValueTask"/> / <see cref="ValueTask{TResult}"/> bind to the methods here;
/// <see cref="Task"/>-returning ones bind to <see cref="RetryPolicyTaskExtensions"/> (the compiler looks there only
/// when no method here applies, so no lambda is ever ambiguous); synchronous ones go to
/// <see cref="Execute{T}(Func{CancellationToken, T}, CancellationToken)"/>.
/// </para>
/// </remarks>
public sealed class RetryPolicy
{
    private readonly RetryOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;

    /// <summary>Creates a policy.</summary>
    /// <param name="options">Attempts, delays and what to retry.</param>
    /// <param name="timeProvider">The clock the delays run on; <see cref="TimeProvider.System"/> by default.</param>
    public RetryPolicy(RetryOptions options, TimeProvider? timeProvider = null)
        : this(options, timeProvider, random: null)
    {
    }

    /// <summary>Test seam: <paramref name="random"/> returns values in [0, 1).</summary>
    internal RetryPolicy(RetryOptions options, TimeProvider? timeProvider, Func<double>? random)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>Runs <paramref name="action"/>, retrying handled failures.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, possibly during a delay.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public async ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        using Activity? activity = RetryTracing.Start();
        var previousDelay = TimeSpan.Zero;
        var attempt = 1;
        try
        {
            for (; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan delay;
                try
                {
                    T result = await action(cancellationToken).ConfigureAwait(false);
                    RetryTracing.Succeeded(activity, attempt);
                    return result;
                }
                catch (Exception ex) when (ShouldRetry(ex, attempt, previousDelay, cancellationToken, activity, out delay))
                {
                }

                previousDelay = delay;
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            RetryTracing.Failed(activity, ex, attempt, cancellationToken);
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/>, retrying handled failures.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, possibly during a delay.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public async ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        using Activity? activity = RetryTracing.Start();
        var previousDelay = TimeSpan.Zero;
        var attempt = 1;
        try
        {
            for (; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan delay;
                try
                {
                    await action(cancellationToken).ConfigureAwait(false);
                    RetryTracing.Succeeded(activity, attempt);
                    return;
                }
                catch (Exception ex) when (ShouldRetry(ex, attempt, previousDelay, cancellationToken, activity, out delay))
                {
                }

                previousDelay = delay;
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            RetryTracing.Failed(activity, ex, attempt, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Runs a synchronous <paramref name="action"/>, retrying handled failures. The calling thread runs every attempt
    /// and is blocked during the delays (which still run on the <see cref="TimeProvider"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, possibly during a delay.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public T Execute<T>(Func<CancellationToken, T> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        using Activity? activity = RetryTracing.Start();
        var previousDelay = TimeSpan.Zero;
        var attempt = 1;
        try
        {
            for (; ; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TimeSpan delay;
                try
                {
                    T result = action(cancellationToken);
                    RetryTracing.Succeeded(activity, attempt);
                    return result;
                }
                catch (Exception ex) when (ShouldRetry(ex, attempt, previousDelay, cancellationToken, activity, out delay))
                {
                }

                previousDelay = delay;
                // Blocking is what a synchronous caller asked for; the delay itself stays on the TimeProvider.
                Task.Delay(delay, _time, cancellationToken).GetAwaiter().GetResult();
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            RetryTracing.Failed(activity, ex, attempt, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Runs a synchronous <paramref name="action"/> that returns nothing, retrying handled failures. The calling thread
    /// runs every attempt and is blocked during the delays.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, possibly during a delay.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public void Execute(Action<CancellationToken> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        Execute(
            ct =>
            {
                action(ct);
                return true;
            },
            cancellationToken);
    }

    /// <summary>Decides, inside the exception filter (so a rethrow keeps the original stack), whether and when to retry.</summary>
    private bool ShouldRetry(Exception exception, int attempt, TimeSpan previousDelay, CancellationToken cancellationToken, Activity? activity,
        out TimeSpan delay)
    {
        delay = default;
        if (attempt >= _options.MaxAttempts
            || (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            || !_options.ShouldHandle(exception))
        {
            return false;
        }

        delay = NextDelay(attempt, previousDelay);
        if (exception is CircuitBreakerOpenException open)
        {
            // Calling an open circuit again before RetryAfter is a guaranteed rejection; waiting longer than MaxDelay is not a retry.
            if (open.RetryAfter == Timeout.InfiniteTimeSpan || open.RetryAfter > _options.MaxDelay)
            {
                return false;
            }

            delay = open.RetryAfter > delay ? open.RetryAfter : delay;
        }

        _options.OnRetry?.Invoke(new RetryAttempt(attempt, exception, delay));
        RetryTracing.AttemptFailed(activity, attempt, exception, delay);
        return true;
    }

    /// <summary>The backoff before retry number <paramref name="failedAttempt"/>, capped at MaxDelay.</summary>
    internal TimeSpan NextDelay(int failedAttempt, TimeSpan previousDelay)
    {
        var baseTicks = (double)_options.BaseDelay.Ticks;
        var maxTicks = (double)_options.MaxDelay.Ticks;
        double ticks;
        if (_options.Jitter == RetryJitter.Decorrelated)
        {
            var upper = Math.Min(maxTicks, Math.Max(baseTicks, previousDelay.Ticks * 3.0));
            ticks = baseTicks + (_random() * (upper - baseTicks));
        }
        else
        {
            // 2^(n-1) overflows nothing here: Math.Pow saturates to infinity and Min caps it.
            var ceiling = Math.Min(maxTicks, baseTicks * Math.Pow(2, failedAttempt - 1));
            ticks = _random() * ceiling;
        }

        return TimeSpan.FromTicks((long)Math.Min(ticks, maxTicks));
    }
}
