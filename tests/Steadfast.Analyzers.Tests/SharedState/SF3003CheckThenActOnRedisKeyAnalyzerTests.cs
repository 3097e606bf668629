using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.SharedState.SF3003CheckThenActOnRedisKeyAnalyzer>;

namespace Steadfast.Analyzers.Tests.SharedState;

public sealed class SF3003CheckThenActOnRedisKeyAnalyzerTests
{
    // ---- Bad shapes ----

    [Fact]
    public Task KeyExistsThenStringSet() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Locks
        {
            public bool TryLock(IDatabase db, string key)
            {
                if (!{|#1:db.KeyExists(key)|})
                {
                    {|#0:db.StringSet(key, "1")|};
                    return true;
                }
                return false;
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("StringSet", "key", "KeyExists", "depends on", "; use When.NotExists/When.Exists, a transaction condition or a script"));

    [Fact]
    public Task AsyncKeyExistsThenStringSetAsync() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Locks
        {
            public async Task<bool> TryLockAsync(IDatabaseAsync db, RedisKey key)
            {
                if (await db.KeyExistsAsync(key)) return false;
                await [|db.StringSetAsync(key, "1", System.TimeSpan.FromSeconds(30))|];
                return true;
            }
        }
        """);

    [Fact]
    public Task ExistsFlagInALocal() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Seats
        {
            public void Reserve(IDatabase db, string seat, string user)
            {
                var taken = db.KeyExists("seat:" + seat);
                if (!taken)
                    [|db.StringSet("seat:" + seat, user)|];
            }
        }
        """);

    [Fact]
    public Task StringGetNullThenSet_CacheFill() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Cache
        {
            public string Get(IDatabase db, string key)
            {
                var cached = db.StringGet(key);
                if (cached.IsNull)
                {
                    var fresh = Load();
                    [|db.StringSet(key, fresh)|];
                    return fresh;
                }
                return cached!;
            }
            string Load() => "v";
        }
        """);

    [Fact]
    public Task StringGetComparedThenSet() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Version
        {
            public bool Bump(IDatabase db, string key, string expected, string next)
            {
                if (db.StringGet(key) == expected)
                {
                    [|db.StringSet(key, next)|];
                    return true;
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task StringGetComparedThenKeyDelete() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Unlock
        {
            public void Release(IDatabase db, string key, string token)
            {
                string? current = db.StringGet(key);
                if (current == token)
                    [|db.KeyDelete(key)|];
            }
        }
        """);

    [Fact]
    public Task HashExistsThenHashSet() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Profiles
        {
            public void Init(IDatabase db, string user)
            {
                if (!db.HashExists("profiles", user))
                    [|db.HashSet("profiles", user, "{}")|];
            }
        }
        """);

    [Fact]
    public Task HashGetHasValueElseBranchSets() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Quotas
        {
            public async Task EnsureAsync(IDatabaseAsync db, string tenant)
            {
                var quota = await db.HashGetAsync("quotas", tenant);
                if (quota.HasValue)
                    return;
                else
                    await [|db.HashSetAsync("quotas", tenant, 100)|];
            }
        }
        """);

    [Fact]
    public Task StringIsNullOrEmptyThenSetWithExplicitAlways() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Tokens
        {
            private const string Key = "token";
            public void Ensure(IDatabase db)
            {
                if (string.IsNullOrEmpty(db.StringGet(Key)))
                    [|db.StringSet(Key, "t", null, When.Always)|];
            }
        }
        """);

    [Fact]
    public Task ConjunctionWithOtherCondition() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Jobs
        {
            public void Schedule(IDatabase db, string id, bool enabled)
            {
                if (enabled && !db.KeyExists($"job:{id}"))
                    [|db.StringSet($"job:{id}", "queued")|];
            }
        }
        """);

