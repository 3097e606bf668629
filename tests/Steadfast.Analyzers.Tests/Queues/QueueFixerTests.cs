using Steadfast.Analyzers.Queues;
using SF2001 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2001BlockingRecursiveDequeueAnalyzer,
    Steadfast.Analyzers.Queues.SF2001BlockingRecursiveDequeueFixer>;
using SF2002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesAnalyzer,
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesFixer>;
using SF2003 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2003ThreadBlockingWaitInPollingLoopAnalyzer,
    Steadfast.Analyzers.Queues.SF2003ThreadBlockingWaitInPollingLoopFixer>;

namespace Steadfast.Analyzers.Tests.Queues;

public sealed class SF2001BlockingRecursiveDequeueFixerTests
{
    [Fact]
    public Task SleepAsTheBodyOfAnIf_GetsABlockForTheGrowingDelay() => SF2001.VerifyFixAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class OrderQueue
        {
            public string Dequeue(IDatabase redis, bool patient)
            {
                var order = redis.ListRightPop("orders");
                if (order.IsNull)
                {
                    if (patient) Thread.Sleep(1000);
                    return [|Dequeue(redis, patient)|];
                }
                return order!;
            }
        }
        """, """
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class OrderQueue
        {
            public string Dequeue(IDatabase redis, bool patient)
            {
                var maxIdleDelay = TimeSpan.FromMilliseconds(1000);
                var idleDelay = TimeSpan.FromTicks(maxIdleDelay.Ticks / 16);
                while (true)
                {
                    var order = redis.ListRightPop("orders");
                    if (order.IsNull)
                    {
                        if (patient)
                        {
                            Thread.Sleep(idleDelay);
                            idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks));
                        }
                        continue;
                    }
                    return order!;
                }
            }
        }
        """, equivalenceKey: SF2001BlockingRecursiveDequeueFixer.LoopWithGrowingDelayKey);

    [Fact]
    public Task SeedShape_BecomesALoopWithAGrowingSleep() => SF2001.VerifyFixAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class OrderQueue
        {
            private readonly IDatabase _redis;
            public OrderQueue(IDatabase redis) => _redis = redis;
            public string Dequeue()
            {
                var order = _redis.ListRightPop("orders");
                if (order.IsNull)
                {
                    // nothing yet
                    Thread.Sleep(1000);
                    return [|Dequeue()|];
                }
                return order!;
            }
        }
        """, """
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class OrderQueue
        {
            private readonly IDatabase _redis;
            public OrderQueue(IDatabase redis) => _redis = redis;
            public string Dequeue()
            {
                var maxIdleDelay = TimeSpan.FromMilliseconds(1000);
                var idleDelay = TimeSpan.FromTicks(maxIdleDelay.Ticks / 16);
                while (true)
                {
                    var order = _redis.ListRightPop("orders");
                    if (order.IsNull)
                    {
                        // nothing yet
                        Thread.Sleep(idleDelay);
                        idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks));
                        continue;
                    }
                    return order!;
                }
            }
        }
        """, equivalenceKey: SF2001BlockingRecursiveDequeueFixer.LoopWithGrowingDelayKey);

    [Fact]
    public Task Async_UsesTheMethodsCancellationToken() => SF2001.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            public async Task<RedisValue> NextAsync(IDatabase db, CancellationToken ct)
            {
                var job = await db.ListRightPopAsync("jobs");
                if (job.IsNull)
                {
                    await Task.Delay(TimeSpan.FromSeconds(2));
                    return await [|NextAsync(db, ct)|];
                }
                return job;
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            public async Task<RedisValue> NextAsync(IDatabase db, CancellationToken ct)
            {
                var maxIdleDelay = TimeSpan.FromSeconds(2);
                var idleDelay = TimeSpan.FromTicks(maxIdleDelay.Ticks / 16);
                while (true)
                {
                    var job = await db.ListRightPopAsync("jobs");
                    if (job.IsNull)
                    {
                        await Task.Delay(idleDelay, ct);
                        idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks));
                        continue;
                    }
                    return job;
                }
            }
        }
        """);

    [Fact]
    public Task VoidTailCall() => SF2001.VerifyFixAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Consumer
        {
            public void Consume(IDatabase db)
            {
                var message = db.ListRightPop("q");
                if (message.IsNull)
                {
                    Thread.Sleep(500);
                    [|Consume(db)|];
                }
                else
                {
                    Console.WriteLine(message);
                }
            }
        }
        """, """
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Consumer
        {
            public void Consume(IDatabase db)
            {
                var maxIdleDelay = TimeSpan.FromMilliseconds(500);
                var idleDelay = TimeSpan.FromTicks(maxIdleDelay.Ticks / 16);
                while (true)
                {
                    var message = db.ListRightPop("q");
                    if (message.IsNull)
                    {
                        Thread.Sleep(idleDelay);
                        idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks));
                        continue;
                    }
                    else
                    {
                        Console.WriteLine(message);
                    }
                }
            }
        }
        """);

    [Fact]
    public Task FixAll_TwoQueuesInOneDocument() => SF2001.VerifyFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Queues
        {
            public RedisValue A(IDatabase db)
            {
                var v = db.ListLeftPop("a");
                if (v.IsNull) { Thread.Sleep(100); return [|A(db)|]; }
                return v;
            }
            public async Task<RedisValue> B(IDatabase db)
            {
                var v = await db.ListLeftPopAsync("b");
                if (v.IsNull) { await Task.Delay(100); return await [|B(db)|]; }
                return v;
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Queues
        {
            public RedisValue A(IDatabase db)
            {
                var maxIdleDelay = TimeSpan.FromMilliseconds(100);
                var idleDelay = TimeSpan.FromTicks(maxIdleDelay.Ticks / 16);
                while (true)
                {
                    var v = db.ListLeftPop("a");
                    if (v.IsNull) { Thread.Sleep(idleDelay); idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks)); continue; }
                    return v;
                }
            }
            public async Task<RedisValue> B(IDatabase db)
            {
                var maxIdleDelay = TimeSpan.FromMilliseconds(100);
                var idleDelay = TimeSpan.FromTicks(maxIdleDelay.Ticks / 16);
                while (true)
                {
                    var v = await db.ListLeftPopAsync("b");
                    if (v.IsNull) { await Task.Delay(idleDelay); idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks)); continue; }
                    return v;
                }
            }
        }
        """);

    [Fact]
    public Task SteadfastQueue_WaitsInDequeueAsyncInsteadOfSleeping() => SF2001.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.Queues;
        class Consumer
        {
            private readonly IReliableQueue<string> _queue;
            public Consumer(IReliableQueue<string> queue) => _queue = queue;
            public async Task<IDelivery<string>> NextAsync(CancellationToken ct)
            {
                var delivery = await _queue.DequeueAsync(TimeSpan.Zero, ct);
                if (delivery == null)
                {
                    await Task.Delay(1000, ct);
                    return await [|NextAsync(ct)|];
                }
                return delivery;
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.Queues;
        class Consumer
        {
            private readonly IReliableQueue<string> _queue;
            public Consumer(IReliableQueue<string> queue) => _queue = queue;
            public async Task<IDelivery<string>> NextAsync(CancellationToken ct)
            {
                while (true)
                {
                    var delivery = await _queue.DequeueAsync(TimeSpan.FromMilliseconds(1000), ct);
                    if (delivery == null)
                    {
                        continue;
                    }
                    return delivery;
                }
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task NoFix_WhenTheRecursiveCallChangesItsArguments() => SF2001.VerifyNoFixAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Queue
        {
            public RedisValue Take(IDatabase db, int attempt)
            {
                var v = db.ListLeftPop("q");
                if (v.IsNull) { Thread.Sleep(100); return [|Take(db, attempt + 1)|]; }
                return v;
            }
        }
        """);
}

