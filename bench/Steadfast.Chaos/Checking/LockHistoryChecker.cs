using Steadfast.Chaos.History;

namespace Steadfast.Chaos.Checking;

/// <summary>
/// Checks a lock history: fencing tokens are unique and never go back, no two holders overlap unless the later one
/// has the greater token, no lock is granted while an honest holder still holds it (zombies, which ignore Lost, may be
/// overtaken), and the resource refused every write of a holder once a greater token had written.
/// </summary>
internal static class LockHistoryChecker
{
    public static IReadOnlyList<LockAnomaly> Check(IReadOnlyList<LockHold> holds, IReadOnlyList<RegisterWrite> writes, DataLossAllowance allowance)
    {
        var anomalies = new List<LockAnomaly>();
        foreach (IGrouping<string, LockHold> name in holds.GroupBy(h => h.Name, StringComparer.Ordinal))
        {
            LockHold[] byAcquired = [.. name.OrderBy(h => h.Acquired)];
            CheckPairs(byAcquired, allowance, anomalies);
        }

        CheckRegister(holds, writes, allowance, anomalies);
        return anomalies;
    }

    // Holds of one name in acquire order; every earlier/later pair is compared (a few thousand per name at most).
    private static void CheckPairs(LockHold[] byAcquired, DataLossAllowance allowance, List<LockAnomaly> anomalies)
    {
        for (int j = 0; j < byAcquired.Length; j++)
        {
            LockHold later = byAcquired[j];
            for (int i = 0; i < j; i++)
            {
                LockHold earlier = byAcquired[i];
                LockAnomalyKind? kind = null;
                if (earlier.Token == later.Token)
                {
                    kind = LockAnomalyKind.DuplicateToken;
                }
                else if (later.AcquireCalled > earlier.Acquired && later.Token < earlier.Token)
                {
                    kind = LockAnomalyKind.TokenWentBack;
                }
                else if (earlier.End > later.Acquired && later.Token <= earlier.Token)
                {
                    kind = LockAnomalyKind.OverlapWithoutGreaterToken;
                }
                else if (!earlier.Zombie && later.AcquireCalled > earlier.Acquired && later.Acquired < BeliefEnd(earlier))
                {
                    kind = LockAnomalyKind.GrantedTwice;
                }

                if (kind is { } k)
                {
                    anomalies.Add(new LockAnomaly(k, earlier, later, allowance.Covers(earlier.Acquired, later.Acquired)));
                }
            }
        }
    }

    // Until when an honest holder believed it held the lock: its release or its Lost, whichever came first.
    private static long BeliefEnd(LockHold hold) => hold.LostAt is { } lost && lost < hold.End ? lost : hold.End;

    // In the register's own order, per name: once a token has been taken, a smaller one must never be taken again.
    private static void CheckRegister(IReadOnlyList<LockHold> holds, IReadOnlyList<RegisterWrite> writes, DataLossAllowance allowance,
        List<LockAnomaly> anomalies)
    {
        Dictionary<long, LockHold> byId = holds.ToDictionary(h => h.Id);
        var highest = new Dictionary<string, RegisterWrite>(StringComparer.Ordinal);
        foreach (RegisterWrite write in writes.Where(w => w.Accepted).OrderBy(w => w.Sequence))
        {
            if (highest.TryGetValue(write.Name, out RegisterWrite? top) && write.Token < top.Token)
            {
                if (byId.TryGetValue(write.HoldId, out LockHold? stale) && byId.TryGetValue(top.HoldId, out LockHold? newer))
                {
                    anomalies.Add(new LockAnomaly(LockAnomalyKind.StaleWriteAccepted, stale, newer, allowance.Covers(stale.Acquired, newer.Acquired)));
                }

                continue;
            }

            highest[write.Name] = write;
        }
    }
}
