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

    // ---- Clean shapes ----

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