public sealed class SF2002MessageLostIfConsumerCrashesFixerTests
{
    [Fact]
    public Task Sync_MoveToProcessingAndRemoveAfterHandling_RecoversBeforeTheLoop() => SF2002.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            private readonly string _queue = "orders";
            void Run(IDatabase db)
            {
                while (true)
                {
                    var order = [|db.ListRightPop(_queue)|];
                    if (order.IsNull) return;
                    Console.WriteLine(order); // handle it
                }
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Worker
        {
            private readonly string _queue = "orders";
            void Run(IDatabase db)
            {
                // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
                while (!db.ListMove(_queue + ":processing", _queue, ListSide.Left, ListSide.Right).IsNull)
                {
                }
                while (true)
                {
                    var order = db.ListMove(_queue, _queue + ":processing", ListSide.Right, ListSide.Left);
                    if (order.IsNull) return;
                    Console.WriteLine(order); // handle it
                    db.ListRemove(_queue + ":processing", order, 1);
                }
            }
        }
        """, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey);

    [Fact]
    public Task Async_LiteralKey_LeftPop_HashTagsTheProcessingKey() => SF2002.VerifyFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabaseAsync db, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    var order = await [|db.ListLeftPopAsync("orders")|];
                    await HandleAsync(order);
                }
            }
            Task HandleAsync(RedisValue order) => Task.CompletedTask;
        }
        """, """
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabaseAsync db, CancellationToken ct)
            {
                // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
                while (!(await db.ListMoveAsync("{orders}:processing", "orders", ListSide.Left, ListSide.Left)).IsNull)
                {
                }
                while (!ct.IsCancellationRequested)
                {
                    var order = await db.ListMoveAsync("orders", "{orders}:processing", ListSide.Left, ListSide.Left);
                    await HandleAsync(order);
                    if (!order.IsNull)
                    {
                        await db.ListRemoveAsync("{orders}:processing", order, 1);
                    }
                }
            }
            Task HandleAsync(RedisValue order) => Task.CompletedTask;
        }
        """);

