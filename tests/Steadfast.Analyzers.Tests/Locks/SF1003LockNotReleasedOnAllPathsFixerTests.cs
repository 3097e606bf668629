using Microsoft.CodeAnalysis;
using Steadfast.Analyzers.Locks;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1003LockNotReleasedOnAllPathsAnalyzer,
    Steadfast.Analyzers.Locks.SF1003LockNotReleasedOnAllPathsFixer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1003LockNotReleasedOnAllPathsFixerTests
{
    [Fact]
    public Task Monitor_CriticalSectionMovesIntoTry_KeepingComments() => Verify.VerifyFixAsync("""
        using System.Threading;
        class Counter
        {
            private readonly object _gate = new();
            private int _n;
            void Add()
            {
                Monitor.Enter(_gate);
                // the critical section
                _n++;
                [|Monitor.Exit(_gate)|]; // done
                _n.ToString();
            }
        }
        """, """
        using System.Threading;
        class Counter
        {
            private readonly object _gate = new();
            private int _n;
            void Add()
            {
                Monitor.Enter(_gate);
                // the critical section
                try
                {
                    _n++;
                }
                finally
                {
                    Monitor.Exit(_gate); // done
                }

                _n.ToString();
            }
        }
        """, equivalenceKey: SF1003LockNotReleasedOnAllPathsFixer.EquivalenceKey);

    [Fact]
    public Task RedisRelease_InsideIfAcquired_Async() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString();
                if (await db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30)))
                {
                    await Work();
                    await [|db.LockReleaseAsync("jobs", token)|];
                }
            }
            Task Work() => Task.CompletedTask;
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString();
                if (await db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30)))
                {
                    try
                    {
                        await Work();
                    }
                    finally
                    {
                        await db.LockReleaseAsync("jobs", token);
                    }
                }
            }
            Task Work() => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task FixAll_SemaphoreAndHelperRelease() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        sealed class RedisLock
        {
            private readonly IDatabase _db;
            private readonly string _token = Guid.NewGuid().ToString();
            public RedisLock(IDatabase db) { _db = db; }
            public bool Acquire() => _db.StringSet("my_lock", _token, TimeSpan.FromSeconds(10), When.NotExists);
            public void Release() => _db.LockRelease("my_lock", _token);
        }
        class Worker
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            void A()
            {
                _sem.Wait();
                Console.WriteLine("a");
                [|_sem.Release()|];
            }
            void B(RedisLock @lock)
            {
                if (!@lock.Acquire()) return;
                Console.WriteLine("b");
                [|@lock.Release()|];
            }
        }
        """, """
        using System;
        using System.Threading;
        using StackExchange.Redis;
        sealed class RedisLock
        {
            private readonly IDatabase _db;
            private readonly string _token = Guid.NewGuid().ToString();
            public RedisLock(IDatabase db) { _db = db; }
            public bool Acquire() => _db.StringSet("my_lock", _token, TimeSpan.FromSeconds(10), When.NotExists);
            public void Release() => _db.LockRelease("my_lock", _token);
        }
        class Worker
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            void A()
            {
                _sem.Wait();
                try
                {
                    Console.WriteLine("a");
                }
                finally
                {
                    _sem.Release();
                }
            }
            void B(RedisLock @lock)
            {
                if (!@lock.Acquire()) return;
                try
                {
                    Console.WriteLine("b");
                }
                finally
                {
                    @lock.Release();
                }
            }
        }
        """);

    [Fact]
    public Task LocalUsedAfterTheRelease_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            int Run()
            {
                Monitor.Enter(_gate);
                var n = int.Parse("42");
                [|Monitor.Exit(_gate)|];
                return n;
            }
        }
        """);

    // Regression (mutation harness): the fix moved `var current = …` into the try and left `if (current == token)` in
    // the finally, which does not compile (CS0103). A release that reads a local of the critical section gets no fix.
    [Fact]
    public Task ReleaseConditionReadsLocalOfCriticalSection_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Orders
        {
            const string Key = "lock:orders";
            async Task Run(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString();
                if (!await db.LockTakeAsync(Key, token, TimeSpan.FromSeconds(30))) return;
                var current = await db.StringGetAsync(Key);
                if (current == token)
                    await [|db.KeyDeleteAsync(Key)|];
            }
        }
        """);

    [Fact]
    public Task ReleaseArgumentIsLocalOfCriticalSection_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        class Orders
        {
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                if (!db.LockTake("lock:orders", token, TimeSpan.FromSeconds(30))) return;
                var key = (RedisKey)"lock:orders";
                db.StringGet(key);
                [|db.LockRelease(key, token)|];
            }
        }
        """);

    [Fact]
    public Task LocalOfCriticalSectionUsedOnlyInside_StillFixed() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Orders
        {
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                if (!db.LockTake("lock:orders", token, TimeSpan.FromSeconds(30))) return;
                var current = db.StringGet("orders");
                Console.WriteLine(current);
                [|db.LockRelease("lock:orders", token)|];
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Orders
        {
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                if (!db.LockTake("lock:orders", token, TimeSpan.FromSeconds(30))) return;
                try
                {
                    var current = db.StringGet("orders");
                    Console.WriteLine(current);
                }
                finally
                {
                    db.LockRelease("lock:orders", token);
                }
            }
        }
        """, equivalenceKey: SF1003LockNotReleasedOnAllPathsFixer.EquivalenceKey);

    [Fact]
    public Task Steadfast_GuardedAsync_ProviderParameter_BecomesTryAcquireAsync() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Orders
        {
            const string Key = "lock:orders";
            async Task Run(IDatabaseAsync db, IDistributedLockProvider locks, CancellationToken ct)
            {
                var token = Guid.NewGuid().ToString("N");
                if (!await db.LockTakeAsync(Key, token, TimeSpan.FromSeconds(30))) return;
                await db.StringSetAsync("orders:last", DateTime.UtcNow.Ticks); // the critical section
                await [|db.LockReleaseAsync(Key, token)|];
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Orders
        {
            const string Key = "lock:orders";
            async Task Run(IDatabaseAsync db, IDistributedLockProvider locks, CancellationToken ct)
            {
                await using var handle = await locks.TryAcquireAsync(Key, new LockOptions { Lease = TimeSpan.FromSeconds(30) }, ct);
                if (handle == null) return;
                await db.StringSetAsync("orders:last", DateTime.UtcNow.Ticks); // the critical section
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1003LockNotReleasedOnAllPathsFixer.UseSteadfastLockKey);

    [Fact]
    public Task Steadfast_IfAcquiredSync_AddsProviderFieldAndConstructor() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                if (db.LockTake("jobs", token, TimeSpan.FromSeconds(30)))
                {
                    Console.WriteLine("work");
                    [|db.LockRelease("jobs", token)|];
                }
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        using Steadfast.Locks;

        class Jobs
        {
            private readonly IDistributedLockProvider _locks;

            public Jobs(IDistributedLockProvider locks)
            {
                _locks = locks;
            }

            void Run(IDatabase db)
            {
                using var handle = _locks.TryAcquire("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(30) });
                if (handle != null)
                {
                    Console.WriteLine("work");
                }
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1003LockNotReleasedOnAllPathsFixer.UseSteadfastLockKey);

    // The type is constructed in the compilation: a new constructor parameter would break `new Jobs()`.
    [Fact]
    public Task Steadfast_TypeConstructedElsewhere_OnlyTheRawFix() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            static Jobs Create() => new Jobs();
            void Run(IDatabase db, string token)
            {
                if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(30))) return;
                Console.WriteLine("work");
                [|db.LockRelease("jobs", token)|];
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            static Jobs Create() => new Jobs();
            void Run(IDatabase db, string token)
            {
                if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(30))) return;
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
        """, withSteadfast: true);

    [Fact]
    public Task Steadfast_ReleaseConditionReadsLocalOfCriticalSection_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Orders
        {
            const string Key = "lock:orders";
            async Task Run(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString();
                if (!await db.LockTakeAsync(Key, token, TimeSpan.FromSeconds(30))) return;
                var current = await db.StringGetAsync(Key);
                if (current == token)
                    await [|db.KeyDeleteAsync(Key)|];
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task TopLevelStatements_CriticalSectionMovesIntoTry() => Verify.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var token = Guid.NewGuid().ToString("N");
        if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(30))) return;
        // the critical section
        var n = db.StringIncrement("jobs:count");
        Console.WriteLine(n);
        [|db.LockRelease("jobs", token)|];
        Console.WriteLine("done");
        """], ["""
        using System;
        using StackExchange.Redis;

        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var token = Guid.NewGuid().ToString("N");
        if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(30))) return;
        // the critical section
        try
        {
            var n = db.StringIncrement("jobs:count");
            Console.WriteLine(n);
        }
        finally
        {
            db.LockRelease("jobs", token);
        }

        Console.WriteLine("done");
        """], equivalenceKey: SF1003LockNotReleasedOnAllPathsFixer.EquivalenceKey, outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task TopLevelStatements_LocalUsedAfterTheRelease_HasNoFix() => Verify.VerifyFixAsync(["""
        using System.Threading;

        var gate = new object();
        Monitor.Enter(gate);
        var n = int.Parse("1");
        [|Monitor.Exit(gate)|];
        System.Console.WriteLine(n);
        """], ["""
        using System.Threading;

        var gate = new object();
        Monitor.Enter(gate);
        var n = int.Parse("1");
        [|Monitor.Exit(gate)|];
        System.Console.WriteLine(n);
        """], outputKind: OutputKind.ConsoleApplication);

    // An acquire wrapper: the local gate is taken, then the distributed key is claimed; on success it returns true and keeps
    // the gate for its Release. A finally would release it on that success: no fix (the exception paths are the author's).
    [Fact]
    public Task CriticalSectionReturnsTrue_HoldsTheLockOnPurpose_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class KeyLock
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            public async Task<bool> LockAsync(IDatabaseAsync db, CancellationToken cancellationToken)
            {
                if (await _gate.WaitAsync(1000, cancellationToken))
                {
                    if (await db.StringSetAsync("key", "owner", null, When.NotExists))
                        return true;
                    await Task.Delay(100, cancellationToken);
                    [|_gate.Release()|];
                }
                return false;
            }
        }
        """);
}
