using Microsoft.CodeAnalysis;
using Steadfast.Analyzers.Queues;
using SF2002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesAnalyzer,
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesFixer>;

namespace Steadfast.Analyzers.Tests.Queues;

/// <summary>
/// SF2002's fixes in a program of top-level statements, where each statement is wrapped in a global statement of the
/// file rather than held by a block: the acknowledgement still goes after the last statement that handles the message.
/// </summary>
public sealed class SF2002TopLevelStatementsFixerTests
{
    [Fact]
    public Task Sync_MoveToProcessingAndRemoveAfterHandling_RecoversBeforeTheLoop() => SF2002.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var redis = ConnectionMultiplexer.Connect("localhost");
        var db = redis.GetDatabase();
        while (true)
        {
            var order = [|db.ListRightPop("orders")|];
            if (order.IsNull) break;
            Console.WriteLine(order); // handle it
        }
        Console.WriteLine("done");
        """], ["""
        using System;
        using StackExchange.Redis;

        var redis = ConnectionMultiplexer.Connect("localhost");
        var db = redis.GetDatabase();
        // Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost).
        while (!db.ListMove("{orders}:processing", "orders", ListSide.Left, ListSide.Right).IsNull)
        {
        }
        while (true)
        {
            var order = db.ListMove("orders", "{orders}:processing", ListSide.Right, ListSide.Left);
            if (order.IsNull) break;
            Console.WriteLine(order); // handle it
            db.ListRemove("{orders}:processing", order, 1);
        }
        Console.WriteLine("done");
        """], equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey, outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task NoProcessingListFix_ForASinglePopOfTheProgram() => SF2002.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var db = (await ConnectionMultiplexer.ConnectAsync("localhost")).GetDatabase();
        var order = await [|db.ListLeftPopAsync("orders")|];
        Console.WriteLine(order);
        """], ["""
        using System;
        using StackExchange.Redis;

        var db = (await ConnectionMultiplexer.ConnectAsync("localhost")).GetDatabase();
        var order = await [|db.ListLeftPopAsync("orders")|];
        Console.WriteLine(order);
        """], equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey, outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task Steadfast_SyncPop_ConsumesFromTheReliableQueue_TheProgramMayAwait() => SF2002.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var order = [|db.ListRightPop("orders")|];
        if (order.IsNull) return;
        Console.WriteLine(order);
        """], ["""
        using System;
        using StackExchange.Redis;
        using Steadfast.Queues;

        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var orderDelivery = await db.AsReliableQueue<string>("orders").DequeueAsync(TimeSpan.Zero);
        RedisValue order = orderDelivery?.Message;
        if (order.IsNull) return;
        Console.WriteLine(order);
        if (orderDelivery is not null)
            await orderDelivery.AckAsync();
        """], withSteadfast: true, equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.UseReliableQueueKey, outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task NoFix_WhenTheMessageIsCapturedByATopLevelLocalFunction() => SF2002.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var order = [|db.ListRightPop("orders")|];
        Handle();

        void Handle() => Console.WriteLine(order);
        """], ["""
        using System;
        using StackExchange.Redis;

        var db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var order = [|db.ListRightPop("orders")|];
        Handle();

        void Handle() => Console.WriteLine(order);
        """], equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey, outputKind: OutputKind.ConsoleApplication);
}
