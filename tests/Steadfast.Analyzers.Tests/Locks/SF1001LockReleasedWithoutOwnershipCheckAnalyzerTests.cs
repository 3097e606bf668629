using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckAnalyzer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1001LockReleasedWithoutOwnershipCheckAnalyzerTests
{
    /// <summary>A diagnostic at markup <paramref name="at"/> whose additional location is where the bad value comes from.</summary>
    private static DiagnosticResult Origin(int at, int origin) =>
        new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(at).WithLocation(origin);

    [Fact]
    public Task ValueMadeFromTheKeyAndConstants_IsTheSameForEveryTaker() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        sealed class JobLocks
        {
            private readonly IDatabase _db;
            public JobLocks(IDatabase db) => _db = db;
            public bool TryTake(string job) =>
                _db.StringSet("take:" + job, {|#0:job + ":taken"|}, TimeSpan.FromMinutes(5), When.NotExists);
            public async Task<bool> TryTakeAsync(string job)
            {
                var key = new RedisKey($"lock:{job}");
                return await _db.LockTakeAsync(key, {|#1:new RedisValue($"{job}-owner")|}, TimeSpan.FromMinutes(5));
            }
            public bool KeyAsItsOwnValue(string name) => _db.LockTake(name, {|#2:name|}, TimeSpan.FromMinutes(5));
            // A per-acquisition part, or a part the key does not have, makes the value something else.
            public bool WithGuid(string job) => _db.LockTake("take:" + job, job + ":" + Guid.NewGuid(), TimeSpan.FromMinutes(5));
            public bool WithCallerToken(string job, string owner) => _db.LockTake("take:" + job, owner + job, TimeSpan.FromMinutes(5));
        }
        """,
        new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'_db.StringSet' takes the lock with 'job + \":taken\"': made only from the lock key and constants, so every acquisition of this key carries the same value. Any client can release it; use a token unique to this acquisition."),
        new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(1)
            .WithMessage("'_db.LockTakeAsync' takes the lock with 'new RedisValue($\"{job}-owner\")': made only from the lock key and constants, so every acquisition of this key carries the same value. Any client can release it; use a token unique to this acquisition."),
        new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(2)
            .WithMessage("'_db.LockTake' takes the lock with 'name': made only from the lock key and constants, so every acquisition of this key carries the same value. Any client can release it; use a token unique to this acquisition."));

    [Fact]
    public Task Message_NamesTheValue_ItsOrigin_AndWhy() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            bool Take(IDatabase db) => db.LockTake("jobs", {|#0:Environment.MachineName|}, TimeSpan.FromSeconds(30));
        }
        """, new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'db.LockTake' takes the lock with 'Environment.MachineName': the machine name, shared by every thread and process of this host. Any client can release it; use a token unique to this acquisition."));

    [Fact]
    public Task SeedLock_EmptyFieldValue_FlaggedAtAcquireAndCompareAndDelete_WithTheFieldAsOrigin() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        public sealed class RedisLock
        {
            private readonly IDatabase _redis;
            private readonly string _lockKey;
            private readonly string _lockValue = {|#1:""|};
            public RedisLock(IDatabase redis, string lockKey) { _redis = redis; _lockKey = lockKey; }
            public bool Acquire(int timeoutSeconds = 10) =>
                _redis.StringSet(_lockKey, {|#0:_lockValue|}, TimeSpan.FromSeconds(timeoutSeconds), When.NotExists);
            public void Release()
            {
                const string script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
                _redis.ScriptEvaluate(script, [(RedisKey)_lockKey], [{|#2:_lockValue|}]);
            }
        }
        """, Origin(0, 1), Origin(2, 1));

    [Fact]
    public Task MachineName_LockTakeAsync_OnIDatabaseAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db)
            {
                if (await db.LockTakeAsync("jobs", [|Environment.MachineName|], TimeSpan.FromSeconds(30)))
                {
                    try { } finally { await db.LockReleaseAsync("jobs", [|Environment.MachineName|]); }
                }
            }
        }
        """);

    [Fact]
    public Task ConstantAndLiteral_StringSetNx_And_ValueConditionOverload() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            const string Owner = "worker";
            bool A(IDatabase db) => db.StringSet("lock:a", [|Owner|], TimeSpan.FromSeconds(5), When.NotExists);
            bool B(IDatabase db) => db.StringSet("lock:b", [|"1"|], TimeSpan.FromSeconds(5), ValueCondition.NotExists);
            bool C(IDatabase db) => db.StringSet("lock:c", [|RedisValue.EmptyString|], TimeSpan.FromSeconds(5), when: When.NotExists);
        }
        """);

    [Fact]
    public Task StaticReadonlyGuid_IsSharedByEveryAcquisition() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            static readonly string Token = {|#1:Guid.NewGuid().ToString()|};
            bool Take(IDatabase db) => db.LockTake("jobs", {|#0:Token|}, TimeSpan.FromSeconds(30));
        }
        """, Origin(0, 1));

    [Fact]
    public Task HelperParameter_FlaggedAtTheCaller_WithTheHelpersUseAsOrigin() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        static class LockHelper
        {
            public static Task<bool> AcquireLockAsync(this IDatabaseAsync db, string key, string owner) =>
                db.StringSetAsync(key, {|#0:owner|}, TimeSpan.FromSeconds(30), When.NotExists);
        }
        class Caller
        {
            Task<bool> Run(IDatabaseAsync db) => db.AcquireLockAsync("orders", {|#1:$"{Environment.MachineName}:orders"|});
        }
        """, new DiagnosticResult("SF1001", DiagnosticSeverity.Warning).WithLocation(1).WithLocation(0)
            .WithMessage("'$\"{Environment.MachineName}:orders\"' is handed to 'AcquireLockAsync', which takes the lock with it: the machine name, shared by every thread and process of this host. Any client can release it; use a token unique to this acquisition."));

    // A wrapper whose take and release run in a lambda over the connection, as thin Redis helpers do: the wrapper only
    // forwards its caller's value, so the caller that passes the machine name is the one reported, once per call.
    [Fact]
    public Task WrapperForwardingThroughALambda_FlaggedAtTheCallersTakeAndRelease() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class RedisWrapper
        {
            private readonly IDatabase _db;
            public RedisWrapper(IDatabase db) => _db = db;
            private T Run<T>(Func<IDatabase, T> action) => action(_db);
            public bool Take(string key, string value, TimeSpan expiry) => Run(db => db.LockTake(key, {|#0:value|}, expiry));
            public bool Release(string key, string value) => Run(db => db.LockRelease(key, {|#1:value|}));
        }
        static class Job
        {
            static void Main(RedisWrapper redis)
            {
                var owner = Environment.MachineName;
                if (!redis.Take("nightly", {|#2:owner|}, TimeSpan.FromMinutes(1)))
                    return;
                try { Console.WriteLine("work"); }
                finally { redis.Release("nightly", {|#3:owner|}); }
            }
        }
        """, Origin(2, 0), Origin(3, 1));

    // The key itself is new for every run (a fresh Guid): nobody else can take it, so a shared value releases nobody's lock.
    [Fact]
    public Task KeyUniqueToTheAcquisition_AnyValue_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class RedisWrapper
        {
            private readonly IDatabase _db;
            public RedisWrapper(IDatabase db) => _db = db;
            public bool Take(string key, string value) => _db.LockTake(key, value, TimeSpan.FromSeconds(30));
            public bool Release(string key, string value) => _db.LockRelease(key, value);
        }
        static class Demo
        {
            static void Main(RedisWrapper redis, IDatabase db)
            {
                var key = Guid.NewGuid().ToString();
                if (redis.Take(key, Environment.MachineName))
                    redis.Release(key, Environment.MachineName);
                var scratch = "scratch:" + Guid.NewGuid().ToString("N");
                if (db.LockTake(scratch, "me", TimeSpan.FromSeconds(5)))
                    db.LockRelease(scratch, "me");
            }
        }
        """);

    [Fact]
    public Task WrapperWhoseCallersPassAFreshToken_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class RedisWrapper
        {
            private readonly IDatabase _db;
            public RedisWrapper(IDatabase db) => _db = db;
            public bool Take(string key, string value) => _db.LockTake(key, value, TimeSpan.FromSeconds(30));
            public bool Release(string key, string value) => _db.LockRelease(key, value);
        }
        static class Job
        {
            static void Main(RedisWrapper redis)
            {
                var owner = Guid.NewGuid().ToString("N");
                if (redis.Take("nightly", owner))
                    redis.Release("nightly", owner);
            }
        }
        """);

    [Fact]
    public Task ConstructorParameter_ToField_FromCaller() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class Lease
        {
            private readonly IDatabase _db;
            private readonly string _owner;
            public Lease(IDatabase db, string owner) { _db = db; _owner = owner; }
            public bool Take() => _db.LockTake("lease", {|#0:_owner|}, TimeSpan.FromSeconds(10));
        }
        class Host
        {
            Lease Make(IDatabase db) => new Lease(db, {|#1:Environment.MachineName|});
        }
        """, Origin(0, 1));

    [Fact]
    public Task KeyDelete_OfAKeyLockedInTheSameType_ExpressionBodied_AndAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Orders
        {
            private readonly IDatabase _db;
            private readonly string _token = {|#1:Guid.NewGuid().ToString("N")|};
            public Orders(IDatabase db) => _db = db;
            public bool AcquireLock(string key) => _db.StringSet($"lock:{key}", {|#0:_token|}, TimeSpan.FromSeconds(30), When.NotExists);
            public void ReleaseLock(string key) => [|_db.KeyDelete($"lock:{key}")|];
            public Task<bool> ReleaseLockAsync(string key) => [|_db.KeyDeleteAsync($"lock:{key}")|];
        }
        """, Origin(0, 1));

    [Fact]
    public Task GetCompareThenDelete_IsNotAtomic() => Verify.VerifyAsync("""
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
    public Task DisposableHandle_WhoseDisposeDeletesTheKey() => Verify.VerifyAsync("""
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
        """, Origin(0, 1));

    [Fact]
    public Task ExecuteSetNx_LocalFromLiteral_InALambda() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            Func<IDatabase, RedisResult> Take = db =>
            {
                var owner = {|#1:"me"|};
                return db.Execute("SET", "jobs", {|#0:owner|}, "NX", "PX", 30000);
            };
        }
        """, Origin(0, 1));

    [Fact]
    public Task LocalFunction_AndTopLevelStatements() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        bool Take() => db.LockTake("jobs", [|Environment.MachineName|], TimeSpan.FromSeconds(30));
        if (Take()) db.LockRelease("jobs", [|Environment.MachineName|]);
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task TokenMadeOncePerInstanceOfASharedLockService() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        public sealed class JobLocks
        {
            private readonly IDatabase _db;
            private readonly string _instanceId;
            public JobLocks(IDatabase db) { _db = db; _instanceId = {|#1:Guid.NewGuid().ToString()|}; }
            public Task<bool> TakeAsync(string job) => _db.LockTakeAsync("job-lock:" + job, {|#0:_instanceId|}, TimeSpan.FromMinutes(1));
            public Task<bool> GiveBackAsync(string job) => _db.LockReleaseAsync("job-lock:" + job, {|#2:_instanceId|});
        }
        """, Origin(0, 1), Origin(2, 1));

    [Fact]
    public Task KeyDelete_OfANewRedisKeyBuiltFromTheSameName() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Locks
        {
            bool Take(IDatabase db, string name) => db.LockTake(new RedisKey(name), Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30));
            void Free(IDatabase db, string name)
            {
                var key = new RedisKey(name);
                [|db.KeyDelete(key)|];
            }
        }
        """);

    [Fact]
    public Task ConstantHandedToAPreparedCompareAndDeleteScript() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Unlocker
        {
            private static readonly LuaScript Unlock = LuaScript.Prepare(
                "if redis.call('get', @key) == @owner then return redis.call('del', @key) else return 0 end");
            void Release(IDatabase db, string name) =>
                db.ScriptEvaluate(Unlock, new { key = (RedisKey)("lock:" + name), owner = [|"worker"|] });
            void ReleaseLoaded(IDatabase db, IServer server, string name)
            {
                var loaded = Unlock.Load(server);
                loaded.Evaluate(db, new { key = (RedisKey)("lock:" + name), owner = [|Environment.MachineName|] });
            }
        }
        """);

    // ---- clean shapes ----

    [Fact]
    public Task UniqueTokenPerAcquisition_ReleasedWithLockRelease_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString("N");
                if (!await db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30))) return;
                try { } finally { await db.LockReleaseAsync("jobs", token); }
            }
        }
        """);

    [Fact]
    public Task RandomNumberGeneratorAndMachineNamePlusGuid_AreUnique() => Verify.VerifyAsync("""
        using System;
        using System.Security.Cryptography;
        using StackExchange.Redis;
        class Jobs
        {
            bool A(IDatabase db) => db.StringSet("a", Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), TimeSpan.FromSeconds(5), When.NotExists);
            bool B(IDatabase db) => db.StringSet("b", $"{Environment.MachineName}:{Guid.NewGuid():N}", TimeSpan.FromSeconds(5), When.NotExists);
        }
        """);

    [Fact]
    public Task InstanceTokenFromGuid_HeldByTheHandle_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class Handle : IDisposable
        {
            private readonly IDatabase _db;
            private readonly string _key;
            private readonly string _token = Guid.NewGuid().ToString();
            public Handle(IDatabase db, string key) { _db = db; _key = key; }
            public bool Take() => _db.LockTake(_key, _token, TimeSpan.FromSeconds(30));
            public void Dispose() => _db.LockRelease(_key, _token);
        }
        """);

    [Fact]
    public Task PreparedScriptWithAFreshToken_AndTokenMadePerCall_AreClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        public sealed class JobLocks
        {
            private static readonly LuaScript Unlock = LuaScript.Prepare(
                "if redis.call('get', @key) == @owner then return redis.call('del', @key) else return 0 end");
            private readonly IDatabase _db;
            private string _current = "";
            public JobLocks(IDatabase db) => _db = db;
            public bool Take(string job)
            {
                _current = Guid.NewGuid().ToString();
                return _db.LockTake("job-lock:" + job, _current, TimeSpan.FromMinutes(1));
            }
            public void Release(string job, string token) =>
                _db.ScriptEvaluate(Unlock, new { key = (RedisKey)("job-lock:" + job), owner = token });
        }
        """);

    [Fact]
    public Task OneTimeMarkersWithAConstantAndATtl_NeverReleased_AreNotLocks() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Notices
        {
            async Task WarnOnceAsync(IDatabase db, long chatId, Func<Task> send)
            {
                if (await db.StringSetAsync($"warned:{chatId}", "1", TimeSpan.FromMinutes(1), When.NotExists))
                    await send();
                if (await db.StringSetAsync(NoticeKey(chatId), "1", TimeSpan.FromMinutes(10), When.NotExists))
                    await send();
            }
            static string NoticeKey(long chatId) => "notice:" + chatId;
        }
        class Snapshots
        {
            async Task<bool> ClaimAsync(IDatabase db, string id) =>
                await db.StringSetAsync("snapshot:" + id, [|"1"|], TimeSpan.FromMinutes(5), When.NotExists);
            Task DoneAsync(IDatabase db, string id) => [|db.KeyDeleteAsync("snapshot:" + id)|];
        }
        """);

    [Fact]
    public Task HelperClassWithAGenericKeyDeleteBesideItsLockTake_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        public class RedisHelper
        {
            private readonly IDatabase _db;
            public RedisHelper(IDatabase db) => _db = db;
            public bool LockTake(string key, string value, TimeSpan expiry) => _db.LockTake(key, value, expiry);
            public bool LockRelease(string key, string value) => _db.LockRelease(key, value);
            public bool KeyDelete(string key) => _db.KeyDelete(key);
        }
        public class LockStore
        {
            private readonly IDatabase _db;
            public LockStore(IDatabase db) => _db = db;
            public bool Take(string key) => _db.StringSet(key, Guid.NewGuid().ToString(), TimeSpan.FromSeconds(30), When.NotExists);
            public bool ReleaseLock(string key) => [|_db.KeyDelete(key)|];
        }
        """);

    [Fact]
    public Task PlainSetsAndDeletesOfOtherKeys_AreClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Cache
        {
            void Run(IDatabase db, string id)
            {
                db.StringSet("cache:" + id, "value");
                db.StringSet("counter", 1, when: When.Exists);
                db.KeyDelete("cache:" + id);
                db.StringSet($"lock:{id}", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(5), When.NotExists);
                db.KeyDelete($"other:{id}");
            }
        }
        """);

    [Fact]
    public Task ValueFromElsewhere_IsNotJudged() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        public class Jobs
        {
            public bool Take(IDatabase db, string key, string token) => db.LockTake(key, token, TimeSpan.FromSeconds(30));
            public bool Take2(IDatabase db, Func<string> next) => db.LockTake("k", next(), TimeSpan.FromSeconds(30));
        }
        """);

    [Fact]
    public Task ConditionedTransaction_IsAtomic() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                if (!db.LockTake("jobs", token, TimeSpan.FromSeconds(30))) return;
                var tran = db.CreateTransaction();
                tran.AddCondition(Condition.StringEqual("jobs", token));
                _ = tran.KeyDeleteAsync("jobs");
                await tran.ExecuteAsync();
            }
        }
        """);

    [Fact]
    public Task SteadfastLockProvider_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDistributedLockProvider locks)
            {
                await using var handle = await locks.AcquireAsync("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(30) });
            }
        }
        """, withSteadfast: true);
    [Fact]
    public Task CacheFillWithSetNx_ThenKeyDeleteElsewhere_IsNotALock() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class ProductCache
        {
            private readonly IDatabase _db;
            public ProductCache(IDatabase db) => _db = db;
            public async Task<string> GetOrCreateAsync(string key, Func<Task<string>> load)
            {
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
