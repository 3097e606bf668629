using System.Diagnostics.CodeAnalysis;

namespace Steadfast.Retry;

/// <summary>
/// Runs <see cref="Task"/>-returning delegates (most client libraries' methods) through a <see cref="RetryPolicy"/>.
/// </summary>
/// <remarks>
/// These are extension methods on purpose: C# considers an extension method only when no instance method applies, so
/// a lambda or method group returning <see cref="Task"/> / <see cref="Task{TResult}"/> lands here, while one
/// returning <see cref="ValueTask"/> / <see cref="ValueTask{TResult}"/>, an <c>async</c> lambda or a lambda that only
/// throws keeps binding to <see cref="RetryPolicy.ExecuteAsync{T}"/> exactly as before: no call is ambiguous.
/// </remarks>
public static class RetryPolicyTaskExtensions
{
    /// <summary>Runs a <see cref="Task{TResult}"/>-returning <paramref name="action"/>, retrying handled failures.</summary>
    /// <typeparam name="T">The action's result.</typeparam>
    /// <param name="policy">The policy.</param>
    /// <param name="action">The call, e.g. <c>ct =&gt; client.GetAsync(uri, ct)</c>; each attempt calls it again.</param>
    /// <param name="cancellationToken">Passed to every attempt and honoured during the delays.</param>
    /// <returns>The first successful attempt's result.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, possibly during a delay.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public static ValueTask<T> ExecuteAsync<T>(this RetryPolicy policy, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(action);
        return policy.ExecuteAsync(ct => new ValueTask<T>(action(ct)), cancellationToken);
    }

    /// <summary>Runs a <see cref="Task"/>-returning <paramref name="action"/>, retrying handled failures.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="action">The call, e.g. <c>ct =&gt; client.SendAsync(message, ct)</c>; each attempt calls it again.</param>
    /// <param name="cancellationToken">Passed to every attempt and honoured during the delays.</param>
    /// <returns>Completes when an attempt succeeds.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled, possibly during a delay.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Overloads by the action's result type; the optional token follows the BCL.")]
    public static ValueTask ExecuteAsync(this RetryPolicy policy, Func<CancellationToken, Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(action);
        return policy.ExecuteAsync(ct => new ValueTask(action(ct)), cancellationToken);
    }
}
