using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1002LockAcquiredWithoutExpiryAnalyzer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1002LockAcquiredWithoutExpiryAnalyzerTests
{
    [Fact]
    public Task StringSetNx_ExpiryOmitted_NamedWhen() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            bool Take(IDatabase db, string token) => {|#0:db.StringSet("jobs", token, when: When.NotExists)|};
        }
        """, new DiagnosticResult("SF1002", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'StringSet' takes a lock that never expires (no expiry argument); a holder that crashes blocks every other client forever, so give the lock a lease"));

    // SET NX then EXPIRE, where every contender that fails checks the key's TTL and gives it one when it has none: a
    // holder that dies between the two commands leaves a key the next contender puts a lease on, not a lock held forever.
    [Fact]
    public Task SetNxThenExpire_WithContendersRepairingAMissingTtl_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        static class Locks
        {
            public static string? Take(IDatabase db, string name)
            {
                var owner = Guid.NewGuid().ToString();
                var key = "lock:" + name;
                for (var attempt = 0; attempt < 100; attempt++)
                {
                    if (db.StringSet(key, owner, when: When.NotExists))
                    {
                        db.KeyExpire(key, TimeSpan.FromSeconds(10));
                        return owner;
                    }
                    if (db.KeyTimeToLive(key) == null)
                        db.KeyExpire(key, TimeSpan.FromSeconds(10));
                    Thread.Sleep(5);
                }
                return null;
            }

            public static async Task<string?> TakeAsync(IDatabaseAsync db, string name)
            {
                var owner = Guid.NewGuid().ToString();
                for (var attempt = 0; attempt < 100; attempt++)
                {
                    if (await db.StringSetAsync(name, owner, when: When.NotExists))
                        return owner;
                    if (!(await db.KeyTimeToLiveAsync(name)).HasValue)
                        await db.KeyExpireAsync(name, TimeSpan.FromSeconds(10));
                    await Task.Delay(5);
                }
                return null;
            }
        }
        """);

    // The TTL check of another key repairs nothing for this one.
    [Fact]
    public Task SetNx_WithATtlRepairOfAnotherKey_IsFlagged() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        static class Locks
        {
            public static bool Take(IDatabase db, string owner)
            {
                if (db.KeyTimeToLive("other") == null)
                    db.KeyExpire("other", TimeSpan.FromSeconds(10));
                return [|db.StringSet("lock:jobs", owner, when: When.NotExists)|];
            }
        }
        """);

    [Fact]
    public Task StringSetAsyncNx_NullExpiry_OnIDatabaseAsync() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task<bool> Take(IDatabaseAsync db, string token) => await [|db.StringSetAsync("jobs", token, null, When.NotExists)|];
        }
        """);

    [Fact]
    public Task LockTake_ZeroAndInfinite_InLocalsAndFields() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            bool A(IDatabase db, string t) => [|db.LockTake("a", t, TimeSpan.Zero)|];
            bool B(IDatabase db, string t) => [|db.LockTake("b", t, Timeout.InfiniteTimeSpan)|];
            bool C(IDatabase db, string t) { var lease = TimeSpan.FromSeconds(0); return [|db.LockTake("c", t, lease)|]; }
            bool D(IDatabase db, string t) => [|db.LockTake("d", t, TimeSpan.MaxValue)|];
            bool E(IDatabase db, string t) => [|db.LockTake("e", t, default)|];
        }
        """);

    [Fact]
    public Task LockTakeAsync_Zero_InAsyncLambda() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            Func<IDatabaseAsync, Task<bool>> Take = async db => await [|db.LockTakeAsync("jobs", Guid.NewGuid().ToString(), TimeSpan.Zero)|];
        }
        """);

    [Fact]
    public Task ExecuteSetNx_WithoutExOrPx() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            RedisResult Take(IDatabase db) => [|db.Execute("SET", "jobs", Guid.NewGuid().ToString(), "NX")|];
            System.Threading.Tasks.Task<RedisResult> TakeAsync(IDatabaseAsync db) => [|db.ExecuteAsync("set", "jobs", Guid.NewGuid().ToString(), "nx")|];
        }
        """);

    [Fact]
    public Task ValueConditionOverload_WithoutExpiry() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            bool Take(IDatabase db) => [|db.StringSet("jobs", Guid.NewGuid().ToString(), when: ValueCondition.NotExists)|];
        }
        """);

    [Fact]
    public Task LocalFunction_InTopLevelStatements() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        bool Take(string token) => [|db.StringSet("jobs", token, null, When.NotExists)|];
        Console.WriteLine(Take(Guid.NewGuid().ToString()));
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task FieldReceiver_StatementForm() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly IDatabase _db;
            public Jobs(IDatabase db) { _db = db; }
            public void Take() { if ([|_db.StringSet("jobs", Guid.NewGuid().ToString(), null, When.NotExists)|]) { } }
        }
        """);

    // ---- clean shapes ----

    [Fact]
    public Task ClaimsThatCannotExpire_HashFieldAndExpirationDefault() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Leader
        {
            async Task<bool> ClaimAsync(IDatabase db, string node)
            {
                if (await [|db.HashSetAsync("leases", "leader", node, When.NotExists)|])
                    return true;
                return [|db.StringSet("leader-lock", node, Expiration.Default, ValueCondition.NotExists)|];
            }
        }
        """);

    [Fact]
    public Task SetNxThenASeparateExpire() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            bool Take(IDatabase db, string token)
            {
                var taken = (bool){|#0:db.Execute("SETNX", "jobs:lock", token)|};
                if (taken) db.KeyExpire("jobs:lock", TimeSpan.FromSeconds(30));
                return taken;
            }
            bool Take2(IDatabase db, string token)
            {
                if (![|db.StringSet("reports:lock", token, when: When.NotExists)|]) return false;
                db.KeyExpire("reports:lock", TimeSpan.FromSeconds(30));
                return true;
            }
        }
        """, new DiagnosticResult("SF1002", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'Execute' takes a lock that never expires (SETNX takes no expiry; the 'db.KeyExpire' after it is a separate command, and a crash between the two leaves the lock forever: set the expiry in the same SET NX PX command); a holder that crashes blocks every other client forever, so give the lock a lease"));

    [Fact]
    public Task GetSetLockThenASeparateExpire() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class OperationLocks
        {
            async Task<bool> IsBusyAsync(IDatabase db, string name)
            {
                var lockKey = new RedisKey("op-lock:" + name);
                var previous = await [|db.StringGetSetAsync(lockKey, "locked")|];
                if (previous.HasValue) return true;
                await db.KeyExpireAsync(lockKey, TimeSpan.FromMinutes(1));
                return false;
            }
        }
        class Stats
        {
            long ResetCounter(IDatabase db) => (long)db.StringGetSet("visits", 0);
        }
        """);

    [Fact]
    public Task LeasedLocks_AreClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);
            bool A(IDatabase db, string t) => db.StringSet("a", t, LockLease, When.NotExists);
            bool B(IDatabase db, string t) => db.LockTake("b", t, TimeSpan.FromSeconds(30));
            Task<bool> C(IDatabaseAsync db, string t) => db.StringSetAsync("c", t, TimeSpan.FromMilliseconds(500), When.NotExists);
            RedisResult D(IDatabase db, string t) => db.Execute("SET", "d", t, "NX", "PX", 30000);
            bool E(IDatabase db, string t) => db.StringSet("e", t, TimeSpan.FromSeconds(30), when: ValueCondition.NotExists);
        }
        """);

    [Fact]
    public Task NonLockSets_AreClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Cache
        {
            void Run(IDatabase db)
            {
                db.StringSet("a", 1);
                db.StringSet("b", 1, null, When.Always);
                db.StringSet("c", 1, when: When.Exists);
                db.Execute("SET", "d", 1);
            }
        }
        """);

    [Fact]
    public Task HashFieldMarkersWithoutLockWords_AreNotLocks() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Dedupe
        {
            bool FirstTime(IDatabase db, string messageId) => db.HashSet("processed", messageId, 1, When.NotExists);
        }
        """);

    [Fact]
    public Task ExpiryFromElsewhere_IsNotJudged() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        public class Jobs
        {
            public bool Take(IDatabase db, string t, TimeSpan lease) => db.LockTake("a", t, lease);
            public bool Take2(IDatabase db, string t, TimeSpan? lease) => db.StringSet("a", t, lease, When.NotExists);
        }
        """);

    [Fact]
    public Task ThreadingLocks_AreNotThisRule() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void Run() { Monitor.Enter(_gate); Monitor.Exit(_gate); }
        }
        """);

    [Fact]
    public Task NoRedisInTheCompilation_Nothing() => Verify.VerifyAsync("""
        class Jobs { bool StringSet(string k, string v, object e, int when) => true; bool Run() => StringSet("a", "b", null, 1); }
        """);

    [Fact]
    public Task SteadfastLock_IsClean() => Verify.VerifyAsync("""
        using System;
        using Steadfast.Locks;
        class Jobs
        {
            void Run(IDistributedLockProvider locks)
            {
                using var handle = locks.Acquire("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(30) });
            }
        }
        """, withSteadfast: true);
}