    [Fact]
    public Task ConstantKey_IsHashTaggedAroundTheName() => SF2002.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            private const string Queue = "mail";
            void Run(IDatabase db)
            {
                for (var i = 0; i < 100; i++)
                {
                    string mail = [|db.ListRightPop(Queue)|];
                    if (mail == null) break;
                    Console.WriteLine(mail);
                }
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Worker
        {
            private const string Queue = "mail";
            void Run(IDatabase db)
            {
                // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
                while (!db.ListMove("{" + Queue + "}:processing", Queue, ListSide.Left, ListSide.Right).IsNull)
                {
                }
                for (var i = 0; i < 100; i++)
                {
                    string mail = db.ListMove(Queue, "{" + Queue + "}:processing", ListSide.Right, ListSide.Left);
                    if (mail == null) break;
                    Console.WriteLine(mail);
                    db.ListRemove("{" + Queue + "}:processing", mail, 1);
                }
            }
        }
        """, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey);

    [Fact]
    public Task RedisKeyField_UsesAppend_AndFixAll_RecoversOncePerLoop() => SF2002.VerifyFixAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            private static readonly RedisKey Jobs = "jobs";
            void A(IDatabase db)
            {
                do
                {
                    var job = [|db.ListRightPop(Jobs)|];
                    if (job.IsNull) break;
                    Console.WriteLine(job);
                    var next = [|db.ListRightPop(Jobs)|];
                    Console.WriteLine(next);
                }
                while (db.ListLength(Jobs) > 0);
            }
        }
        """, """
        using System;
        using StackExchange.Redis;
        class Worker
        {
            private static readonly RedisKey Jobs = "jobs";
            void A(IDatabase db)
            {
                // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
                while (!db.ListMove(Jobs.Append(":processing"), Jobs, ListSide.Left, ListSide.Right).IsNull)
                {
                }
                do
                {
                    var job = db.ListMove(Jobs, Jobs.Append(":processing"), ListSide.Right, ListSide.Left);
                    if (job.IsNull) break;
                    Console.WriteLine(job);
                    db.ListRemove(Jobs.Append(":processing"), job, 1);
                    var next = db.ListMove(Jobs, Jobs.Append(":processing"), ListSide.Right, ListSide.Left);
                    Console.WriteLine(next);
                    if (!next.IsNull)
                    {
                        db.ListRemove(Jobs.Append(":processing"), next, 1);
                    }
                }
                while (db.ListLength(Jobs) > 0);
            }
        }
        """);

