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
    public Task Sync_MoveToProcessingAndRemoveAfterHandling() => SF2002.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var redis = ConnectionMultiplexer.Connect("localhost");
        var db = redis.GetDatabase();
        var order = [|db.ListRightPop("orders")|];
        if (order.IsNull) return;
        Console.WriteLine(order); // handle it
        Console.WriteLine("done");
        """], ["""
        using System;
        using StackExchange.Redis;

        var redis = ConnectionMultiplexer.Connect("localhost");
        var db = redis.GetDatabase();
        var order = db.ListMove("orders", "orders:processing", ListSide.Right, ListSide.Left);
        if (order.IsNull) return;
        Console.WriteLine(order); // handle it
        db.ListRemove("orders:processing", order, 1);
        Console.WriteLine("done");
        """], equivalenceKey: SF2002MessageLostIfConsumerCrashesFixer.MoveToProcessingListKey, outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task Async_MoveToProcessingAndRemoveAfterHandling_AndFixAll() => SF2002.VerifyFixAsync(["""
        using System;
        using StackExchange.Redis;

        var db = (await ConnectionMultiplexer.ConnectAsync("localhost")).GetDatabase();
        var order = await [|db.ListLeftPopAsync("orders")|];
        Console.WriteLine(order);
        var refund = await [|db.ListLeftPopAsync("refunds")|];
        Console.WriteLine(refund);
        """], ["""
        using System;
        using StackExchange.Redis;

        var db = (await ConnectionMultiplexer.ConnectAsync("localhost")).GetDatabase();
        var order = await db.ListMoveAsync("orders", "orders:processing", ListSide.Left, ListSide.Left);
        Console.WriteLine(order);
        if (!order.IsNull)
        {
            await db.ListRemoveAsync("orders:processing", order, 1);
        }
        var refund = await db.ListMoveAsync("refunds", "refunds:processing", ListSide.Left, ListSide.Left);
        Console.WriteLine(refund);
        if (!refund.IsNull)
        {
            await db.ListRemoveAsync("refunds:processing", refund, 1);
        }
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
