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
    public Task FinallyShape_HasNoAutomaticFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void A()
            {
                try { if ([|Monitor.TryEnter(_gate, 100)|]) Console.WriteLine("work"); }
                finally { Monitor.Exit(_gate); }
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
}
