namespace UnsafeOrderWorker;

/// <summary>The seed's "how do we know the switch succeeded" check.</summary>
public static class Failover
{
    public static string CheckSystem()
    {
        var startTime = DateTime.Now;
        Thread.Sleep(1000); // "simulate the switch"
        var endTime = DateTime.Now;
        // BUG (SF4002): a switchover timed with the wall clock; an NTP step or DST change decides the verdict.
        return endTime - startTime < TimeSpan.FromSeconds(2) ? "System switch successful." : "System switch failed.";
    }

    public static async Task<bool> WaitForStandbyAsync(Func<Task<bool>> isHealthy, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        // BUG (SF4002): a deadline on the wall clock never ends if the clock is set back.
        while (DateTime.UtcNow < deadline)
        {
            if (await isHealthy())
                return true;
            await Task.Delay(100);
        }

        return false;
    }
}