    [Fact]
    public Task EarlyReturnInsideLoopBody() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Dedup
        {
            public int MarkAll(IDatabase db, string[] ids)
            {
                var n = 0;
                foreach (var id in ids)
                {
                    if (db.KeyExists(id)) continue;
                    [|db.StringSet(id, 1)|];
                    n++;
                }
                return n;
            }
        }
        """);

    [Fact]
    public Task CounterReadIncrementedAndWrittenBack() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Visits
        {
            public long Hit(IDatabase db, string page)
            {
                var count = (long){|#1:db.StringGet("visits:" + page)|};
                count++;
                {|#0:db.StringSet("visits:" + page, count)|};
                return count;
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("StringSet", "\"visits:\" + page", "StringGet", "writes back a value computed from", " and its update is lost; use INCRBY/DECRBY (HINCRBY), a transaction condition or a script"));

    [Fact]
    public Task StockReadCheckedAndDecrementedAsync() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Seckill
        {
            public async Task<bool> BuyAsync(IDatabase db, string sku)
            {
                var raw = await db.StringGetAsync(sku);
                var stock = (int)raw;
                if (stock <= 0) return false;
                await [|db.StringSetAsync(sku, stock - 1)|];
                return true;
            }
        }
        """);

    [Fact]
    public Task HashFieldReadModifiedAndWrittenBack() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Wallet
        {
            public void Credit(IDatabase db, string user, decimal amount)
            {
                var balance = decimal.Parse(db.HashGet("wallets", user)!);
                [|db.HashSet("wallets", user, (balance + amount).ToString())|];
            }
        }
        """);

    // ---- Clean shapes ----

    [Fact]
    public Task AtomicIncrementsTransactionsAndUnrelatedWritesAreClean() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Counters
        {
            public long Hit(IDatabase db, string page) => db.StringIncrement("visits:" + page);
            public void Touch(IDatabase db, string key, string fresh)
            {
                var old = db.StringGet(key);
                db.StringSet(key, fresh);
                db.StringSet(key + ":previous", old);
            }
            public async Task<bool> DecrementAsync(IDatabase db, string sku)
            {
                var stock = (int)await db.StringGetAsync(sku);
                var tran = db.CreateTransaction();
                tran.AddCondition(Condition.StringEqual(sku, stock));
                _ = tran.StringSetAsync(sku, stock - 1);
                return await tran.ExecuteAsync();
            }
            public void UnderLock(IDatabase db, string sku, string token)
            {
                if (db.LockTake("lock:" + sku, token, System.TimeSpan.FromSeconds(5)))
                {
                    try
                    {
                        var stock = (int)db.StringGet(sku);
                        db.StringSet(sku, stock - 1);
                    }
                    finally { db.LockRelease("lock:" + sku, token); }
                }
            }
        }
        """);

    // The read-compare-write runs in a callback that a lock service runs while it holds the lock: the lock serialises it.
    // The same read-modify-write called from outside the callback is still flagged.
    [Fact]
    public Task ReadModifyWrite_InACallbackRunUnderALock_IsClean_OutsideItFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        interface ILockRunner
        {
            Task<T> AcquireLockAsync<T>(string resource, TimeSpan expiry, Func<T> whileHeld);
            T AcquireLock<T>(string resource, TimeSpan expiry, Func<Task<T>> whileHeld);
        }
        class Orders
        {
            private readonly IDatabase _db;
            private readonly ILockRunner _locks;
            public Orders(IDatabase db, ILockRunner locks) { _db = db; _locks = locks; }
            public Task<string?> NextAsync() => _locks.AcquireLockAsync("order-no", TimeSpan.FromSeconds(10), () =>
            {
                var last = (string?)_db.StringGet("last-order");
                var next = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
                if (last == next)
                    return null;
                _db.StringSet("last-order", next);
                return (string?)next;
            });
            public long Bump() => _locks.AcquireLock("stock", TimeSpan.FromSeconds(10), async () =>
            {
                var stock = (long)await _db.StringGetAsync("stock");
                await _db.StringSetAsync("stock", stock + 1);
                return stock + 1;
            });
            public void BumpWithoutTheLock()
            {
                var stock = (long){|#1:_db.StringGet("stock")|};
                {|#0:_db.StringSet("stock", stock + 1)|};
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1)
            .WithArguments("StringSet", "\"stock\"", "StringGet", "writes back a value computed from", " and its update is lost; use INCRBY/DECRBY (HINCRBY), a transaction condition or a script"));

    [Fact]
    public Task ConditionalSetsAreClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Locks
        {
            public bool TryLock(IDatabase db, string key)
            {
                if (!db.KeyExists(key))
                    return db.StringSet(key, "1", System.TimeSpan.FromSeconds(5), When.NotExists);
                if (db.HashExists("h", key)) db.HashSet("h", key, 1, When.NotExists);
                return false;
            }
        }
        """);

    [Fact]
    public Task TransactionWithConditionIsClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Swap
        {
            public bool Bump(IDatabase db, string key, string expected, string next)
            {
                if (db.StringGet(key) != expected) return false;
                var tran = db.CreateTransaction();
                tran.AddCondition(Condition.StringEqual(key, expected));
                _ = tran.StringSetAsync(key, next);
                return tran.Execute();
            }
        }
        """);

    [Fact]
    public Task DifferentKeysAreClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Audit
        {
            public void Touch(IDatabase db, string user)
            {
                if (!db.KeyExists("user:" + user))
                    db.StringSet("audit:" + user, "missing");
                if (db.HashExists("h", "a"))
                    db.HashSet("h", "b", 1);
            }
        }
        """);

    [Fact]
    public Task UnconditionalWriteNotOnADependentPathIsClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Config
        {
            public string? Swap(IDatabase db, string key, string value)
            {
                var old = db.StringGet(key);
                db.StringSet(key, value);
                if (old.IsNull) return null;
                return old;
            }
        }
        """);

    [Fact]
    public Task DeleteAfterExistenceCheckIsClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Cleanup
        {
            public void Remove(IDatabase db, string key)
            {
                if (db.KeyExists(key))
                    db.KeyDelete(key);
            }
        }
        """);

    [Fact]
    public Task UnderADistributedLockIsClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Guarded
        {
            public void Init(IDatabase db, string key, string token)
            {
                if (db.LockTake("lock:" + key, token, System.TimeSpan.FromSeconds(10)))
                {
                    try
                    {
                        if (!db.KeyExists(key)) db.StringSet(key, "init");
                    }
                    finally { db.LockRelease("lock:" + key, token); }
                }
            }
        }
        """);

    [Fact]
    public Task WritesInsideBatchOrTransactionAreClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Batched
        {
            public void Run(IDatabase db, string key)
            {
                var batch = db.CreateBatch();
                if (!db.KeyExists(key)) _ = batch.StringSetAsync(key, "x");
                batch.Execute();
            }
        }
        """);

    [Fact]
    public Task ReassignedLocalBreaksTheDependency() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Refresh
        {
            public void Run(IDatabase db, string key, bool force)
            {
                var exists = db.KeyExists(key);
                if (force) exists = false;
                if (!exists) db.StringSet(key, "v");
            }
        }
        """);

    [Fact]
    public Task ScriptIsClean() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Scripted
        {
            public void Init(IDatabase db, string key)
            {
                if (!db.KeyExists(key))
                    db.ScriptEvaluate("if redis.call('exists', KEYS[1]) == 0 then redis.call('set', KEYS[1], ARGV[1]) end", new RedisKey[] { key }, new RedisValue[] { "v" });
            }
        }
        """);

    [Fact]
    public Task UnknownConditionAndNonRedisLookalikesAreClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using StackExchange.Redis;
        class Other
        {
            public void Run(IDatabase db, string key, Dictionary<string, string> local)
            {
                var v = db.StringGet(key);
                if (v.Length() > 10) db.StringSet(key, "short");
                if (!local.ContainsKey(key)) db.StringSet(key, "x");
                if (!db.KeyExists(key) || v.IsNull) db.StringSet(key, "y");
            }
        }
        """);

    // ---- Real-world shapes (bench/realworld) ----

    [Fact]
    public Task CounterOverwrittenWithAValueStillComputedFromTheRead() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Stock
        {
            public void Take(IDatabase db, string sku, int quantity)
            {
                var left = (int){|#1:db.StringGet(sku)|};
                left = left - quantity;
                {|#0:db.StringSet(sku, left)|};
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("StringSet", "sku", "StringGet", "writes back a value computed from", " and its update is lost; use INCRBY/DECRBY (HINCRBY), a transaction condition or a script"));

    [Fact]
    public Task UpdateDelegateAppliedToTheReadValueIsStillALostUpdateAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Counters
        {
            public async Task UpdateAsync(IDatabase db, string key, Func<long, long> update)
            {
                var current = (long)await db.StringGetAsync(key);
                await [|db.StringSetAsync(key, update(current))|];
            }
        }
        """);

    [Fact]
    public Task FillOnMissWithAValueTheMethodMakesItselfIsStillFlaggedAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Sessions
        {
            public async Task<string> SessionIdAsync(IDatabase db, string user)
            {
                var existing = await db.StringGetAsync(user);
                if (existing.HasValue) return existing!;
                var id = Guid.NewGuid().ToString();
                await [|db.StringSetAsync(user, id)|];
                return id;
            }
        }
        """);

    [Fact]
    public Task CacheFilledFromACallerSuppliedFactoryIsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class PageCache
        {
            public string? Page(IDatabase db, string request, Func<string, string>? render)
            {
                var key = "page:" + request;
                var content = db.StringGet(key);
                if (!content.HasValue && render != null)
                {
                    content = render(request);
                    db.StringSet(key, content);
                }
                return content;
            }
        }
        """);

    [Fact]
    public Task CacheFilledFromACallerSuppliedFactoryIsCleanAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Cache
        {
            public async Task<string> GetOrSetAsync(IDatabase db, string key, Func<Task<string>> factory)
            {
                var cached = await db.StringGetAsync(key);
                if (!string.IsNullOrEmpty(cached))
                    return cached!;
                var fresh = await factory();
                await db.StringSetAsync(key, fresh.ToUpperInvariant(), TimeSpan.FromMinutes(5));
                return fresh;
            }
        }
        """);

    [Fact]
    public Task DeleteAfterComparingWithAConstantStateIsClean() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Dialog
        {
            public void Finish(IDatabase db, string chat)
            {
                var state = db.StringGet("state:" + chat);
                if (state == "awaiting_choice")
                    db.KeyDelete("state:" + chat);
            }
            public async Task FinishAsync(IDatabase db, string chat)
            {
                if (await db.HashGetAsync("dialogs", chat) != "open") return;
                await db.KeyDeleteAsync("dialogs");
            }
        }
        """);

    [Fact]
    public Task DeleteAfterComparingWithTheCallersTokenAsync() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Unlock
        {
            public async Task ReleaseAsync(IDatabase db, string key, string token)
            {
                if (await db.StringGetAsync(key) != token) return;
                await [|db.KeyDeleteAsync(key)|];
            }
        }
        """);

    // ---- Through the code's own wrappers of the commands (issue 13: real code rarely calls IDatabase where it decides) ----

    private const string LostUpdate = " and its update is lost; use INCRBY/DECRBY (HINCRBY), a transaction condition or a script";
    private const string CheckThenActAdvice = "; use When.NotExists/When.Exists, a transaction condition or a script";

    [Fact]
    public Task CounterReadAndWrittenThroughAnInterfaceOverAWrapper() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        interface IStore
        {
            Task<int> ReadAsync(string key);
            Task WriteAsync(string key, int value);
        }
        class RedisStore : IStore
        {
            private readonly IDatabase _db;
            public RedisStore(IDatabase db) { _db = db; }
            public async Task<int> ReadAsync(string key)
            {
                var raw = await _db.StringGetAsync(key);
                return raw.HasValue ? (int)raw : 0;
            }
            public async Task WriteAsync(string key, int value)
            {
                var text = value.ToString();
                await _db.StringSetAsync(key, text);
            }
        }
        class Points
        {
            private readonly IStore _store;
            public Points(IStore store) { _store = store; }
            public async Task AwardAsync(string user, int points)
            {
                var key = "points:" + user;
                var current = await {|#1:_store.ReadAsync(key)|};
                await {|#0:_store.WriteAsync(key, current + points)|};
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("Write", "key", "Read", "writes back a value computed from", LostUpdate));

    [Fact]
    public Task StockDecrementedThroughSyncHelpers() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Stock
        {
            private readonly IDatabase _db;
            public Stock(IDatabase db) { _db = db; }
            long Load(string sku) => (long)_db.StringGet(sku);
            void Save(string sku, long left) => _db.StringSet(sku, left);
            public void Sell(string sku) => {|#0:Save(sku, {|#1:Load(sku)|} - 1)|};
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("Save", "sku", "Load", "writes back a value computed from", LostUpdate));

    [Fact]
    public Task ValueTakenByReadingThenDeletingTheInstancesOwnKey() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Slot
        {
            private readonly IDatabase _db;
            public Slot(IDatabase db, RedisKey key) { _db = db; Key = key; }
            public RedisKey Key { get; }
            public Task<RedisValue> ReadAsync() => _db.StringGetAsync(Key);
            public Task<bool> RemoveAsync() => _db.KeyDeleteAsync(Key);
            public async Task<RedisValue> TakeAsync()
            {
                var value = await {|#1:ReadAsync()|}.ConfigureAwait(false);
                if (value.HasValue)
                    await {|#0:RemoveAsync()|}.ConfigureAwait(false);
                return value;
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("Remove", "this.Key", "Read", "depends on", CheckThenActAdvice));

    [Fact]
    public Task ValueTakenByStringGetThenKeyDelete() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Codes
        {
            public RedisValue Take(IDatabase db, string key)
            {
                var code = {|#1:db.StringGet(key)|};
                if (!code.IsNull)
                    {|#0:db.KeyDelete(key)|};
                return code;
            }
        }
        """, Verify.Diagnostic("SF3003").WithLocation(0).WithLocation(1).WithArguments("KeyDelete", "key", "StringGet", "depends on", CheckThenActAdvice));

    [Fact]
    public Task Clean_WrapperWhoseWriteIsConditional() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Seeds
        {
            private readonly IDatabase _db;
            public Seeds(IDatabase db) { _db = db; }
            long Load(string key) => (long)_db.StringGet(key);
            bool SaveIfMissing(string key, long value) => _db.StringSet(key, value, when: When.NotExists);
            public void Seed(string key) => SaveIfMissing(key, Load(key) + 1);
        }
        """);

    [Fact]
    public Task Clean_DeleteOfAPresentKeyWhoseValueIsNotHandedBack() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Flags
        {
            public bool Clear(IDatabase db, string key)
            {
                var flag = db.StringGet(key);
                if (flag.HasValue)
                    db.KeyDelete(key);
                return flag.HasValue;
            }
        }
        """);

    [Fact]
    public Task Clean_AWrapperNameAlsoUsedByAMethodThatIsNoWrapper() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using StackExchange.Redis;
        class Counters
        {
            private readonly IDatabase _db;
            public Counters(IDatabase db) { _db = db; }
            public long Load(string key) => (long)_db.StringGet(key);
            public void Save(string key, long value) => _db.StringSet(key, value);
        }
        class Memory
        {
            private readonly Dictionary<string, long> _values = new Dictionary<string, long>();
            public long Load(string key) => _values[key];
            public void Save(string key, long value) => _values[key] = value;
        }
        class Usage
        {
            public void Bump(Counters counters, string key) => counters.Save(key, counters.Load(key) + 1);
        }
        """);

    [Fact]
    public Task Clean_WrappersOnDifferentKeys() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Totals
        {
            private readonly IDatabase _db;
            public Totals(IDatabase db) { _db = db; }
            async Task<long> ReadAsync(string key) => (long)await _db.StringGetAsync(key);
            Task WriteAsync(string key, long value) => _db.StringSetAsync(key, value);
            public async Task SnapshotAsync(string day)
            {
                var total = await ReadAsync("total");
                await WriteAsync("total:" + day, total);
            }
        }
        """);

    [Fact]
    public Task Clean_SessionTextAppendedThroughWrappers() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Wizard
        {
            private readonly IDatabase _db;
            private readonly long _chat;
            public Wizard(IDatabase db, long chat) { _db = db; _chat = chat; }
            private string DraftKey => "wizard:" + _chat + ":draft";
            public async Task<string> GetDraftAsync() => await _db.StringGetAsync(DraftKey);
            public Task SetDraftAsync(string draft) => _db.StringSetAsync(DraftKey, draft);
            public async Task AppendAsync(string answer)
            {
                var draft = await GetDraftAsync();
                await SetDraftAsync(draft + "|" + answer);
            }
        }
        """);

    [Fact]
    public Task Clean_WrappersOnTwoKeysOfTheSameInstance() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Dialog
        {
            private readonly IDatabase _db;
            public Dialog(IDatabase db) { _db = db; }
            private string StepKey => "dialog:step";
            private string ChoiceKey => "dialog:choice";
            public Task<RedisValue> GetChoiceAsync() => _db.StringGetAsync(ChoiceKey);
            public Task SetStepAsync(string step) => _db.StringSetAsync(StepKey, step);
            public async Task NextAsync()
            {
                var choice = await GetChoiceAsync();
                if (choice.IsNull)
                    await SetStepAsync("choose");
            }
        }
        """);

    [Fact]
    public Task Clean_WrapperWriteWhoseArithmeticIsOnAnotherNumber() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Picker
        {
            private readonly IDatabase _db;
            public Picker(IDatabase db) { _db = db; }
            private string ChoiceKey => "picker:choice";
            public async Task<string> GetChoiceAsync() => await _db.StringGetAsync(ChoiceKey);
            public Task SetChoiceAsync(string choice) => _db.StringSetAsync(ChoiceKey, choice);
            public async Task PickAsync(List<string> models, int number)
            {
                var channel = await GetChoiceAsync();
                var model = models[number - 1];
                await SetChoiceAsync(channel + "|" + model);
            }
        }
        """);
}
