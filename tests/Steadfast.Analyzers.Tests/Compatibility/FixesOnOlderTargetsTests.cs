using Steadfast.Analyzers.Locks;
using Steadfast.Analyzers.Queues;
using Steadfast.Analyzers.Resilience;
using Steadfast.Analyzers.SharedState;
using Steadfast.Analyzers.Tests.Verifiers;
using SF1004 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1004LockAcquisitionResultIgnoredAnalyzer,
    Steadfast.Analyzers.Locks.SF1004LockAcquisitionResultIgnoredFixer>;
using SF2002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesAnalyzer,
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesFixer>;
using SF3001 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzer,
    Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyFixer>;
using SF4002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockAnalyzer,
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockFixer>;

namespace Steadfast.Analyzers.Tests.Compatibility;

/// <summary>
/// Fixes applied in projects older than .NET 8: a fix writes only what the compilation it runs in has (types, members,
/// the StackExchange.Redis version's commands) and syntax its C# version accepts — an older equivalent, or no fix.
/// </summary>
public sealed class FixesOnOlderTargetsTests
{
    // ---- SF4002: Stopwatch.GetElapsedTime is .NET 7+; before it, a running Stopwatch ----

    [Fact]
    public Task SF4002_NetStandard20_StartBecomesARunningStopwatch() => SF4002.VerifyFixForTargetAsync("""
        using System;
        class Poller
        {
            bool TimedOut(int timeoutMs)
            {
                DateTime began = DateTime.UtcNow;
                Work();
                return ([|DateTime.UtcNow - began|]).TotalMilliseconds > timeoutMs;
            }
            void Work() { }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Poller
        {
            bool TimedOut(int timeoutMs)
            {
                Stopwatch began = Stopwatch.StartNew();
                Work();
                return began.Elapsed.TotalMilliseconds > timeoutMs;
            }
            void Work() { }
        }
        """, FixTarget.NetStandard20WithRedis21, SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task SF4002_Net60_DeadlineBecomesElapsedOfAStopwatch() => SF4002.VerifyFixForTargetAsync("""
        using System;
        using System.Threading;
        class Waiter
        {
            void WaitFor(Func<bool> ready)
            {
                var deadline = DateTime.Now.AddSeconds(30);
                while (!ready() && [|DateTime.Now < deadline|])
                    Thread.Sleep(100);
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading;
        class Waiter
        {
            void WaitFor(Func<bool> ready)
            {
                var deadlineStart = Stopwatch.StartNew();
                while (!ready() && deadlineStart.Elapsed < TimeSpan.FromSeconds(30))
                    Thread.Sleep(100);
            }
        }
        """, FixTarget.Net60WithRedis21);

    [Fact]
    public Task SF4002_Net472_EndMinusStart_TimestampsAndTheirDifferenceInTicks() => SF4002.VerifyFixForTargetAsync("""
        using System;
        class Job
        {
            TimeSpan Run()
            {
                var begin = DateTime.Now;
                Work();
                var end = DateTime.Now;
                return [|end - begin|];
            }
            void Work() { }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Job
        {
            TimeSpan Run()
            {
                var begin = Stopwatch.GetTimestamp();
                Work();
                var end = Stopwatch.GetTimestamp();
                return TimeSpan.FromTicks((long)((end - begin) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
            }
            void Work() { }
        }
        """, FixTarget.Net472WithRedis21, SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    // ---- SF3001: no System.Threading.Lock before .NET 9, no `new()` before C# 9 ----

    [Fact]
    public Task SF3001_CSharp73_LockObjectIsCreatedWithItsType() => SF3001.VerifyFixForTargetAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Collector
        {
            private readonly List<string> _seen = new List<string>();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => [|_seen.Add(item)|]);
            public int Count => _seen.Count;
        }
        """, """
        using System.Collections.Generic;
        using System.Threading;
        class Collector
        {
            private readonly object _seenLock = new object();
            private readonly List<string> _seen = new List<string>();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => { lock (_seenLock) { _seen.Add(item); } });
            public int Count
            {
                get
                {
                    lock (_seenLock)
                    {
                        return _seen.Count;
                    }
                }
            }
        }
        """, FixTarget.NetStandard20WithRedis21, SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    [Fact]
    public Task SF3001_Net60_LocksOnAnObjectNotSystemThreadingLock() => SF3001.VerifyFixForTargetAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Collector
        {
            private readonly List<string> _seen = new();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => [|_seen.Add(item)|]);
            public string[] Snapshot() => _seen.ToArray();
        }
        """, """
        using System.Collections.Generic;
        using System.Threading;
        class Collector
        {
            private readonly object _seenLock = new();
            private readonly List<string> _seen = new();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => { lock (_seenLock) { _seen.Add(item); } });
            public string[] Snapshot()
            {
                lock (_seenLock)
                {
                    return _seen.ToArray();
                }
            }
        }
        """, FixTarget.Net60WithRedis21, SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    // ---- SF2002: ListMove (LMOVE) is StackExchange.Redis 2.6.45+; before it, RPOPLPUSH for a right pop ----

    [Fact]
    public Task SF2002_Redis21_RightPopBecomesRightPopLeftPush() => SF2002.VerifyFixForTargetAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                while (true)
                {
                    var order = [|db.ListRightPop("orders")|];
                    if (order.IsNull) return;
                    Console.WriteLine(order);
                }
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
                while (!db.ListRightPopLeftPush("{orders}:processing", "orders").IsNull)
                {
                }
                while (true)
                {
                    var order = db.ListRightPopLeftPush("orders", "{orders}:processing");
                    if (order.IsNull) return;
                    Console.WriteLine(order);
                    db.ListRemove("{orders}:processing", order, 1);
                }
            }
        }
        """, FixTarget.NetStandard20WithRedis21, SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey);

    [Fact]
    public Task SF2002_Redis21_LeftPop_HasNoFix() => SF2002.VerifyNoFixForTargetAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                while (true)
                {
                    var order = [|db.ListLeftPop("orders")|];
                    if (order.IsNull) return;
                    Console.WriteLine(order);
                }
            }
        }
        """, FixTarget.Net472WithRedis21);

    // ---- SF1004 in C# 7.3: the flag gates the release and the work leaves before it runs without the lock ----

    [Fact]
    public Task SF1004_CSharp73_AcquireInsideTryWithReleasingFinally_LeavesAndGuardsTheRelease() => SF1004.VerifyFixForTargetAsync("""
        using System;
        using StackExchange.Redis;
        class Job
        {
            void Run(IDatabase db, string token)
            {
                try
                {
                    [|db.LockTake("job", token, TimeSpan.FromSeconds(30))|];
                    Console.WriteLine("working");
                }
                finally
                {
                    db.LockRelease("job", token);
                }
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Job
        {
            void Run(IDatabase db, string token)
            {
                var lockTaken = false;
                try
                {
                    lockTaken = db.LockTake("job", token, TimeSpan.FromSeconds(30));
                    if (!lockTaken)
                    {
                        return;
                    }
                    Console.WriteLine("working");
                }
                finally
                {
                    if (lockTaken)
                        db.LockRelease("job", token);
                }
            }
        }
        """, FixTarget.NetStandard20WithRedis21, SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);
}
