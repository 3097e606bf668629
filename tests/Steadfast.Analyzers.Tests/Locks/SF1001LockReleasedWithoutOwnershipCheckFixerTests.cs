using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Steadfast.Analyzers.Locks;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckAnalyzer,
    Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckFixer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1001LockReleasedWithoutOwnershipCheckFixerTests
{
    private static DiagnosticResult Origin(int at, int origin) =>
        new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(at).WithLocation(origin);

    [Fact]
    public Task MachineName_BecomesOneTokenForTheAcquireAndItsRelease() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db)
            {
                // one job at a time
                if (await db.LockTakeAsync("jobs", [|Environment.MachineName|], TimeSpan.FromSeconds(30)))
                {
                    try { } finally { await db.LockReleaseAsync("jobs", [|Environment.MachineName|]); }
                }
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db)
            {
                // one job at a time
                var lockToken = Guid.NewGuid().ToString("N");
                if (await db.LockTakeAsync("jobs", lockToken, TimeSpan.FromSeconds(30)))
                {
                    try { } finally { await db.LockReleaseAsync("jobs", lockToken); }
                }
            }
        }
        """, equivalenceKey: SF1001LockReleasedWithoutOwnershipCheckFixer.EquivalenceKey);

    [Fact]
    public Task SeedLock_EmptyFieldInitializer_BecomesAFreshToken() => Verify.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;
        public sealed class RedisLock
        {
            private readonly IDatabase _redis;
            private readonly string _lockKey;
            private readonly string _lockValue = {|#1:""|}; // the owner
            public RedisLock(IDatabase redis, string lockKey) { _redis = redis; _lockKey = lockKey; }
            public bool Acquire() => _redis.StringSet(_lockKey, {|#0:_lockValue|}, TimeSpan.FromSeconds(10), When.NotExists);
            public void Release()
            {
                const string script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
                _redis.ScriptEvaluate(script, [(RedisKey)_lockKey], [{|#2:_lockValue|}]);
            }
        }
        """], ["""
        using System;
        using StackExchange.Redis;
        public sealed class RedisLock
        {
            private readonly IDatabase _redis;
            private readonly string _lockKey;
            private readonly string _lockValue = Guid.NewGuid().ToString("N"); // the owner
            public RedisLock(IDatabase redis, string lockKey) { _redis = redis; _lockKey = lockKey; }
            public bool Acquire() => _redis.StringSet(_lockKey, _lockValue, TimeSpan.FromSeconds(10), When.NotExists);
            public void Release()
            {
                const string script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
                _redis.ScriptEvaluate(script, [(RedisKey)_lockKey], [_lockValue]);
            }
        }
        """], withSteadfast: false, expected: [Origin(0, 1), Origin(2, 1)]);

    [Fact]
    public Task FixAll_KeyDeletesBecomeLockRelease_WithTheTypesToken() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Orders
        {
            private readonly IDatabase _db;
            private readonly string _token = Guid.NewGuid().ToString("N");
            public Orders(IDatabase db) => _db = db;
            public bool AcquireLock() => _db.StringSet("lock:orders", _token, TimeSpan.FromSeconds(30), When.NotExists);
            public void ReleaseLock() => [|_db.KeyDelete("lock:orders")|];
            public Task<bool> ReleaseLockAsync() => [|_db.KeyDeleteAsync("lock:orders", CommandFlags.DemandMaster)|];
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Orders
        {
            private readonly IDatabase _db;
            private readonly string _token = Guid.NewGuid().ToString("N");
            public Orders(IDatabase db) => _db = db;
            public bool AcquireLock() => _db.StringSet("lock:orders", _token, TimeSpan.FromSeconds(30), When.NotExists);
            public void ReleaseLock() => _db.LockRelease("lock:orders", _token);
            public Task<bool> ReleaseLockAsync() => _db.LockReleaseAsync("lock:orders", _token, CommandFlags.DemandMaster);
        }
        """);

    [Fact]
    public Task TopLevelStatements_LiteralOwner() => Verify.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        if (db.LockTake("jobs", [|"worker"|], TimeSpan.FromSeconds(30)))
            db.LockRelease("jobs", [|"worker"|]);
        """], ["""
        using System;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();

        var lockToken = Guid.NewGuid().ToString("N");

        if (db.LockTake("jobs", lockToken, TimeSpan.FromSeconds(30)))
            db.LockRelease("jobs", lockToken);
        """], outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task ValueFromACallersParameter_HasNoAutomaticFix() => Verify.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        static class LockHelper
        {
            public static bool Take(IDatabase db, string owner) => db.LockTake("k", {|#0:owner|}, TimeSpan.FromSeconds(30));
            public static bool Run(IDatabase db) => Take(db, {|#1:Environment.MachineName|});
        }
        """, new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(1).WithLocation(0));

    [Fact]
    public Task Steadfast_MachineNameToken_BecomesTryAcquireAsync() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Locks;
        class Jobs
        {
            private readonly IDistributedLockProvider _locks;
            public Jobs(IDistributedLockProvider locks) { _locks = locks; }
            async Task<bool> Run(IDatabaseAsync db, CancellationToken cancellationToken)
            {
                if (!await db.LockTakeAsync("jobs", [|Environment.MachineName|], TimeSpan.FromSeconds(45))) return false;
                await Task.Delay(10, cancellationToken);
                await db.LockReleaseAsync("jobs", [|Environment.MachineName|]);
                return true;
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
            private readonly IDistributedLockProvider _locks;
            public Jobs(IDistributedLockProvider locks) { _locks = locks; }
            async Task<bool> Run(IDatabaseAsync db, CancellationToken cancellationToken)
            {
                await using (var handle = await _locks.TryAcquireAsync("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(45) }, cancellationToken))
                {
                    if (handle == null) return false;
                    await Task.Delay(10, cancellationToken);
                }
                return true;
            }
        }
        """, withSteadfast: true, equivalenceKey: SF1001LockReleasedWithoutOwnershipCheckFixer.UseSteadfastLockKey);

    [Fact]
    public Task StaticReadonlyToken_UsedOnlyByOneAcquisition_GetsATokenPerAcquisition() => Verify.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            private static readonly string Token = {|#1:Guid.NewGuid().ToString()|};
            void Run(IDatabase db)
            {
                if (!db.LockTake("jobs", {|#0:Token|}, TimeSpan.FromSeconds(30))) return;
                try { Console.WriteLine("work"); }
                finally { db.LockRelease("jobs", {|#2:Token|}); }
            }
        }
        """], ["""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            private static readonly string Token = Guid.NewGuid().ToString();
            void Run(IDatabase db)
            {
                var lockToken = Guid.NewGuid().ToString("N");
                if (!db.LockTake("jobs", lockToken, TimeSpan.FromSeconds(30))) return;
                try { Console.WriteLine("work"); }
                finally { db.LockRelease("jobs", lockToken); }
            }
        }
        """], equivalenceKey: SF1001LockReleasedWithoutOwnershipCheckFixer.EquivalenceKey,
        expected: [new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1), new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(2).WithLocation(1)]);

    // The static token is also read by another method: a token per acquisition here would make that release miss.
    [Fact]
    public Task StaticReadonlyToken_UsedElsewhere_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            private static readonly string Token = {|#1:Guid.NewGuid().ToString()|};
            bool Take(IDatabase db) => db.LockTake("jobs", {|#0:Token|}, TimeSpan.FromSeconds(30));
            void Release(IDatabase db) => db.LockRelease("jobs", {|#2:Token|});
        }
        """, new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1), new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(2).WithLocation(1));

    // A handle whose Dispose deletes the key: the token would have to be carried from the acquire into the handle.
    [Fact]
    public Task DisposableHandleDeletingTheKey_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        sealed class Handle : IDisposable
        {
            private readonly IDatabase _db;
            private readonly RedisKey _key;
            public Handle(IDatabase db, RedisKey key) { _db = db; _key = key; }
            public void Dispose() => {|#0:_db.KeyDelete(_key)|};
        }
        sealed class Locks
        {
            public Handle? TryTake(IDatabase db, string key) =>
                db.StringSet(key, Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30), When.NotExists) ? new Handle(db, {|#1:key|}) : null;
        }
        """, new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1));

    // A cache-stampede mutex: SET NX with a constant, then KeyDelete on each path. The token alone would change nothing
    // (the deletes still remove whoever holds the key), so the same edit turns every delete of the key after the acquire
    // into LockRelease with the token. Fixing any of the three diagnostics gives the same result.
    [Fact]
    public Task ConstantMutexValue_WithDeletes_BecomesTokenAndLockReleases_Async() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Cache
        {
            private readonly IDatabaseAsync _db;
            public Cache(IDatabaseAsync db) => _db = db;
            public async Task<string> GetAsync(string key, Func<Task<string>> load)
            {
                var gotMutex = await _db.StringSetAsync($"{key}_Lock", [|1|], TimeSpan.FromSeconds(5), When.NotExists);
                if (!gotMutex)
                    return "busy";
                var item = await load();
                if (item != null)
                {
                    await _db.StringSetAsync(key, item);
                    await [|_db.KeyDeleteAsync($"{key}_Lock")|];
                    return item;
                }
                await [|_db.KeyDeleteAsync($"{key}_Lock")|];
                return "none";
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Cache
        {
            private readonly IDatabaseAsync _db;
            public Cache(IDatabaseAsync db) => _db = db;
            public async Task<string> GetAsync(string key, Func<Task<string>> load)
            {
                var lockToken = Guid.NewGuid().ToString("N");
                var gotMutex = await _db.StringSetAsync($"{key}_Lock", lockToken, TimeSpan.FromSeconds(5), When.NotExists);
                if (!gotMutex)
                    return "busy";
                var item = await load();
                if (item != null)
                {
                    await _db.StringSetAsync(key, item);
                    await _db.LockReleaseAsync($"{key}_Lock", lockToken);
                    return item;
                }
                await _db.LockReleaseAsync($"{key}_Lock", lockToken);
                return "none";
            }
        }
        """, equivalenceKey: SF1001LockReleasedWithoutOwnershipCheckFixer.EquivalenceKey);

    [Fact]
    public Task ConstantMutexValue_WithDelete_BecomesTokenAndLockRelease_Sync() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Cache
        {
            public string Get(IDatabase db, string key)
            {
                if (!db.StringSet(key + ":mutex", [|"1"|], TimeSpan.FromSeconds(5), When.NotExists))
                    return "busy";
                Console.WriteLine("rebuild");
                [|db.KeyDelete(key + ":mutex")|];
                return "done";
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Cache
        {
            public string Get(IDatabase db, string key)
            {
                var lockToken = Guid.NewGuid().ToString("N");
                if (!db.StringSet(key + ":mutex", lockToken, TimeSpan.FromSeconds(5), When.NotExists))
                    return "busy";
                Console.WriteLine("rebuild");
                db.LockRelease(key + ":mutex", lockToken);
                return "done";
            }
        }
        """, equivalenceKey: SF1001LockReleasedWithoutOwnershipCheckFixer.EquivalenceKey);
}
