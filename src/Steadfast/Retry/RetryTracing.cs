using System.Diagnostics;

namespace Steadfast.Retry;

/// <summary>The span of <see cref="RetryPolicy"/> (documented in docs/circuit-breakers.md, "Tracing").</summary>
internal static class RetryTracing
{
    public const string ExecuteActivity = "steadfast.retry";
    public const string AttemptFailedEvent = "steadfast.retry.attempt_failed";

    /// <summary>On the span: attempts made. On an event: the number of the attempt that failed.</summary>
    public const string AttemptsTag = "steadfast.retry.attempts";
    public const string AttemptTag = "steadfast.retry.attempt";
    public const string DelayTag = "steadfast.retry.delay";
    public const string OutcomeTag = "steadfast.retry.outcome";

    public static Activity? Start() => SteadfastTracing.Source.StartActivity(ExecuteActivity, ActivityKind.Internal);

    /// <summary>An attempt failed and another follows after <paramref name="delay"/>.</summary>
    public static void AttemptFailed(Activity? activity, int attempt, Exception exception, TimeSpan delay)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            return;
        }

        activity.AddEvent(new ActivityEvent(AttemptFailedEvent, tags: new ActivityTagsCollection
        {
            { AttemptTag, attempt },
            { ActivityErrors.ErrorTypeTag, exception.GetType().FullName },
            { DelayTag, delay.TotalSeconds },
        }));
    }

    public static void Succeeded(Activity? activity, int attempts)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(AttemptsTag, attempts);
            activity.SetTag(OutcomeTag, "succeeded");
        }
    }

    /// <summary>The policy gave up (or was cancelled) after <paramref name="attempts"/> attempts.</summary>
    public static void Failed(Activity activity, Exception exception, int attempts, CancellationToken cancellationToken)
    {
        activity.SetTag(AttemptsTag, attempts);
        if (exception.IsCancellationBy(cancellationToken))
        {
            activity.SetTag(OutcomeTag, "canceled");
            return;
        }

        activity.SetTag(OutcomeTag, "failed");
        activity.SetError(exception);
    }
}
