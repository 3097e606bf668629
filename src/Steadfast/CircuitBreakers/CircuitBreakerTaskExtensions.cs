using System.Diagnostics.CodeAnalysis;

namespace Steadfast.CircuitBreakers;

/// <summary>
/// Runs <see cref="Task"/>-returning delegates (most client libraries' methods) through a <see cref="CircuitBreaker"/>.
/// </summary>
/// <remarks>
/// These are extension methods on purpose: C# considers an extension method only when no instance method applies, so
/// a lambda or method group returning <see cref="Task"/> / <see cref="Task{TResult}"/> lands here, while one
/// returning <see cref="ValueTask"/> / <see cref="ValueTask{TResult}"/>, an <c>async</c> lambda or a lambda that only
/// throws keeps binding to <see cref="CircuitBreaker.ExecuteAsync{T}"/> exactly as before: no call is ambiguous.
/// </remarks>
public static class CircuitBreakerTaskExtensions
{
    /// <summary>Runs a <see cref="Task{TResult}"/>-returning <paramref name="action"/> through the breaker.</summary>
    /// <typeparam name="T">The action's result.</typeparam>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The call, e.g. <c>ct =&gt; client.GetAsync(uri, ct)</c>.</param>
    /// <param name="cancellationToken">Passed to the action; a cancelled call is not a failure of the dependency.</param>
    /// <returns>The action's result; faulted with <see cref="CircuitBreakerOpenException"/> when the circuit rejected the call (the action did not run).</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public static ValueTask<T> ExecuteAsync<T>(this CircuitBreaker breaker, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.ExecuteAsync(ct => new ValueTask<T>(action(ct)), cancellationToken);
    }

    /// <summary>Runs a <see cref="Task"/>-returning <paramref name="action"/> through the breaker.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <param name="action">The call, e.g. <c>ct =&gt; client.SendAsync(message, ct)</c>.</param>
    /// <param name="cancellationToken">Passed to the action; a cancelled call is not a failure of the dependency.</param>
    /// <returns>Completes when the action does; faulted with <see cref="CircuitBreakerOpenException"/> when the circuit rejected the call (the action did not run).</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public static ValueTask ExecuteAsync(this CircuitBreaker breaker, Func<CancellationToken, Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        ArgumentNullException.ThrowIfNull(action);
        return breaker.ExecuteAsync(ct => new ValueTask(action(ct)), cancellationToken);
    }
}