    [Fact]
    public Task NoProcessingListFix_OutsideALoop_NoConsumerStartToRecoverAt() => SF2002.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void HandleOne(IDatabase db)
            {
                var order = [|db.ListRightPop("orders")|];
                if (order.IsNull) return;
                Console.WriteLine(order);
            }
        }
        """);

    [Fact]
    public Task NoProcessingListFix_WhenTheKeyIsDeclaredInTheLoop() => SF2002.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            void Drain(IDatabase db, string[] queues)
            {
                foreach (var queue in queues)
                {
                    var order = [|db.ListRightPop(queue)|];
                    Console.WriteLine(order);
                }
            }
        }
        """);

    [Fact]
    public Task NoFix_WhenThePoppedValueIsReturned() => SF2002.VerifyNoFixAsync("""
        using StackExchange.Redis;
        class Queue
        {
            RedisValue Dequeue(IDatabase db)
            {
                var v = [|db.ListRightPop("q")|];
                return v;
            }
        }
        """);

    [Fact]
    public Task Steadfast_AsyncPop_ConsumesFromTheReliableQueueAndAcksAfterHandling() => SF2002.VerifyFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task ProcessNextAsync(IDatabase db, CancellationToken ct)
            {
                // take the next order
                var order = await [|db.ListRightPopAsync("orders")|];
                if (order.IsNull) return;
                await HandleAsync(order, ct);
            }
            Task HandleAsync(RedisValue order, CancellationToken ct) => Task.CompletedTask;
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            async Task ProcessNextAsync(IDatabase db, CancellationToken ct)
            {
                // take the next order
                var orderDelivery = await db.AsReliableQueue<string>("orders").DequeueAsync(TimeSpan.Zero, ct);
                RedisValue order = orderDelivery?.Message;
                if (order.IsNull) return;
                await HandleAsync(order, ct);
                if (orderDelivery is not null)
                    await orderDelivery.AckAsync(ct);
            }
            Task HandleAsync(RedisValue order, CancellationToken ct) => Task.CompletedTask;
        }
        """, withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey);

    [Fact]
    public Task Steadfast_SyncPopInAsyncLoop_LeftSide_KeepsTheDeclaredType_AndFixAll() => SF2002.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            private readonly IDatabase _db;
            private readonly string _jobs = "jobs";
            Worker(IDatabase db) => _db = db;
            async Task DrainAsync()
            {
                while (true)
                {
                    string? job = [|_db.ListLeftPop(_jobs)|];
                    if (job is null) break;
                    Console.WriteLine(job);
                    await Task.Yield();
                }
            }
            async Task OnceAsync()
            {
                var job = await [|_db.ListRightPopAsync(_jobs)|];
                Console.WriteLine(job);
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            private readonly IDatabase _db;
            private readonly string _jobs = "jobs";
            Worker(IDatabase db) => _db = db;
            async Task DrainAsync()
            {
                while (true)
                {
                    var jobDelivery = await _db.AsReliableQueue<string>(_jobs, ListSide.Left).DequeueAsync(TimeSpan.Zero);
                    string? job = jobDelivery?.Message;
                    if (job is null) break;
                    Console.WriteLine(job);
                    if (jobDelivery is not null)
                        await jobDelivery.AckAsync();
                    await Task.Yield();
                }
            }
            async Task OnceAsync()
            {
                var jobDelivery = await _db.AsReliableQueue<string>(_jobs).DequeueAsync(TimeSpan.Zero);
                RedisValue job = jobDelivery?.Message;
                Console.WriteLine(job);
                if (jobDelivery is not null)
                    await jobDelivery.AckAsync();
            }
        }
        """, withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey);

    [Fact]
    public Task Steadfast_AsyncLambdaWithRedisKey_UsesTheLambdasToken() => SF2002.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            private static readonly RedisKey Queue = "emails";
            Func<CancellationToken, Task> Step(IDatabase db) => async token =>
            {
                var email = await [|db.ListRightPopAsync(Queue)|];
                Console.WriteLine(email);
            };
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            private static readonly RedisKey Queue = "emails";
            Func<CancellationToken, Task> Step(IDatabase db) => async token =>
            {
                var emailDelivery = await db.AsReliableQueue<string>(Queue).DequeueAsync(TimeSpan.Zero, token);
                RedisValue email = emailDelivery?.Message;
                Console.WriteLine(email);
                if (emailDelivery is not null)
                    await emailDelivery.AckAsync(token);
            };
        }
        """, withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey);

    [Fact]
    public Task Steadfast_DeliveryNameInUse_PicksAFreeOne_AndKeepsAGlobalUsing() => SF2002.VerifyFixAsync(["""
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db, int orderDelivery)
            {
                var order = await [|db.ListRightPopAsync("orders")|];
                System.Console.WriteLine(order + " " + orderDelivery);
            }
        }
        """, "global using Steadfast.Queues;"], ["""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db, int orderDelivery)
            {
                var orderDelivery2 = await db.AsReliableQueue<string>("orders").DequeueAsync(TimeSpan.Zero);
                RedisValue order = orderDelivery2?.Message;
                System.Console.WriteLine(order + " " + orderDelivery);
                if (orderDelivery2 is not null)
                    await orderDelivery2.AckAsync();
            }
        }
        """, "global using Steadfast.Queues;"], withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey);

    [Fact]
    public Task Steadfast_ConfigureAwaitIsKept() => SF2002.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var order = await [|db.ListRightPopAsync("orders")|].ConfigureAwait(false);
                Console.WriteLine(order);
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var orderDelivery = await db.AsReliableQueue<string>("orders").DequeueAsync(TimeSpan.Zero).ConfigureAwait(false);
                RedisValue order = orderDelivery?.Message;
                Console.WriteLine(order);
                if (orderDelivery is not null)
                    await orderDelivery.AckAsync().ConfigureAwait(false);
            }
        }
        """, withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey);

    [Fact]
    public Task ProcessingList_ConfigureAwaitIsKept() => SF2002.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db, RedisKey queue)
            {
                while (true)
                {
                    var order = await [|db.ListRightPopAsync(queue)|].ConfigureAwait(false);
                    Console.WriteLine(order);
                }
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            async Task RunAsync(IDatabase db, RedisKey queue)
            {
                // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
                while (!(await db.ListMoveAsync(queue.Append(":processing"), queue, ListSide.Left, ListSide.Right).ConfigureAwait(false)).IsNull)
                {
                }
                while (true)
                {
                    var order = await db.ListMoveAsync(queue, queue.Append(":processing"), ListSide.Right, ListSide.Left).ConfigureAwait(false);
                    Console.WriteLine(order);
                    if (!order.IsNull)
                    {
                        await db.ListRemoveAsync(queue.Append(":processing"), order, 1).ConfigureAwait(false);
                    }
                }
            }
        }
        """, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey);

    [Fact]
    public Task Steadfast_ByteArrayLocal_UsesAByteArrayQueue_AndObjectGoesThroughRedisValue() => SF2002.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                byte[]? payload = await [|db.ListRightPopAsync("blobs")|];
                Console.WriteLine(payload?.Length);
            }
            async Task LogAsync(IDatabase db)
            {
                object entry = await [|db.ListRightPopAsync("log")|];
                Console.WriteLine(entry);
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        using Steadfast.Queues;
        class Worker
        {
            async Task RunAsync(IDatabase db)
            {
                var payloadDelivery = await db.AsReliableQueue<byte[]>("blobs").DequeueAsync(TimeSpan.Zero);
                byte[]? payload = payloadDelivery?.Message;
                Console.WriteLine(payload?.Length);
                if (payloadDelivery is not null)
                    await payloadDelivery.AckAsync();
            }
            async Task LogAsync(IDatabase db)
            {
                var entryDelivery = await db.AsReliableQueue<string>("log").DequeueAsync(TimeSpan.Zero);
                object entry = (RedisValue)entryDelivery?.Message;
                Console.WriteLine(entry);
                if (entryDelivery is not null)
                    await entryDelivery.AckAsync();
            }
        }
        """, withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey);

    [Fact]
    public async Task Steadfast_IsOfferedFirst_AndOnlyWhereItCanAwaitOnADatabase()
    {
        var offered = await SF2002.OfferedFixesAsync("""
            using System;
            using System.Threading.Tasks;
            using StackExchange.Redis;
            class Worker
            {
                private readonly object _gate = new();
                async Task AsyncMethod(IDatabase db)
                {
                    while (true)
                    {
                        var a = await db.ListRightPopAsync("q");
                        Console.WriteLine(a);
                    }
                }
                void SyncMethod(IDatabase db)
                {
                    while (true)
                    {
                        var b = db.ListRightPop("q");
                        Console.WriteLine(b);
                    }
                }
                async Task InALock(IDatabase db)
                {
                    await Task.Yield();
                    lock (_gate)
                    {
                        while (true)
                        {
                            var c = db.ListRightPop("q");
                            Console.WriteLine(c);
                        }
                    }
                }
                async Task OnATransaction(IDatabase db)
                {
                    var tx = db.CreateTransaction();
                    while (true)
                    {
                        var d = await tx.ListRightPopAsync("q");
                        Console.WriteLine(d);
                    }
                }
            }
            """, withSteadfast: true);

        string?[] both = [SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey, SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey];
        string?[] raw = [SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey];
        Assert.Equal([both, raw, raw, raw], offered);
    }

    [Fact]
    public async Task ProcessingList_IsNotOffered_ForALocalThatDoesNotConvertBackToRedisValue()
    {
        const string source = """
            using System;
            using System.Threading.Tasks;
            using StackExchange.Redis;
            class Worker
            {
                async Task LogAsync(IDatabase db)
                {
                    object entry = await db.ListRightPopAsync("log");
                    Console.WriteLine(entry);
                }
            }
            """;

        Assert.Equal([[SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey]], await SF2002.OfferedFixesAsync(source, withSteadfast: true));
        Assert.Equal([[]], await SF2002.OfferedFixesAsync(source));
    }

    [Fact]
    public async Task Steadfast_IsNotOffered_WithoutSteadfastRedis()
    {
        var offered = await SF2002.OfferedFixesAsync("""
            using System;
            using System.Threading.Tasks;
            using StackExchange.Redis;
            class Worker
            {
                async Task AsyncMethod(IDatabase db)
                {
                    while (true)
                    {
                        var a = await db.ListRightPopAsync("q");
                        Console.WriteLine(a);
                    }
                }
            }
            """);

        Assert.Equal([[SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey]], offered);
    }
}

