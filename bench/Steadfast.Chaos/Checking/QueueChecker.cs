using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Checking;

/// <summary>
/// Checks a queue history against what the application recorded: every enqueue that returned was delivered and its
/// effect applied (once, by the dedupe); nothing was applied that no producer sent; every delivery was acknowledged.
/// </summary>
internal static class QueueChecker
{
    public static QueueCheck Check(IReadOnlyList<EnqueueRecord> enqueues, QueueOutcome outcome, DataLossAllowance allowance)
    {
        var lost = new List<string>();
        var lostWithinWindow = new List<string>();
        long acknowledged = 0;
        long failed = 0;
        long failedButStored = 0;
        var sent = new HashSet<string>(StringComparer.Ordinal);
        foreach (EnqueueRecord record in enqueues)
        {
            sent.Add(record.Id);
            if (!record.Acknowledged)
            {
                failed++;
                if (outcome.Applied.Contains(record.Id))
                {
                    failedButStored++;
                }

                continue;
            }

            acknowledged++;
            if (!outcome.Applied.Contains(record.Id))
            {
                (allowance.Covers(record.Returned) ? lostWithinWindow : lost).Add(record.Id);
            }
        }

        List<string> phantoms = [.. outcome.Applied.Where(id => !sent.Contains(id)).Order(StringComparer.Ordinal)];
        long deliveries = outcome.Deliveries.Values.Sum();
        return new QueueCheck(
            acknowledged,
            failed,
            failedButStored,
            outcome.Applied.Count,
            deliveries,
            deliveries - outcome.Applied.Count,
            outcome.Acks.Values.Sum(),
            lost,
            lostWithinWindow,
            phantoms,
            outcome.Pending,
            outcome.DeadLetters);
    }
}
