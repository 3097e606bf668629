using Steadfast.Analyzers.Locks;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1005LockAcquiredByPollingAnalyzer,
    Steadfast.Analyzers.Locks.SF1005LockAcquiredByPollingFixer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1005LockAcquiredByPollingFixerTests
{
    [Fact]
    public Task PollingLoop_Async_BecomesOneAcquireAsync_ProviderAddedToConstructor() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly IDatabaseAsync _db;
            public Jobs(IDatabaseAsync db) { _db = db; }
            async Task Run()
            {
                var token = Guid.NewGuid().ToString("N");
                // wait for our turn
                while (!await [|_db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(10))|])
                    await Task.Delay(100);
                await Work();
                await _db.LockReleaseAsync("jobs", token);
            }
            Task Work() => Task.CompletedTask;
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;

        class Jobs
        {
            private readonly IDatabaseAsync _db;
            private readonly IDistributedLockProvider _locks;
            public Jobs(IDatabaseAsync db, IDistributedLockProvider locks) { _locks = locks; _db = db; }
            async Task Run()
            {
                // wait for our turn
                await using var handle = await _locks.AcquireAsync("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(10) });
                await Work();
            }
            Task Work() => Task.CompletedTask;
        }
        """, withSteadfast: true, equivalenceKey: SF1005LockAcquiredByPollingFixer.UseSteadfastLockKey);

    [Fact]
    public Task PollingLoop_Sync_UsesProviderField_AndCancellationToken() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            private readonly IDatabase _db;
            private readonly IDistributedLockProvider _provider;
            public Jobs(IDatabase db, IDistributedLockProvider provider) { _db = db; _provider = provider; }
            void Run(CancellationToken ct)
            {
                var token = Guid.NewGuid().ToString("N");
                while (![|_db.LockTake("jobs", token, TimeSpan.FromSeconds(30))|]) { Thread.Sleep(100); }
                Console.WriteLine("work");
                _db.LockRelease("jobs", token);
                Console.WriteLine("after");
            }
        }
        """, """
        using System;
        using System.Threading;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            private readonly IDatabase _db;
            private readonly IDistributedLockProvider _provider;
            public Jobs(IDatabase db, IDistributedLockProvider provider) { _db = db; _provider = provider; }
            void Run(CancellationToken ct)
            {
                using (var handle = _provider.Acquire("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(30) }, ct))
                {
                    Console.WriteLine("work");
                }
                Console.WriteLine("after");
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1005LockAcquiredByPollingFixer.UseSteadfastLockKey);

    [Fact]
    public Task FixAll_TwoPollingLoops_OneProviderField() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly IDatabase _db;
            public Jobs(IDatabase db) { _db = db; }
            void A()
            {
                while (![|_db.LockTake("a", "x", TimeSpan.FromSeconds(5))|]) Thread.Sleep(50);
                Console.WriteLine("a");
                _db.LockRelease("a", "x");
            }
            async Task B(CancellationToken cancellationToken)
            {
                while (!await [|_db.LockTakeAsync("b", "y", TimeSpan.FromSeconds(5))|]) await Task.Delay(50);
                Console.WriteLine("b");
                await _db.LockReleaseAsync("b", "y");
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;

        class Jobs
        {
            private readonly IDatabase _db;
            private readonly IDistributedLockProvider _locks;
            public Jobs(IDatabase db, IDistributedLockProvider locks) { _locks = locks; _db = db; }
            void A()
            {
                using var handle = _locks.Acquire("a", new LockOptions { Lease = TimeSpan.FromSeconds(5) });
                Console.WriteLine("a");
            }
            async Task B(CancellationToken cancellationToken)
            {
                await using var handle = await _locks.AcquireAsync("b", new LockOptions { Lease = TimeSpan.FromSeconds(5) }, cancellationToken);
                Console.WriteLine("b");
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1005LockAcquiredByPollingFixer.UseSteadfastLockKey);

    // A helper that polls and hands the lock back to its caller: there is no critical section to wrap.
    [Fact]
    public Task PollingHelperReturningBool_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            bool Take(IDatabase db, string token)
            {
                while (true)
                {
                    if ([|db.LockTake("jobs", token, TimeSpan.FromSeconds(30))|]) return true;
                    Thread.Sleep(100);
                }
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task WithoutSteadfast_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db)
            {
                while (![|db.LockTake("jobs", "t", TimeSpan.FromSeconds(30))|]) Thread.Sleep(100);
                Console.WriteLine("work");
                db.LockRelease("jobs", "t");
            }
        }
        """);
}