public sealed class SF2003ThreadBlockingWaitInPollingLoopFixerTests
{
    [Fact]
    public Task AsyncMethod_AwaitsTaskDelayWithItsToken() => SF2003.VerifyFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Waiter
        {
            async Task WaitAsync(IDatabase db, CancellationToken cancellationToken)
            {
                while (!await db.KeyExistsAsync("ready"))
                {
                    [|Thread.Sleep(100)|]; // back off
                }
            }
        }
        """, """
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Waiter
        {
            async Task WaitAsync(IDatabase db, CancellationToken cancellationToken)
            {
                while (!await db.KeyExistsAsync("ready"))
                {
                    await Task.Delay(100, cancellationToken); // back off
                }
            }
        }
        """, equivalenceKey: SF2003ThreadBlockingWaitInPollingLoopFixer.AwaitTaskDelayKey);

    [Fact]
    public Task AsyncLambdaWithoutToken_AddsTheUsing_AndFixAll() => SF2003.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Runner
        {
            Func<System.Threading.Tasks.Task> Work => async () =>
            {
                [|Thread.Sleep(100)|];
                await System.Threading.Tasks.Task.Yield();
                [|Thread.Sleep(TimeSpan.FromSeconds(1))|];
            };
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Runner
        {
            Func<System.Threading.Tasks.Task> Work => async () =>
            {
                await Task.Delay(100);
                await System.Threading.Tasks.Task.Yield();
                await Task.Delay(TimeSpan.FromSeconds(1));
            };
        }
        """);

    [Fact]
    public Task NoFix_InSyncPollingLoop() => SF2003.VerifyNoFixAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Locker
        {
            void Acquire(IDatabase db, string token)
            {
                while (!db.LockTake("lock", token, TimeSpan.FromSeconds(30)))
                    [|Thread.Sleep(100)|];
            }
        }
        """);

    [Fact]
    public Task NoFix_InsideALockStatement() => SF2003.VerifyNoFixAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Cache
        {
            private readonly object _gate = new();
            async Task RefreshAsync()
            {
                lock (_gate)
                {
                    [|Thread.Sleep(10)|];
                }
                await Task.Yield();
            }
        }
        """);
}
