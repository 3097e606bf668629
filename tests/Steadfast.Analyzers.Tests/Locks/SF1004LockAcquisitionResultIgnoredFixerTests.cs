using Microsoft.CodeAnalysis;
using Steadfast.Analyzers.Locks;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1004LockAcquisitionResultIgnoredAnalyzer,
    Steadfast.Analyzers.Locks.SF1004LockAcquisitionResultIgnoredFixer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1004LockAcquisitionResultIgnoredFixerTests
{
    [Fact]
    public Task DiscardedInVoidMethod_BecomesGuardWithReturn_KeepingComments() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db, string token)
            {
                // take the lock
                [|db.LockTake("jobs", token, TimeSpan.FromSeconds(30))|]; // 30 s lease
                Console.WriteLine("work");
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db, string token)
            {
                // take the lock
                if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(30)))
                {
                    return;
                } // 30 s lease
                Console.WriteLine("work");
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);

    [Fact]
    public Task AwaitedDiscard_InTaskOfBool_ReturnsFalse() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task<bool> Run(IDatabaseAsync db, string token)
            {
                _ = await [|db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30))|];
                return true;
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task<bool> Run(IDatabaseAsync db, string token)
            {
                if (!await db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30)))
                {
                    return false;
                }
                return true;
            }
        }
        """);

    [Fact]
    public Task UnreadLocal_InMethodReturningString_Throws() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            string Run()
            {
                var acquired = [|_sem.Wait(100)|];
                try { return "done"; } finally { _sem.Release(); }
            }
        }
        """, """
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            string Run()
            {
                var acquired = _sem.Wait(100);
                if (!acquired)
                {
                    throw new InvalidOperationException("The lock could not be acquired.");
                }
                try { return "done"; } finally { _sem.Release(); }
            }
        }
        """);

    [Fact]
    public Task RefFlag_InTopLevelStatements() => Verify.VerifyFixAsync(["""
        using System.Threading;
        var spin = new SpinLock();
        var taken = false;
        [|spin.TryEnter(10, ref taken)|];
        System.Console.WriteLine("work");
        """], ["""
        using System.Threading;
        var spin = new SpinLock();
        var taken = false;
        spin.TryEnter(10, ref taken);

        if (!taken)
        {
            return;
        }
        System.Console.WriteLine("work");
        """], outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task FixAll_GuardsEveryDiscardedAcquire() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            private readonly Mutex _mutex = new();
            void A() { [|_sem.Wait(10)|]; Console.WriteLine(); }
            async Task B() { await [|_sem.WaitAsync(10)|]; }
            bool C() { [|_mutex.WaitOne(10)|]; return true; }
            Action D() => () => { [|_sem.Wait(10)|]; };
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            private readonly Mutex _mutex = new();
            void A() { if (!_sem.Wait(10)) { return; } Console.WriteLine(); }
            async Task B() { if (!await _sem.WaitAsync(10)) { return; } }
            bool C() { if (!_mutex.WaitOne(10)) { return false; } return true; }
            Action D() => () => { if (!_sem.Wait(10)) { return; } };
        }
        """);

    [Fact]
    public Task FinallyShape_Monitor_ReleaseGuardedByFlag() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void A()
            {
                try { if ([|Monitor.TryEnter(_gate, 100)|]) Console.WriteLine("work"); }
                finally { Monitor.Exit(_gate); } // always
            }
        }
        """, """
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void A()
            {
                var lockTaken = false;
                try { if (lockTaken = Monitor.TryEnter(_gate, 100)) Console.WriteLine("work"); }
                finally { if (lockTaken) Monitor.Exit(_gate); } // always
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);

    [Fact]
    public Task FinallyShape_RedisAsync_ReleaseGuardedByFlag() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task B(IDatabaseAsync db, string token)
            {
                try
                {
                    if (!await [|db.StringSetAsync("jobs", token, TimeSpan.FromSeconds(5), When.NotExists)|]) return;
                    Console.WriteLine("work");
                }
                finally
                {
                    await db.KeyDeleteAsync("jobs");
                }
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task B(IDatabaseAsync db, string token)
            {
                var lockTaken = false;
                try
                {
                    if (!(lockTaken = await db.StringSetAsync("jobs", token, TimeSpan.FromSeconds(5), When.NotExists))) return;
                    Console.WriteLine("work");
                }
                finally
                {
                    if (lockTaken)
                        await db.KeyDeleteAsync("jobs");
                }
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);

    [Fact]
    public Task FinallyShape_TryEnterRefFlag_GuardsWithThatFlag_FixAll() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            private SpinLock _spin = new();
            void A()
            {
                var taken = false;
                try { [|Monitor.TryEnter(_gate, 100, ref taken)|]; if (taken) Console.WriteLine("a"); }
                finally { Monitor.Exit(_gate); }
            }
            void B()
            {
                var taken = false;
                try { [|_spin.TryEnter(10, ref taken)|]; if (taken) Console.WriteLine("b"); }
                finally { _spin.Exit(); }
            }
        }
        """, """
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            private SpinLock _spin = new();
            void A()
            {
                var taken = false;
                try { Monitor.TryEnter(_gate, 100, ref taken); if (taken) Console.WriteLine("a"); }
                finally { if (taken) Monitor.Exit(_gate); }
            }
            void B()
            {
                var taken = false;
                try { _spin.TryEnter(10, ref taken); if (taken) Console.WriteLine("b"); }
                finally { if (taken) _spin.Exit(); }
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);

    // The release is not a statement of the finally block (here nested in a lock statement): left to the author.
    [Fact]
    public Task FinallyShape_ReleaseNestedInFinally_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            private readonly object _log = new();
            void A()
            {
                try { if ([|Monitor.TryEnter(_gate, 100)|]) Console.WriteLine("work"); }
                finally { lock (_log) { Monitor.Exit(_gate); } }
            }
        }
        """);

    [Fact]
    public Task Steadfast_DiscardedSync_ReleaseInFinally_BecomesAcquire() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            private IDistributedLockProvider Locks { get; }
            public Jobs(IDistributedLockProvider locks) => Locks = locks;
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                [|db.LockTake("jobs", token, TimeSpan.FromSeconds(20))|];
                try
                {
                    Console.WriteLine("work");
                }
                finally
                {
                    db.LockRelease("jobs", token);
                }
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            private IDistributedLockProvider Locks { get; }
            public Jobs(IDistributedLockProvider locks) => Locks = locks;
            void Run(IDatabase db)
            {
                using var handle = Locks.Acquire("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(20) });
                Console.WriteLine("work");
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.UseSteadfastLockKey);

    [Fact]
    public Task Steadfast_DiscardedAsync_BecomesAcquireAsync() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDatabaseAsync db, IDistributedLockProvider locks)
            {
                var token = Guid.NewGuid().ToString();
                _ = await [|db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30))|];
                await Task.Yield();
                await db.LockReleaseAsync("jobs", token);
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDatabaseAsync db, IDistributedLockProvider locks)
            {
                await using var handle = await locks.AcquireAsync("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(30) });
                await Task.Yield();
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.UseSteadfastLockKey);

    // A TryEnter without a timeout fails on any contention: leaving would drop the work (a socket close, a send) instead of
    // serialising it. The author wanted the lock, so the fix waits for it.
    [Fact]
    public Task TryEnterWithoutTimeout_BecomesEnter_FixAll() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Connection
        {
            private readonly object _writeGate = new();
            private SpinLock _closeGate = new();
            public void Close()
            {
                var lockTaken = false;
                if (!_closeGate.IsHeldByCurrentThread)
                {
                    [|_closeGate.TryEnter(ref lockTaken)|];
                }
                try { Console.WriteLine("closing"); }
                finally
                {
                    if (lockTaken)
                        _closeGate.Exit();
                }
            }
            public void Send(string text)
            {
                [|Monitor.TryEnter(_writeGate)|];
                try { Console.WriteLine(text); }
                finally { Monitor.Exit(_writeGate); }
            }
        }
        """, """
        using System;
        using System.Threading;
        class Connection
        {
            private readonly object _writeGate = new();
            private SpinLock _closeGate = new();
            public void Close()
            {
                var lockTaken = false;
                if (!_closeGate.IsHeldByCurrentThread)
                {
                    _closeGate.Enter(ref lockTaken);
                }
                try { Console.WriteLine("closing"); }
                finally
                {
                    if (lockTaken)
                        _closeGate.Exit();
                }
            }
            public void Send(string text)
            {
                Monitor.Enter(_writeGate);
                try { Console.WriteLine(text); }
                finally { Monitor.Exit(_writeGate); }
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EnterKey);

    // The awaited wait's result is discarded inside a try whose finally guesses ownership from CurrentCount: the flag
    // replaces nothing of the guess but gates it, and the work leaves before it runs without the lock.
    [Fact]
    public Task DiscardedWaitAsync_InTryWithGuessingFinally_SetsFlagLeavesAndGatesRelease() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Logins
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public async Task<string> RecordAsync(string user)
            {
                try
                {
                    await [|_gate.WaitAsync(TimeSpan.FromSeconds(2))|];
                    Console.WriteLine(user);
                    return "ok";
                }
                finally
                {
                    if (_gate.CurrentCount == 0)
                    {
                        _gate.Release();
                    }
                }
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Logins
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public async Task<string> RecordAsync(string user)
            {
                var lockTaken = false;
                try
                {
                    lockTaken = await _gate.WaitAsync(TimeSpan.FromSeconds(2));
                    if (!lockTaken)
                    {
                        throw new InvalidOperationException("The lock could not be acquired.");
                    }
                    Console.WriteLine(user);
                    return "ok";
                }
                finally
                {
                    if (lockTaken && _gate.CurrentCount == 0)
                    {
                        _gate.Release();
                    }
                }
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);

    [Fact]
    public Task DiscardedWait_Sync_InTryWithReleasingFinally_LeavesBeforeTheWork() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public void Run()
            {
                try
                {
                    [|_gate.Wait(100)|];
                    Console.WriteLine("work");
                }
                finally
                {
                    _gate.Release();
                }
            }
        }
        """, """
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public void Run()
            {
                var lockTaken = false;
                try
                {
                    lockTaken = _gate.Wait(100);
                    if (!lockTaken)
                    {
                        return;
                    }
                    Console.WriteLine("work");
                }
                finally
                {
                    if (lockTaken)
                        _gate.Release();
                }
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);

    // The finally already releases only under the flag: leaving from inside the try runs that finally safely.
    [Fact]
    public Task UnreadFlag_InTryWhoseFinallyReleasesUnderIt_LeavesInsideTheTry() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Keys
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public async Task<bool> DeleteAsync(CancellationToken token)
            {
                var acquired = false;
                try
                {
                    acquired = await [|_gate.WaitAsync(TimeSpan.FromSeconds(5), token)|];
                    Console.WriteLine("delete");
                    return true;
                }
                finally
                {
                    if (acquired)
                        _gate.Release();
                }
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Keys
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public async Task<bool> DeleteAsync(CancellationToken token)
            {
                var acquired = false;
                try
                {
                    acquired = await _gate.WaitAsync(TimeSpan.FromSeconds(5), token);
                    if (!acquired)
                    {
                        return false;
                    }
                    Console.WriteLine("delete");
                    return true;
                }
                finally
                {
                    if (acquired)
                        _gate.Release();
                }
            }
        }
        """, equivalenceKey: SF1004LockAcquisitionResultIgnoredFixer.EquivalenceKey);
}
