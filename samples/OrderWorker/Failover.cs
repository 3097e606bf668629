using System.Diagnostics;

namespace OrderWorker;

/// <summary>The unsafe sample timed a switchover with DateTime.Now; a monotonic clock cannot jump.</summary>
public static class Failover
{
    public static async Task<TimeSpan> TimeSwitchAsync(Func<CancellationToken, Task> switchToStandby, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        await switchToStandby(cancellationToken);
        return Stopwatch.GetElapsedTime(start);
    }

    public static async Task<bool> WaitForStandbyAsync(Func<Task<bool>> isHealthy, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < timeout)
        {
            if (await isHealthy())
                return true;
            await Task.Delay(50, cancellationToken);
        }

        return false;
    }
}
