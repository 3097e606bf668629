using Microsoft.CodeAnalysis;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.Queues.SF2001BlockingRecursiveDequeueAnalyzer>;

namespace Steadfast.Analyzers.Tests.Queues;

public sealed class SF2001BlockingRecursiveDequeueAnalyzerTests
{
    // ---- Bad shapes ----

    [Fact]
    public Task SeedShape_SyncPopSleepAndCallItself() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class OrderQueue
        {
            private readonly IDatabase _redis;
            private readonly string _queueName = "orders";
            public OrderQueue(IDatabase redis) => _redis = redis;
            public string Dequeue()
            {
                var order = _redis.ListRightPop(_queueName);
                if (order.IsNull)
                {
                    Thread.Sleep(1000);
                    return [|Dequeue()|];
                }
                return order!;
            }
        }
        """);

    [Fact]
    public Task AsyncPopDelayAndAwaitItself() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class OrderQueue
        {
            private readonly IDatabaseAsync _redis;
            public OrderQueue(IDatabaseAsync redis) => _redis = redis;
            public async Task<RedisValue> DequeueAsync()
            {
                var order = await _redis.ListLeftPopAsync("orders");
                if (order.IsNull)
                {
                    await Task.Delay(1000);
                    return await [|DequeueAsync()|];
                }
                return order;
            }
        }
        """);

    [Fact]
    public Task AsyncWithCancellationToken() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            public async Task<RedisValue> NextAsync(IDatabase db, CancellationToken ct)
            {
                var job = await db.ListRightPopAsync("jobs");
                if (job.IsNullOrEmpty)
                {
                    await Task.Delay(500, ct);
                    return await [|NextAsync(db, ct)|];
                }
                return job;
            }
        }
        """);

    [Fact]
    public Task EarlyReturnWhenFound_ThenSleepAndRecurse() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Queue
        {
            public RedisValue Take(IDatabase db)
            {
                var value = db.ListLeftPop("q");
                if (!value.IsNull) return value;
                Thread.Sleep(TimeSpan.FromSeconds(1));
                return [|Take(db)|];
            }
        }
        """);

    [Fact]
    public Task TryDequeueFromInProcessQueue() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        using System.Threading;
        class Inbox
        {
            private readonly ConcurrentQueue<string> _queue = new();
            public string Take()
            {
                if (!_queue.TryDequeue(out var item))
                {
                    Thread.Sleep(100);
                    return [|Take()|];
                }
                return item;
            }
        }
        """);

    [Fact]
    public Task AnyCallReturningNullable_ThatIsTestedForNull() => Verify.VerifyAsync("""
        using System.Threading;
        class Job { }
        interface IJobStore { Job? Next(); }
        class Scheduler
        {
            private readonly IJobStore _store;
            public Scheduler(IJobStore store) => _store = store;
            public Job NextJob()
            {
                var job = _store.Next();
                if (job == null)
                {
                    Thread.Sleep(1000);
                    return [|NextJob()|];
                }
                return job;
            }
        }
        """);

    [Fact]
    public Task VoidConsumerCallingItselfInTailPosition() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Consumer
        {
            private readonly IDatabase _db;
            public Consumer(IDatabase db) => _db = db;
            public void Consume()
            {
                var message = _db.ListRightPop("q");
                if (message.IsNull)
                {
                    Thread.Sleep(1000);
                    [|Consume()|];
                }
                else
                {
                    Console.WriteLine(message);
                }
            }
        }
        """);

    [Fact]
    public Task LocalFunctionCallingItself() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Consumer
        {
            public string Consume(IDatabase db)
            {
                return Next();

                string Next()
                {
                    var v = db.ListLeftPop("q");
                    if (v.IsNull)
                    {
                        Thread.Sleep(100);
                        return [|Next()|];
                    }
                    return v!;
                }
            }
        }
        """);

    [Fact]
    public Task TopLevelStatementsLocalFunction() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        Console.WriteLine(Next());
        string Next()
        {
            var v = db.ListRightPop("q");
            if (v.IsNull)
            {
                Thread.Sleep(1000);
                return [|Next()|];
            }
            return v!;
        }
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    // ---- Clean shapes ----

    [Fact]
    public Task LoopWithCancellableDelay() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Queue
        {
            public async Task<RedisValue> DequeueAsync(IDatabase db, CancellationToken ct)
            {
                var delay = TimeSpan.FromMilliseconds(50);
                while (true)
                {
                    var v = await db.ListRightPopAsync("q");
                    if (!v.IsNull) return v;
                    await Task.Delay(delay, ct);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                }
            }
        }
        """);

    [Fact]
    public Task RecursionWithoutSleep_TreeWalk() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Node { public Node? Left; public Node? Right; public int Value; }
        class Tree
        {
            public int Sum(Node? node)
            {
                if (node == null) return 0;
                return node.Value + Sum(node.Left) + Sum(node.Right);
            }
        }
        """);

    [Fact]
    public Task SleepWithoutRecursion() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Queue
        {
            public RedisValue TryOnceMore(IDatabase db)
            {
                var v = db.ListRightPop("q");
                if (v.IsNull)
                {
                    Thread.Sleep(100);
                    v = db.ListRightPop("q");
                }
                return v;
            }
        }
        """);

    [Fact]
    public Task RecursionIntoAnotherMethod() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Queue
        {
            public RedisValue Dequeue(IDatabase db)
            {
                var v = db.ListRightPop("q");
                if (v.IsNull)
                {
                    Thread.Sleep(100);
                    return Fallback(db);
                }
                return v;
            }
            private RedisValue Fallback(IDatabase db) => db.ListRightPop("q-backup");
        }
        """);

    [Fact]
    public Task SleepingRecursiveTicker_WithNothingTaken() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Heartbeat
        {
            private int _depth;
            public void Beat(int remaining)
            {
                Console.WriteLine("beat");
                if (remaining > 0)
                {
                    Thread.Sleep(10);
                    Beat(remaining - 1);
                }
            }
        }
        """);

    [Fact]
    public Task BlockingCollectionTakeWaitsForYou() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        using System.Threading;
        class Consumer
        {
            private readonly BlockingCollection<string> _inbox = new();
            public string Next(CancellationToken ct) => _inbox.Take(ct);
        }
        """);

    [Fact]
    public Task RetryRecursionOnException_IsNotADequeue() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Client
        {
            public string Get(int attempt)
            {
                try { return Fetch(); }
                catch (TimeoutException) when (attempt < 3)
                {
                    Thread.Sleep(100);
                    return Get(attempt + 1);
                }
            }
            private string Fetch() => "x";
        }
        """);
}
