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
}
