using System.Diagnostics;

namespace Steadfast.Tests.Tracing;

/// <summary>Background timers (lease renewal, heartbeats, redelivery) do not run inside the span that created them.</summary>
[Collection(TracingTests.Name)]
public sealed class BackgroundTimerTests
{
    private static readonly AsyncLocal<string?> CallerValue = new();

    [Fact]
    public async Task A_detached_timer_runs_without_the_callers_activity_or_async_locals()
    {
        using var caller = new Activity("caller").Start();
        CallerValue.Value = "caller";

        var detached = await CallbackContextAsync(TimeProvider.System.CreateDetached);
        var captured = await CallbackContextAsync(TimeProvider.System.CreateTimer);

        Assert.Equal((null, null), detached);
        Assert.Equal(("caller", "caller"), captured); // The ordinary timer flows both: the difference is real.
        Assert.False(ExecutionContext.IsFlowSuppressed()); // Flow is restored for the caller.
    }

    [Fact]
    public async Task A_detached_timer_can_be_created_where_flow_is_already_suppressed()
    {
        using var caller = new Activity("caller").Start();
        Task<(string?, string?)> seen;
        using (ExecutionContext.SuppressFlow())
        {
            seen = CallbackContextAsync(TimeProvider.System.CreateDetached); // Runs synchronously up to its first await.
            Assert.True(ExecutionContext.IsFlowSuppressed()); // Left as the caller had it.
        }

        Assert.Equal((null, null), await seen);
    }

    private static async Task<(string? Activity, string? AsyncLocal)> CallbackContextAsync(
        Func<TimerCallback, object?, TimeSpan, TimeSpan, ITimer> create)
    {
        var seen = new TaskCompletionSource<(string?, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using ITimer timer = create(_ => seen.TrySetResult((Activity.Current?.OperationName, CallerValue.Value)), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        return await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
