using Microsoft.CodeAnalysis;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesAnalyzer>;

namespace Steadfast.Analyzers.Tests.Queues;

public sealed class SF2002MessageLostIfConsumerCrashesAnalyzerTests
{
    // ---- Bad shapes ----

    [Fact]
    public Task PopThenProcess_Sync() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                var order = [|db.ListRightPop("orders")|];
                Console.WriteLine(order);
            }
        }
        """);

    [Fact]
    public Task PopThenProcess_Async() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            private readonly IDatabaseAsync _db;
            public Worker(IDatabaseAsync db) => _db = db;
            async Task RunAsync()
            {
                var order = await [|_db.ListLeftPopAsync("orders")|];
                await HandleAsync(order);
            }
            Task HandleAsync(RedisValue order) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task SeedDequeueReturnsThePoppedValue() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class OrderQueue
        {
            private readonly IDatabase _redis;
            public OrderQueue(IDatabase redis) => _redis = redis;
            public RedisValue Dequeue(string queueName) { return [|_redis.ListRightPop(queueName)|]; }
        }
        """);

    [Fact]
    public Task PoppedValuePassedStraightToTheHandler() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db) => Handle([|db.ListLeftPop("q")|]);
            void Handle(RedisValue value) { }
        }
        """);

    [Fact]
    public Task BatchPopWithCount() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task<int> RunAsync(IDatabase db)
            {
                var batch = await [|db.ListRightPopAsync("q", 10)|];
                return batch?.Length ?? 0;
            }
        }
        """);

    [Fact]
    public Task InsideALambdaHandedToTaskRun() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            Task Start(IDatabase db) => Task.Run(() => Console.WriteLine([|db.ListRightPop("q")|]));
        }
        """);

    [Fact]
    public Task ExpressionBodiedProperty_WithRedisKey() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Worker
        {
            private readonly IDatabase _db;
            private static readonly RedisKey Key = "jobs";
            public Worker(IDatabase db) => _db = db;
            public RedisValue Next => [|_db.ListLeftPop(Key)|];
        }
        """);

    [Fact]
    public Task PopInsideATransaction() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task<RedisValue> RunAsync(IDatabase db)
            {
                var tran = db.CreateTransaction();
                var popped = [|tran.ListRightPopAsync("q")|];
                await tran.ExecuteAsync();
                return await popped;
            }
        }
        """);

    [Fact]
    public Task TopLevelStatements() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var job = [|db.ListRightPop("jobs")|];
        Console.WriteLine(job);
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task EveryDestructiveReadFamily() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Consumers
        {
            async Task RunAsync(IDatabase db, RedisKey[] lanes)
            {
                var member = [|db.SetPop("pending-emails")|];
                Console.WriteLine(member);
                var due = await [|db.SortedSetPopAsync("scheduled", Order.Ascending)|];
                Console.WriteLine(due?.Element);
                var several = [|db.SortedSetPop("scheduled", 5)|];
                Console.WriteLine(several.Length);
                var ticket = [|db.StringGetDelete("ticket:42")|];
                Console.WriteLine(ticket);
                var fromAnyLane = [|db.ListLeftPop(lanes, 10)|];
                Console.WriteLine(fromAnyLane.Values.Length);
                var blocking = await [|db.ExecuteAsync("BRPOP", "jobs", 5)|];
                Console.WriteLine(blocking);
                var batch = [|db.ListRightPop("jobs", 20)|];
                Console.WriteLine(batch.Length);
            }
        }
        """);

    [Fact]
    public Task StreamReadWithoutAcknowledgement() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var entries = await [|db.StreamReadGroupAsync("orders", "billing", "node-1", ">", 10, noAck: true)|];
                foreach (var entry in entries)
                    Console.WriteLine(entry.Values.Length);
            }
        }
        """);

    [Fact]
    public Task AcknowledgedBeforeTheHandlerRuns_Stream() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var entries = await db.StreamReadGroupAsync("orders", "billing", "node-1", ">", 10);
                foreach (var entry in entries)
                {
                    await [|db.StreamAcknowledgeAsync("orders", "billing", entry.Id)|];
                    await HandleAsync(entry.Values);
                }
            }
            Task HandleAsync(NameValueEntry[] fields) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task AcknowledgedBeforeTheHandlerRuns_WholeBatch() => Verify.VerifyAsync("""
        using System;
        using System.Linq;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                var entries = db.StreamReadGroup("orders", "billing", "node-1", ">", 10);
                var ids = entries.Select(e => e.Id).ToArray();
                [|db.StreamAcknowledge("orders", "billing", ids)|];
                foreach (var entry in entries)
                    Console.WriteLine(entry.Values.Length);
            }
        }
        """);

    [Fact]
    public Task ProcessingEntryRemovedBeforeTheHandlerRuns() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var job = await db.ListMoveAsync("jobs", "jobs:working", ListSide.Right, ListSide.Left);
                if (job.IsNull) return;
                await [|db.ListRemoveAsync("jobs:working", job)|];
                await HandleAsync(job);
            }
            Task HandleAsync(RedisValue job) => Task.CompletedTask;
        }
        """);

    // ---- Clean shapes ----

    [Fact]
    public Task DecoratorForwardingThePopToTheInnerDatabase() => new Verify.Test
    {
        // The decorator implements only the members the test needs; the missing ones are compiler errors, not ours.
        CompilerDiagnostics = Microsoft.CodeAnalysis.Testing.CompilerDiagnostics.None,
        TestCode = """
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class TenantDatabase : IDatabase
        {
            private readonly IDatabase _inner;
            private readonly string _tenant;
            public TenantDatabase(IDatabase inner, string tenant) { _inner = inner; _tenant = tenant; }
            private RedisKey Scoped(RedisKey key) => key.Prepend(_tenant);
            public RedisValue ListLeftPop(RedisKey key, CommandFlags flags = CommandFlags.None) => _inner.ListLeftPop(Scoped(key), flags);
            public Task<RedisValue> ListRightPopAsync(RedisKey key, CommandFlags flags = CommandFlags.None) => _inner.ListRightPopAsync(Scoped(key), flags);
            RedisValue IDatabase.SetPop(RedisKey key, CommandFlags flags) => _inner.SetPop(Scoped(key), flags);
        }
        """,
    }.RunAsync();

    [Fact]
    public Task HelperLibrariesOwnPopCommands_HandTheValueBack() => Verify.VerifyAsync("""
        using System;
        using System.Text.Json;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        public class RedisStore
        {
            private readonly IDatabase _db;
            public RedisStore(IDatabase db) => _db = db;
            public T? LeftPop<T>(string key)
            {
                var raw = _db.ListLeftPop(key);
                return raw.IsNull ? default : JsonSerializer.Deserialize<T>(raw.ToString());
            }
            public async Task<T?> SetPopAsync<T>(string key) =>
                JsonSerializer.Deserialize<T>((string)(await _db.SetPopAsync(key).ConfigureAwait(false))!);
            public RedisValue RPop(string key) => Run(db => db.ListRightPop(key));
            public async Task<string?> BlockingPopAsync(string key)
            {
                var reply = await _db.ExecuteAsync("BRPOP", key, 5);
                if (reply.IsNull) return null;
                var parts = (RedisResult[])reply!;
                return parts[1].ToString();
            }
            private static RedisValue Run(Func<IDatabase, RedisValue> body) => default;
        }
        """);

    [Fact]
    public Task PopNamedHelperThatAlsoHandlesTheMessage_StillFlagged() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        public class Jobs
        {
            public void PopAndRun(IDatabase db)
            {
                var job = [|db.ListLeftPop("jobs")|];
                Console.WriteLine(job);
            }
        }
        """);

    [Fact]
    public Task IdPoppedFromAnIndexWhosePayloadStaysUnderItsOwnKey() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var jobId = await db.ListRightPopAsync("jobs:ready");
                if (jobId.IsNull) return;
                var jobKey = "job:" + jobId;
                var fields = await db.HashGetAllAsync(jobKey);
                Console.WriteLine(fields.Length);
                await db.KeyDeleteAsync(jobKey);
            }
        }
        """);

    [Fact]
    public Task StreamAcknowledgedAfterTheHandler_IdsCollectedFirst() => Verify.VerifyAsync("""
        using System;
        using System.Linq;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db, RedisValue replayedId)
            {
                var entries = db.StreamReadGroup("orders", "billing", "node-1", ">", 10);
                foreach (var entry in entries)
                    Console.WriteLine(entry.Values.Length);
                db.StreamAcknowledge("orders", "billing", entries.Select(e => e.Id).ToArray());
                Console.WriteLine($"acknowledged {entries.Length}");
                db.StreamAcknowledge("orders", "billing", replayedId);
                Console.WriteLine(replayedId);
            }
        }
        """);

    [Fact]
    public Task ListRemoveOfSomethingThatIsNotAProcessingEntry() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Presence
        {
            void Leave(IDatabase db, string user)
            {
                var name = db.StringGet("name:" + user);
                db.ListRemove("online", name);
                Console.WriteLine(name);
            }
        }
        """);

    [Fact]
    public Task StreamReadWithAcknowledgementAndOtherDiscardedPops() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Trimmer
        {
            async Task RunAsync(IDatabase db)
            {
                var entries = await db.StreamReadGroupAsync("orders", "billing", "node-1", ">", 10, noAck: false);
                db.SetPop("sample");
                await db.StringGetDeleteAsync("scratch").ConfigureAwait(false);
                await db.ListLeftPopAsync("recent").ConfigureAwait(false);
            }
        }
        """);

    [Fact]
    public Task DiscardedPops_TrimTheList() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Trimmer
        {
            async Task Trim(IDatabase db)
            {
                db.ListRightPop("recent");
                _ = db.ListLeftPop("recent");
                await db.ListRightPopAsync("recent");
            }
        }
        """);

    [Fact]
    public Task AtomicMoveToAProcessingList() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                var order = db.ListMove("orders", "orders:processing", ListSide.Right, ListSide.Left);
                Console.WriteLine(order);
                db.ListRemove("orders:processing", order, 1);
            }
        }
        """);

    [Fact]
    public Task RightPopLeftPush() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                var order = db.ListRightPopLeftPush("orders", "orders:processing");
                Console.WriteLine(order);
                db.ListRemove("orders:processing", order);
            }
        }
        """);

    [Fact]
    public Task PeekingWithoutRemoving() => Verify.VerifyAsync("""
        using StackExchange.Redis;
        class Dashboard
        {
            RedisValue[] Peek(IDatabase db) => db.ListRange("orders", 0, 9);
            RedisValue Head(IDatabase db) => db.ListGetByIndex("orders", 0);
            long Depth(IDatabase db) => db.ListLength("orders");
        }
        """);

    [Fact]
    public Task StreamConsumerGroupWithAck() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Run(IDatabase db)
            {
                foreach (var entry in db.StreamReadGroup("orders", "workers", "w1", ">", 10))
                {
                    Console.WriteLine(entry.Values.Length);
                    db.StreamAcknowledge("orders", "workers", entry.Id);
                }
            }
        }
        """);

    [Fact]
    public Task OwnMethodThatHappensToBeCalledListRightPop() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class MyList
        {
            private readonly List<string> _items = new();
            public string ListRightPop() { var last = _items[^1]; _items.RemoveAt(_items.Count - 1); return last; }
            public string Use() => ListRightPop();
        }
        """);
}
