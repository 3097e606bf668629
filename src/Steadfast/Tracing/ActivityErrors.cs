using System.Diagnostics;

namespace Steadfast;

/// <summary>How every Steadfast span reports a failure.</summary>
internal static class ActivityErrors
{
    /// <summary>OpenTelemetry's attribute for the class of error.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>
    /// Marks the span failed, described by the exception's type only: messages can carry keys or payloads, and the type
    /// is what dashboards group by.
    /// </summary>
    public static void SetError(this Activity activity, Exception exception) =>
        activity.SetError(exception.GetType().FullName ?? exception.GetType().Name);

    /// <summary>Marks the span failed with an error type of Steadfast's own (no exception: a missed quorum, no connection).</summary>
    public static void SetError(this Activity activity, string errorType)
    {
        activity.SetTag(ErrorTypeTag, errorType);
        activity.SetStatus(ActivityStatusCode.Error, errorType);
    }

    /// <summary>Marks the span (if any) failed by <paramref name="exception"/> and returns it, for <c>throw activity.RecordError(…)</c>.</summary>
    public static TException RecordError<TException>(this Activity? activity, TException exception)
        where TException : Exception
    {
        activity?.SetError(exception);
        return exception;
    }

    /// <summary>
    /// Whether <paramref name="exception"/> is the caller's own cancellation, which ends a span without marking it failed
    /// (the caller asked for it; the outcome tag says so).
    /// </summary>
    public static bool IsCancellationBy(this Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;
}
