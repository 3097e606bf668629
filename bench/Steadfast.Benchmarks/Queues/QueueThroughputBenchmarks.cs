using System.Text.Json;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;
using Steadfast.Queues;

namespace Steadfast.Benchmarks.Queues;

/// <summary>
/// End-to-end queue throughput on Redis: 1 producer enqueuing in batches of 100 while 4 consumers take, "handle" and
/// (where there is such a thing) acknowledge each message; one operation = one message. Compared in the same run:
/// the unsafe LPUSH/RPOP loop (baseline: a message is lost if its consumer dies), a bare XADD/XREADGROUP/XACK loop,
/// Steadfast's <see cref="RedisReliableQueue{T}"/>, and the shape SF2002's fix leaves: LPUSH producers unchanged, consumers
/// on <see cref="RedisListQueueExtensions.AsReliableQueue{T}"/>.
/// </summary>
[MemoryDiagnoser]
public class QueueThroughputBenchmarks
{
    private const int Messages = 10_000;
    private const int BatchSize = 100;
    private const int Consumers = 4;

    private static readonly byte[][] Payloads = Enumerable.Range(0, BatchSize)
        .Select(i => JsonSerializer.SerializeToUtf8Bytes(new Order(i, "sku-" + i, 3)))
        .ToArray();

    private ConnectionMultiplexer _connection = null!;
    private IDatabase _db = null!;
    private int _run;

    public sealed record Order(int Id, string Sku, int Quantity);

    [GlobalSetup]
    public void Setup()
    {
        _connection = BenchRedis.Connect();
        _db = _connection.GetDatabase();
    }

    [GlobalCleanup]
    public void Cleanup() => _connection.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "LPUSH/RPOP (unsafe)")]
    public async Task UnsafeListPushPop()
    {
        RedisKey key = "bench:list:" + Interlocked.Increment(ref _run);
        int consumed = 0;
        var consumers = Enumerable.Range(0, Consumers).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref consumed) < Messages)
            {
                RedisValue value = await _db.ListRightPopAsync(key);
                if (value.IsNull)
                {
                    continue; // Empty: pop again (no sleep, so the baseline is as fast as it gets).
                }

                Handle(JsonSerializer.Deserialize<Order>((byte[])value!)!);
                Interlocked.Increment(ref consumed);
            }
        })).ToArray();

        var batch = Payloads.Select(p => (RedisValue)p).ToArray();
        for (int i = 0; i < Messages; i += BatchSize)
        {
            await _db.ListLeftPushAsync(key, batch);
        }

        await Task.WhenAll(consumers);
        await _db.KeyDeleteAsync(key);
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "XADD/XREADGROUP/XACK (bare)")]
    public async Task BareStreams()
    {
        RedisKey key = "bench:stream:" + Interlocked.Increment(ref _run);
        await _db.StreamCreateConsumerGroupAsync(key, "g", StreamPosition.Beginning, createStream: true);
        int consumed = 0;
        var consumers = Enumerable.Range(0, Consumers).Select(c => Task.Run(async () =>
        {
            string consumer = "c" + c;
            while (Volatile.Read(ref consumed) < Messages)
            {
                StreamEntry[] entries = await _db.StreamReadGroupAsync(key, "g", consumer, StreamPosition.NewMessages, count: 10);
                foreach (StreamEntry entry in entries)
                {
                    Handle(JsonSerializer.Deserialize<Order>((byte[])entry["m"]!)!);
                    await _db.StreamAcknowledgeAsync(key, "g", entry.Id);
                    Interlocked.Increment(ref consumed);
                }
            }
        })).ToArray();

        for (int i = 0; i < Messages; i += BatchSize)
        {
            IBatch batch = _db.CreateBatch();
            var adds = Payloads.Select(p => batch.StreamAddAsync(key, "m", p)).ToArray();
            batch.Execute();
            await Task.WhenAll(adds);
        }

        await Task.WhenAll(consumers);
        await _db.KeyDeleteAsync(key);
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "Steadfast RedisReliableQueue (default: pipelined acks)")]
    public Task SteadfastReliableQueue() => RunReliableQueue(new RedisQueueOptions());

    [Benchmark(OperationsPerInvoke = Messages, Description = "Steadfast RedisReliableQueue, PipelinedAcks = false (awaited)")]
    public Task SteadfastReliableQueueAwaitedAcks() => RunReliableQueue(new RedisQueueOptions { PipelinedAcks = false });

    private async Task RunReliableQueue(RedisQueueOptions options)
    {
        string name = "bench:" + Interlocked.Increment(ref _run);
        await using var producer = new RedisReliableQueue<Order>(_connection, name, options);
        var queues = Enumerable.Range(0, Consumers).Select(_ => new RedisReliableQueue<Order>(_connection, name, options)).ToArray();
        int consumed = 0;
        using var done = new CancellationTokenSource();
        var consumers = queues.Select(queue => Task.Run(async () =>
        {
            try
            {
                await foreach (IDelivery<Order> delivery in queue.ConsumeAsync(done.Token))
                {
                    Handle(delivery.Message);
                    await delivery.AckAsync();
                    if (Interlocked.Increment(ref consumed) == Messages)
                    {
                        done.Cancel();
                    }
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
            }
        })).ToArray();

        var orders = Enumerable.Range(0, BatchSize).Select(i => new Order(i, "sku-" + i, 3)).ToArray();
        for (int i = 0; i < Messages; i += BatchSize)
        {
            await producer.EnqueueBatchAsync(orders);
        }

        await Task.WhenAll(consumers);
        foreach (var queue in queues)
        {
            await queue.DisposeAsync();
        }

        await _db.KeyDeleteAsync(producer.StreamKey);
    }

    [Benchmark(OperationsPerInvoke = Messages, Description = "SF2002 fix: LPUSH + AsReliableQueue")]
    public async Task ListTakenOverByReliableQueue()
    {
        // The producers keep LPUSHing to the list; the consumers run what SF2002's fix writes: DequeueAsync(TimeSpan.Zero)
        // on db.AsReliableQueue<T>(list), handle, ack. All four share the process's one queue for the list, as the fix does.
        string list = "bench:takeover:" + Interlocked.Increment(ref _run);
        RedisReliableQueue<Order> queue = _db.AsReliableQueue<Order>(list);
        int consumed = 0;
        var consumers = Enumerable.Range(0, Consumers).Select(_ => Task.Run(async () =>
        {
            while (Volatile.Read(ref consumed) < Messages)
            {
                IDelivery<Order>? delivery = await queue.DequeueAsync(TimeSpan.Zero);
                if (delivery is null)
                {
                    continue; // Empty: take again, like the baseline.
                }

                Handle(delivery.Message);
                await delivery.AckAsync();
                Interlocked.Increment(ref consumed);
            }
        })).ToArray();

        var batch = Payloads.Select(p => (RedisValue)p).ToArray();
        for (int i = 0; i < Messages; i += BatchSize)
        {
            await _db.ListLeftPushAsync(list, batch);
        }

        await Task.WhenAll(consumers);
        await _db.KeyDeleteAsync([list, queue.StreamKey, queue.DeadLetterKey]);
    }

    private static void Handle(Order order)
    {
        if (order.Quantity < 0)
        {
            throw new InvalidOperationException();
        }
    }
}
