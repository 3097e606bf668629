using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1004LockAcquisitionResultIgnoredAnalyzer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1004LockAcquisitionResultIgnoredAnalyzerTests
{
    [Fact]
    public Task LockTake_Discarded() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db, string token)
            {
                {|#0:db.LockTake("jobs", token, TimeSpan.FromSeconds(30))|};
                Console.WriteLine("work");
            }
        }
        """, new DiagnosticResult("SF1004", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("The result of 'db.LockTake' is discarded, so the code after it runs whether or not the lock was taken; check it and leave when it is false"));

    [Fact]
    public Task StringSetAsyncNx_AwaitedAndDiscarded_OnIDatabaseAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db, string token)
            {
                await [|db.StringSetAsync("jobs", token, TimeSpan.FromSeconds(30), When.NotExists)|];
                _ = await [|db.LockTakeAsync("jobs2", token, TimeSpan.FromSeconds(30))|];
            }
        }
        """);

    [Fact]
    public Task StoredButNeverChecked() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void Run()
            {
                var acquired = [|Monitor.TryEnter(_gate, TimeSpan.FromSeconds(1))|];
                try { Console.WriteLine("work"); } finally { Monitor.Exit(_gate); }
            }
        }
        """);

    [Fact]
    public Task SemaphoreWaitWithTimeout_MutexWaitOne_SpinLockTryEnter() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            private readonly Mutex _mutex = new();
            private SpinLock _spin = new();
            void A() { [|_sem.Wait(1000)|]; }
            async Task B() { await [|_sem.WaitAsync(TimeSpan.FromSeconds(1))|]; }
            void C() { [|_mutex.WaitOne(1000)|]; }
            void D() { var taken = false; [|_spin.TryEnter(10, ref taken)|]; }
        }
        """);

    [Fact]
    public Task FinallyReleasesEvenWhenTheTryAcquireFailed() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly object _gate = new();
            void A()
            {
                try
                {
                    if ([|Monitor.TryEnter(_gate, 100)|]) Console.WriteLine("work");
                }
                finally { Monitor.Exit(_gate); }
            }
            void B(IDatabase db)
            {
                try
                {
                    if (![|db.StringSet("jobs", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(5), When.NotExists)|]) return;
                    Console.WriteLine("work");
                }
                finally { db.KeyDelete("jobs"); }
            }
        }
        """);

    [Fact]
    public Task AcquireHelper_Discarded_InExpressionBodiedMember() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class RedisLock
        {
            private readonly IDatabase _db;
            public RedisLock(IDatabase db) { _db = db; }
            public bool Acquire() => _db.StringSet("my_lock", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(10), When.NotExists);
            public void Run() { [|Acquire()|]; Console.WriteLine("work"); }
        }
        """);

    [Fact]
    public Task InLambda_AndLocalFunction() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            Action Make() => () => { [|_sem.Wait(10)|]; Console.WriteLine(); };
            void Run()
            {
                Local();
                void Local() { var ok = [|_sem.Wait(10)|]; Console.WriteLine(); }
            }
        }
        """);

    [Fact]
    public Task TopLevelStatements() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        [|db.LockTake("jobs", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30))|];
        Console.WriteLine("work");
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    // ---- clean shapes ----

    [Fact]
    public Task CheckedResults_AreClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly object _gate = new();
            private readonly SemaphoreSlim _sem = new(1, 1);
            void A(IDatabase db, string t) { if (!db.LockTake("jobs", t, TimeSpan.FromSeconds(30))) return; Console.WriteLine(); }
            async Task B(IDatabaseAsync db, string t) { var ok = await db.StringSetAsync("jobs", t, TimeSpan.FromSeconds(5), When.NotExists); if (!ok) return; }
            void C() { if (Monitor.TryEnter(_gate, 100)) { try { } finally { Monitor.Exit(_gate); } } }
            async Task<bool> D() { if (!await _sem.WaitAsync(100)) return false; try { return true; } finally { _sem.Release(); } }
            bool E(IDatabase db, string t) => db.LockTake("jobs", t, TimeSpan.FromSeconds(30));
        }
        """);

    [Fact]
    public Task LockTakenFlagPattern_IsClean() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            private SpinLock _spin = new();
            void A() { var taken = false; try { Monitor.TryEnter(_gate, 100, ref taken); } finally { if (taken) Monitor.Exit(_gate); } }
            void B() { var taken = false; try { _spin.TryEnter(ref taken); } finally { if (taken) _spin.Exit(); } }
        }
        """);

    [Fact]
    public Task UnconditionalWaits_AreNotTryAcquires() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            private readonly Mutex _mutex = new();
            async Task A() { await _sem.WaitAsync(); try { } finally { _sem.Release(); } }
            void B() { _sem.Wait(); _mutex.WaitOne(); }
        }
        """);

    [Fact]
    public Task WriteLockTriedInsideAnUpgradeableReadLock_IsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Handlers
        {
            private readonly ReaderWriterLockSlim _lock = new();
            private readonly Dictionary<string, int> _map = new();
            public void Add(string key)
            {
                if (_lock.TryEnterUpgradeableReadLock(100))
                {
                    try
                    {
                        if (!_map.ContainsKey(key) && _lock.TryEnterWriteLock(100))
                        {
                            try { _map.Add(key, 1); }
                            finally { _lock.ExitWriteLock(); }
                        }
                    }
                    finally { _lock.ExitUpgradeableReadLock(); }
                }
            }
        }
        """);

    [Fact]
    public Task WriteLockReleasedInFinallyAfterAFailedTry_IsFlagged() => Verify.VerifyAsync("""
        using System.Threading;
        class Counter
        {
            private readonly ReaderWriterLockSlim _lock = new();
            private int _n;
            public void Bump()
            {
                try
                {
                    if ([|_lock.TryEnterWriteLock(100)|]) _n++;
                }
                finally { _lock.ExitWriteLock(); }
            }
        }
        """);

    [Fact]
    public Task OwnerCheckedReleaseInFinally_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                try
                {
                    if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(5))) return;
                }
                finally { db.LockRelease("jobs", token); }
            }
        }
        """);

    [Fact]
    public Task NonLockSets_AreClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Cache { void Run(IDatabase db) { db.StringSet("a", 1); db.StringSet("b", 1, when: When.Exists); } }
        """);

    [Fact]
    public Task ResultOnlyLogged() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            void Run(IDatabase db)
            {
                var taken = [|db.LockTake("jobs:lock", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30))|];
                Console.WriteLine($"lock taken: {taken}");
                Console.WriteLine("work");
            }
            void Other()
            {
                bool entered = [|_gate.Wait(100)|];
                Console.WriteLine("entered " + entered);
            }
        }
        """);

    [Fact]
    public Task ResultOnlyDecidesTheReleaseInFinally() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Keys
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            async Task DeleteAsync(string path, CancellationToken ct)
            {
                var entered = false;
                try
                {
                    entered = await [|_gate.WaitAsync(TimeSpan.FromSeconds(5), ct)|];
                    Console.WriteLine("deleting " + path);
                }
                finally
                {
                    if (entered)
                        _gate.Release();
                }
            }
            async Task GuardedAsync(string path, CancellationToken ct)
            {
                var entered = false;
                try
                {
                    entered = await _gate.WaitAsync(TimeSpan.FromSeconds(5), ct);
                    if (!entered) return;
                    Console.WriteLine("deleting " + path);
                }
                finally
                {
                    if (entered)
                        _gate.Release();
                }
            }
        }
        """);

    [Fact]
    public Task MonitorExitInFinally_AfterAFailedTryEnter_SaysItThrows() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void A()
            {
                try
                {
                    if ({|#0:Monitor.TryEnter(_gate, 100)|}) Console.WriteLine("work");
                }
                finally { Monitor.Exit(_gate); }
            }
        }
        """, new Microsoft.CodeAnalysis.Testing.DiagnosticResult("SF1004", Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("The finally block releases with 'Monitor.Exit' even when 'Monitor.TryEnter' failed, which throws SynchronizationLockException (this thread does not own the monitor) and hides what happened in the try; it frees nothing; release only if it was acquired"));

    [Fact]
    public Task SteadfastTryAcquire_DiscardedOrNeverTestedForNull() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDistributedLockProvider locks)
            {
                await using var handle = await [|locks.TryAcquireAsync("jobs")|];
                Console.WriteLine("work");
            }
            async Task Other(IDistributedLockProvider locks)
            {
                await [|locks.TryAcquireAsync("reports")|];
                Console.WriteLine("work");
            }
            void Sync(IDistributedLockProvider locks)
            {
                using var handle = [|locks.TryAcquire("sync")|];
                Console.WriteLine("work");
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task SteadfastTryAcquire_TestedWithNotNullOrConditionalAccess_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDistributedLockProvider locks)
            {
                var handle = await locks.TryAcquireAsync("jobs");
                if (handle != null)
                {
                    await using (handle) Console.WriteLine("work");
                }
            }
            async Task<ILockHandle?> Pass(IDistributedLockProvider locks) => await locks.TryAcquireAsync("jobs");
        }
        """, withSteadfast: true);

    [Fact]
    public Task TryAcquireToldToWaitForever_IsClean() => Verify.VerifyAsync("""
        using System.Threading;
        class Gate
        {
            private readonly SemaphoreSlim _slots = new(4, 4);
            public bool WaitTurn(int timeout) => _slots.Wait(timeout);
            public void WaitTurn() { WaitTurn(Timeout.Infinite); }
            public void Enter() { _slots.Wait(-1); }
        }
        """);

    [Fact]
    public Task ResultCheckedAndLogged_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db)
            {
                var taken = db.LockTake("jobs:lock", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30));
                Console.WriteLine($"lock taken: {taken}");
                if (!taken) return;
                Console.WriteLine("work");
            }
        }
        """);

    [Fact]
    public Task SteadfastTryAcquire_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDistributedLockProvider locks)
            {
                await using var handle = await locks.TryAcquireAsync("jobs");
                if (handle is null) return;
            }
        }
        """, withSteadfast: true);
    [Fact]
    public Task CacheFillWithSetNx_IsNotALock() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class ProductCache
        {
            private readonly IDatabase _db;
            public ProductCache(IDatabase db) => _db = db;
            public async Task<string> GetOrCreateAsync(string key, Func<Task<string>> load)
            {
                var cached = await _db.StringGetAsync(key);
                if (cached.HasValue)
                    return cached!;
                var value = await load();
                await _db.StringSetAsync(key, value, TimeSpan.FromMinutes(5), when: When.NotExists);
                return value;
            }
            public void Forget(string key)
            {
                if (_db.KeyExists(key))
                    _db.KeyDelete(key);
            }
        }
        """);

}
