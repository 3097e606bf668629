using Steadfast.Analyzers.SharedState;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.SharedState.SF3003CheckThenActOnRedisKeyAnalyzer,
    Steadfast.Analyzers.SharedState.SF3003CheckThenActOnRedisKeyFixer>;

namespace Steadfast.Analyzers.Tests.SharedState;

public sealed class SF3003CheckThenActOnRedisKeyFixerTests
{
    [Fact]
    public Task ExistsThenSet_FoldsIntoWhenNotExists() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        class Locks
        {
            public bool TryLock(IDatabase db, string key)
            {
                if (!db.KeyExists(key)) // free?
                {
                    [|db.StringSet(key, "1")|];
                    return true;
                }
                return false;
            }
        }
        """, """
        using StackExchange.Redis;
        class Locks
        {
            public bool TryLock(IDatabase db, string key)
            {
                if (db.StringSet(key, "1", when: When.NotExists)) // free?
                {
                    return true;
                }
                return false;
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.ConditionalSetKey);

    [Fact]
    public Task AsyncBranchWithOnlyTheAct_BecomesOneConditionalWrite() => Verify.VerifyFixAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Profiles
        {
            public async Task InitAsync(IDatabaseAsync db, string user)
            {
                if (!await db.HashExistsAsync("profiles", user))
                    await [|db.HashSetAsync("profiles", user, "{}")|];
            }
        }
        """, """
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Profiles
        {
            public async Task InitAsync(IDatabaseAsync db, string user)
            {
                await db.HashSetAsync("profiles", user, "{}", when: When.NotExists);
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.ConditionalSetKey);

    [Fact]
    public Task EarlyExitGuard_FoldsIntoTheGuard() => Verify.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Locks
        {
            public bool TryLock(IDatabase db, RedisKey key)
            {
                if (db.KeyExists(key)) return false;
                [|db.StringSet(key, "1", TimeSpan.FromSeconds(30))|];
                return true;
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Locks
        {
            public bool TryLock(IDatabase db, RedisKey key)
            {
                if (!db.StringSet(key, "1", TimeSpan.FromSeconds(30), when: When.NotExists)) return false;
                return true;
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.ConditionalSetKey);

    // A fill on a miss that then returns its own value: when the conditional write loses, another caller's value is
    // stored, so the method re-reads it instead of returning a value nobody stored.
    [Fact]
    public Task FillOnMiss_ReReadsWhenTheConditionalWriteLoses() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        class Cache
        {
            public string Get(IDatabase db, string key)
            {
                var cached = db.StringGet(key);
                if (cached.IsNull)
                {
                    var fresh = "v";
                    [|db.StringSet(key, fresh, null, When.Always)|];
                    return fresh;
                }
                return cached!;
            }
        }
        """, """
        using StackExchange.Redis;
        class Cache
        {
            public string Get(IDatabase db, string key)
            {
                var cached = db.StringGet(key);
                if (cached.IsNull)
                {
                    var fresh = "v";
                    if (!db.StringSet(key, fresh, null, When.NotExists))
                    {
                        fresh = db.StringGet(key);
                    }
                    return fresh;
                }
                return cached!;
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.ConditionalSetKey);

    [Fact]
    public Task FillOnMiss_Async_HashField_ReReadsTheStoredValue() => Verify.VerifyFixAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Profiles
        {
            public async Task<RedisValue> GetAsync(IDatabaseAsync db, string user)
            {
                var profile = await db.HashGetAsync("profiles", user);
                if (profile.IsNull)
                {
                    var built = await BuildAsync(user);
                    await [|db.HashSetAsync("profiles", user, built)|];
                    return built;
                }
                return profile;
            }
            private static Task<RedisValue> BuildAsync(string user) => Task.FromResult((RedisValue)("{\"name\":\"" + user + "\"}"));
        }
        """, """
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Profiles
        {
            public async Task<RedisValue> GetAsync(IDatabaseAsync db, string user)
            {
                var profile = await db.HashGetAsync("profiles", user);
                if (profile.IsNull)
                {
                    var built = await BuildAsync(user);
                    if (!(await db.HashSetAsync("profiles", user, built, when: When.NotExists)))
                    {
                        built = await db.HashGetAsync("profiles", user);
                    }
                    return built;
                }
                return profile;
            }
            private static Task<RedisValue> BuildAsync(string user) => Task.FromResult((RedisValue)("{\"name\":\"" + user + "\"}"));
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.ConditionalSetKey);

    // An idempotency filter: the marker is checked, the action runs, then the marker is written. A conditional write at
    // the end would silence the warning while two concurrent requests still both run the action: no fix.
    [Fact]
    public Task WorkBetweenTheCheckAndTheWrite_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Idempotency
        {
            public async Task<bool> RunOnceAsync(IDatabaseAsync db, string requestKey, Func<Task<bool>> action)
            {
                if (await db.KeyExistsAsync(requestKey))
                    return false;
                var succeeded = await action();
                if (succeeded)
                {
                    await [|db.StringSetAsync(requestKey, "done", TimeSpan.FromHours(1))|];
                }
                return succeeded;
            }
        }
        """);

    [Fact]
    public Task ComparedValue_BecomesATransactionWithStringEqual() => Verify.VerifyFixAsync("""
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
        """, """
        using StackExchange.Redis;
        class Version
        {
            public bool Bump(IDatabase db, string key, string expected, string next)
            {
                var transaction = db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(key, expected));
                _ = transaction.StringSetAsync(key, next);
                if (transaction.Execute())
                {
                    return true;
                }
                return false;
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.TransactionKey);

    [Fact]
    public Task CompareThenDelete_BecomesATransaction() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        class Unlock
        {
            public void Release(IDatabase db, string key, string token)
            {
                if (db.StringGet(key) == token)
                    [|db.KeyDelete(key)|];
            }
        }
        """, """
        using StackExchange.Redis;
        class Unlock
        {
            public void Release(IDatabase db, string key, string token)
            {
                var transaction = db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(key, token));
                _ = transaction.KeyDeleteAsync(key);
                transaction.Execute();
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.TransactionKey);

    [Fact]
    public Task FixAll_FixesEveryCheckThenAct() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        class Seats
        {
            public void Reserve(IDatabase db, string seat, string user)
            {
                if (!db.KeyExists("seat:" + seat))
                    [|db.StringSet("seat:" + seat, user)|];
                if (db.KeyExists("hold:" + seat))
                    [|db.StringSet("hold:" + seat, user)|];
            }
        }
        """, """
        using StackExchange.Redis;
        class Seats
        {
            public void Reserve(IDatabase db, string seat, string user)
            {
                db.StringSet("seat:" + seat, user, when: When.NotExists);
                db.StringSet("hold:" + seat, user, when: When.Exists);
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.ConditionalSetKey);

    // Regression: the transaction's `_ = transaction.…Async(…)` was written with SyntaxFactory.IdentifierName("_"),
    // which prints `_` but binds as a name (CS0103). The verifier compiles the produced tree as well as its text.

    [Fact]
    public Task StoredValueComparedThenDelete_BecomesATransaction() => Verify.VerifyFixAsync("""
        using StackExchange.Redis;
        class Unlock
        {
            public void Release(IDatabase db, string key, string token)
            {
                string current = db.StringGet(key);
                if (current == token)
                    [|db.KeyDelete(key)|];
            }
        }
        """, """
        using StackExchange.Redis;
        class Unlock
        {
            public void Release(IDatabase db, string key, string token)
            {
                string current = db.StringGet(key);
                var transaction = db.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(key, token));
                _ = transaction.KeyDeleteAsync(key);
                transaction.Execute();
            }
        }
        """, equivalenceKey: SF3003CheckThenActOnRedisKeyFixer.TransactionKey);

    [Fact]
    public Task NoTransactionWhereUnderscoreIsASymbol() => Verify.VerifyNoFixAsync("""
        using StackExchange.Redis;
        class Version
        {
            public bool Bump(IDatabase db, string key, string expected, string next, int _)
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
}
