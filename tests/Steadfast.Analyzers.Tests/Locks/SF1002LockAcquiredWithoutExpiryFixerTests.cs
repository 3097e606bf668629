using Microsoft.CodeAnalysis;
using Steadfast.Analyzers.Locks;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1002LockAcquiredWithoutExpiryAnalyzer,
    Steadfast.Analyzers.Locks.SF1002LockAcquiredWithoutExpiryFixer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1002LockAcquiredWithoutExpiryFixerTests
{
    [Fact]
    public Task NullExpiry_BecomesANamedLeaseField() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        class Jobs
        {
            // takes the jobs lock
            bool Take(IDatabase db, string token) => [|db.StringSet("jobs", token, null /* forever */, When.NotExists)|];
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            // How long a lock outlives a holder that crashed; renew it (LockExtend) for longer work.
            private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

            // takes the jobs lock
            bool Take(IDatabase db, string token) => db.StringSet("jobs", token, LockLease /* forever */, When.NotExists);
        }
        """, equivalenceKey: SF1002LockAcquiredWithoutExpiryFixer.EquivalenceKey);

    [Fact]
    public Task ExpireSetAfterTheClaim_BecomesTheClaimsOwnExpiry() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        static class Locks
        {
            public static string Acquire(IDatabase db, string name, long lockTimeoutMs)
            {
                var token = Guid.NewGuid().ToString();
                var key = "lock:" + name;
                var seconds = (int)(lockTimeoutMs / 1000);
                if ([|db.StringSet(key, token, when: When.NotExists)|])
                {
                    db.KeyExpire(key, TimeSpan.FromSeconds(seconds));
                    return token;
                }
                return null;
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        static class Locks
        {
            public static string Acquire(IDatabase db, string name, long lockTimeoutMs)
            {
                var token = Guid.NewGuid().ToString();
                var key = "lock:" + name;
                var seconds = (int)(lockTimeoutMs / 1000);
                if (db.StringSet(key, token, expiry: TimeSpan.FromSeconds(seconds), when: When.NotExists))
                {
                    db.KeyExpire(key, TimeSpan.FromSeconds(seconds));
                    return token;
                }
                return null;
            }
        }
        """, equivalenceKey: SF1002LockAcquiredWithoutExpiryFixer.EquivalenceKey);

    [Fact]
    public Task ExpireSetAfterTheClaim_Async_UsesItsLease_AndALeaseDeclaredLaterGetsTheField() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Locks
        {
            async Task<bool> TakeAsync(IDatabaseAsync db, string key, TimeSpan ttl)
            {
                if (!await [|db.StringSetAsync(key, "1", null, When.NotExists)|])
                    return false;
                await db.KeyExpireAsync(key, ttl);
                return true;
            }
            async Task<bool> TakeLaterAsync(IDatabaseAsync db, string key)
            {
                if (!await [|db.StringSetAsync(key, "1", null, When.NotExists)|])
                    return false;
                var ttl = TimeSpan.FromMinutes(1);
                await db.KeyExpireAsync(key, ttl);
                return true;
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Locks
        {
            // How long a lock outlives a holder that crashed; renew it (LockExtend) for longer work.
            private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

            async Task<bool> TakeAsync(IDatabaseAsync db, string key, TimeSpan ttl)
            {
                if (!await db.StringSetAsync(key, "1", ttl, When.NotExists))
                    return false;
                await db.KeyExpireAsync(key, ttl);
                return true;
            }
            async Task<bool> TakeLaterAsync(IDatabaseAsync db, string key)
            {
                if (!await db.StringSetAsync(key, "1", LockLease, When.NotExists))
                    return false;
                var ttl = TimeSpan.FromMinutes(1);
                await db.KeyExpireAsync(key, ttl);
                return true;
            }
        }
        """, equivalenceKey: SF1002LockAcquiredWithoutExpiryFixer.EquivalenceKey);

    [Fact]
    public Task OmittedExpiry_IsAddedAsNamedArgument_Async() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            Task<bool> Take(IDatabaseAsync db, string token) => [|db.StringSetAsync("jobs", token, when: When.NotExists)|];
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            // How long a lock outlives a holder that crashed; renew it (LockExtend) for longer work.
            private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

            Task<bool> Take(IDatabaseAsync db, string token) => db.StringSetAsync("jobs", token, expiry: LockLease, when: When.NotExists);
        }
        """);

    [Fact]
    public Task FixAll_SharesOneLeaseField_AndReusesAnExistingOne() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class ALocks
        {
            bool X(IDatabase db, string t) => [|db.LockTake("x", t, TimeSpan.Zero)|];
            bool Y(IDatabase db, string t) => [|db.LockTake("y", t, default)|];
            RedisResult Z(IDatabase db, string t) => [|db.Execute("SET", "z", t, "NX")|];
        }
        class BLocks
        {
            private static readonly TimeSpan LockLease = TimeSpan.FromMinutes(1);
            bool X(IDatabase db, string t) => [|db.StringSet("x", t, null, When.NotExists)|];
        }
        """, """
        using System;
        using StackExchange.Redis;
        class ALocks
        {
            // How long a lock outlives a holder that crashed; renew it (LockExtend) for longer work.
            private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(30);

            bool X(IDatabase db, string t) => db.LockTake("x", t, LockLease);
            bool Y(IDatabase db, string t) => db.LockTake("y", t, LockLease);
            RedisResult Z(IDatabase db, string t) => db.Execute("SET", "z", t, "NX", "PX", (long)LockLease.TotalMilliseconds);
        }
        class BLocks
        {
            private static readonly TimeSpan LockLease = TimeSpan.FromMinutes(1);
            bool X(IDatabase db, string t) => db.StringSet("x", t, LockLease, When.NotExists);
        }
        """);

    [Fact]
    public Task TopLevelStatements_GetTheLeaseInPlace() => Verify.VerifyFixAsync(["""
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        System.Console.WriteLine([|db.LockTake("jobs", "t", default)|]);
        """], ["""
        using System;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        System.Console.WriteLine(db.LockTake("jobs", "t", TimeSpan.FromSeconds(30)));
        """], outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task Steadfast_NxWithoutExpiry_GetsTheDefaultLease() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            void Run(IDatabase db, IDistributedLockProvider locks, RedisKey key)
            {
                var token = System.Guid.NewGuid().ToString();
                if (![|db.StringSet(key, token, when: When.NotExists)|]) throw new System.InvalidOperationException("busy");
                System.Console.WriteLine("work");
                db.LockRelease(key, token);
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            void Run(IDatabase db, IDistributedLockProvider locks, RedisKey key)
            {
                using var handle = locks.TryAcquire(key.ToString(), new LockOptions { Lease = TimeSpan.FromSeconds(30) });
                if (handle == null) throw new System.InvalidOperationException("busy");
                System.Console.WriteLine("work");
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1002LockAcquiredWithoutExpiryFixer.UseSteadfastLockKey);
}
