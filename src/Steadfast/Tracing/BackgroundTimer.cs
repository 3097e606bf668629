namespace Steadfast;

/// <summary>Timers for work that outlives the call that started it (lease renewal, heartbeats, redelivery).</summary>
internal static class BackgroundTimer
{
    /// <summary>
    /// A timer that does not capture the caller's ExecutionContext: its callbacks run with no Activity.Current (so a
    /// renewal is not traced as part of the ended acquire span, and the span is not kept alive by the timer) and without
    /// the caller's other async-locals.
    /// </summary>
    public static ITimer CreateDetached(this TimeProvider time, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return time.CreateTimer(callback, state, dueTime, period);
        }
    }
}
