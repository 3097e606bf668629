using StackExchange.Redis;
using Steadfast.Chaos.Checking;
using Steadfast.Chaos.Faults;
using Steadfast.Chaos.History;
using Steadfast.Chaos.Reporting;
using Steadfast.Chaos.Worker;
using Steadfast.Chaos.Workloads;
using Steadfast.Locks;
using Steadfast.Queues;
using Steadfast.Testing.Redis;

namespace Steadfast.Chaos;

/// <summary>
/// One scenario: its servers, consumer processes, lock clients and producers under load while the fault is injected
/// and consumers are killed; then a drain (consumers finish what was enqueued) and the checks.
/// </summary>
internal sealed class Episode(ChaosScenario scenario, int index, ChaosSettings settings, TextWriter log)
{
    private readonly List<ConnectionMultiplexer> _connections = [];
    private readonly List<RedisReliableQueue<string>> _queues = [];

    public async Task<EpisodeResult> RunAsync()
    {
        try
        {
            return await RunCoreAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or RedisException or IOException)
        {
            log.WriteLine($"  {scenario.Name}: failed: {ex}");
            return EpisodeResult.Failed(scenario, index, ex.Message);
        }
    }

    private async Task<EpisodeResult> RunCoreAsync()
    {
        await using ChaosTopology topology = await ChaosTopology.StartAsync(scenario).ConfigureAwait(false);
        await using RedisServer application = await RedisServer.StartAsync().ConfigureAwait(false);
        ConnectionMultiplexer applicationConnection = await ConnectAsync("chaos-application", [application.EndPoint]).ConfigureAwait(false);
        string queueName = $"chaos-{index}";
        int seed = settings.Seed * 1000 + index;
        await using var workers = new WorkerPool(queueName, topology.EndPoints, application.EndPoint, settings.VisibilityTimeout, seed);
        try
        {
            await workers.StartAsync(settings.Workers).ConfigureAwait(false);
            var locks = new LockHistory();
            var enqueues = new QueueHistory();
            List<Func<CancellationToken, Task>> load = await CreateLoadAsync(topology, queueName, locks, enqueues, seed).ConfigureAwait(false);
            LostLockProbe? probe = scenario.Fault is FaultKind.ReplicaPromotion or FaultKind.Kill9NoPersistence
                ? new LostLockProbe(
                    new RedisLockProvider(await ConnectAsync("chaos-probe-1", topology.EndPoints).ConfigureAwait(false), LockProviderOptions()),
                    new RedisLockProvider(await ConnectAsync("chaos-probe-2", topology.EndPoints).ConfigureAwait(false), LockProviderOptions()),
                    locks)
                : null;
            var injector = new FaultInjector(topology, scenario, settings.Stall, settings.Downtime, probe);

            log.WriteLine($"  {scenario.Name}: load for {settings.EpisodeLength.TotalSeconds:0.#} s");
            long origin = Clock.Now;
            using var stop = new CancellationTokenSource();
            Task[] running = [.. load.Select(run => Task.Run(() => run(stop.Token)))];
            await Task.WhenAll(InjectFaultsAsync(injector, origin), KillWorkersAsync(workers, origin)).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(running).ConfigureAwait(false);
            TimeSpan loadTime = System.Diagnostics.Stopwatch.GetElapsedTime(origin);

            long[] dataLosing = [.. injector.Faults.Where(f => f.LosesData).Select(f => f.At)];
            var lockAllowance = new DataLossAllowance(Clock.Ticks(scenario.LossWindow), dataLosing);
            var queueAllowance = new DataLossAllowance(Clock.Ticks(scenario.QueueWindow), dataLosing);
            long drainStart = Clock.Now;
            await workers.WaitForReplacementsAsync().ConfigureAwait(false);
            (QueueOutcome outcome, bool drained) = await DrainAsync(topology, applicationConnection, enqueues, queueAllowance).ConfigureAwait(false);
            TimeSpan drainTime = System.Diagnostics.Stopwatch.GetElapsedTime(drainStart);

            IReadOnlyList<LockHold> holds = locks.Holds;
            IReadOnlyList<RegisterWrite> writes = locks.Register.Log;
            var figures = new LockFigures(
                holds.Count, holds.Count(h => h.Zombie), holds.Count(h => h.LostAt is not null), locks.AcquireFailures,
                locks.AcquireTimeouts, locks.ReleaseFailures, writes.Count(w => w.Accepted), writes.Count(w => !w.Accepted));
            return new EpisodeResult(
                scenario, index, origin, loadTime, drainTime, drained, injector.Faults, workers.Kills, figures,
                LockHistoryChecker.Check(holds, writes, lockAllowance),
                QueueChecker.Check(enqueues.Enqueues, outcome, queueAllowance),
                null);
        }
        finally
        {
            foreach (RedisReliableQueue<string> queue in _queues)
            {
                await queue.DisposeAsync().ConfigureAwait(false);
            }

            foreach (ConnectionMultiplexer connection in _connections)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<List<Func<CancellationToken, Task>>> CreateLoadAsync(
        ChaosTopology topology, string queueName, LockHistory locks, QueueHistory enqueues, int seed)
    {
        var load = new List<Func<CancellationToken, Task>>();
        for (int i = 0; i < settings.LockClients; i++)
        {
            // A connection per client, as separate services would have.
            ConnectionMultiplexer connection = await ConnectAsync($"chaos-lock-{i}", topology.EndPoints).ConfigureAwait(false);
            ChaosSettings clientSettings = settings with { Lease = scenario.Lease ?? settings.Lease, HoldFor = scenario.HoldFor ?? settings.HoldFor };
            var client = new LockClient($"lock-{i}", new RedisLockProvider(connection, LockProviderOptions()), locks, clientSettings, seed + 100 + i);
            load.Add(client.RunAsync);
        }

        for (int i = 0; i < settings.Producers; i++)
        {
            ConnectionMultiplexer connection = await ConnectAsync($"chaos-producer-{i}", topology.EndPoints).ConfigureAwait(false);
            var queue = new RedisReliableQueue<string>(connection, queueName, QueueOptions());
            _queues.Add(queue);
            var producer = new QueueProducer($"{queueName}-p{i}", queue, enqueues, settings, seed + 200 + i);
            load.Add(producer.RunAsync);
        }

        return load;
    }

    // WAIT below the clients' 1 s command timeout: it holds the client's connection while it waits.
    private RedisLockProviderOptions LockProviderOptions() => new()
    {
        ReplicaAcknowledgements = scenario.ReplicaAcknowledgements,
        ReplicaAcknowledgementTimeout = TimeSpan.FromMilliseconds(500),
    };

    private RedisQueueOptions QueueOptions() => new() { VisibilityTimeout = settings.VisibilityTimeout, MaxDeliveries = 10_000 };

    private async Task InjectFaultsAsync(FaultInjector injector, long origin)
    {
        // A promotion happens once, half-way; other faults every interval.
        TimeSpan interval = scenario.Fault == FaultKind.ReplicaPromotion ? settings.EpisodeLength / 2 : settings.FaultInterval;
        long end = origin + Clock.Ticks(settings.EpisodeLength);
        long next = origin + Clock.Ticks(interval);
        while (next < end && injector.CanInject)
        {
            await DelayUntilAsync(next).ConfigureAwait(false);
            await injector.InjectAsync().ConfigureAwait(false);
            log.WriteLine($"    {scenario.Fault} at {Clock.Milliseconds(injector.Faults[^1].At - origin):F0} ms, took {injector.Faults[^1].Took.TotalMilliseconds:F0} ms");
            next = Math.Max(next + Clock.Ticks(interval), Clock.Now);
        }

        await DelayUntilAsync(end).ConfigureAwait(false);
    }

    private async Task KillWorkersAsync(WorkerPool workers, long origin)
    {
        long end = origin + Clock.Ticks(settings.EpisodeLength);
        long next = origin + Clock.Ticks(settings.WorkerKillInterval);
        while (next < end)
        {
            await DelayUntilAsync(next).ConfigureAwait(false);
            await workers.KillOneAsync().ConfigureAwait(false);
            next += Clock.Ticks(settings.WorkerKillInterval);
        }
    }

    private static async Task DelayUntilAsync(long at)
    {
        long remaining = at - Clock.Now;
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Clock.Milliseconds(remaining))).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits until the consumers have applied every acknowledged message outside the loss window, nothing is pending and
    /// nothing is left undelivered — or the drain timeout. Returns the last state read.
    /// </summary>
    private async Task<(QueueOutcome Outcome, bool Drained)> DrainAsync(
        ChaosTopology topology, ConnectionMultiplexer application, QueueHistory enqueues, DataLossAllowance allowance)
    {
        string[] mustArrive = [.. enqueues.Enqueues.Where(e => e.Acknowledged && !allowance.Covers(e.Returned)).Select(e => e.Id)];
        RedisKey stream = _queues[0].StreamKey;
        RedisKey deadLetters = _queues[0].DeadLetterKey;
        DateTime deadline = DateTime.UtcNow + settings.DrainTimeout;
        while (true)
        {
            QueueOutcome? outcome = null;
            bool undelivered = true;
            try
            {
                (outcome, undelivered) = await ReadOutcomeAsync(topology.Admin.GetDatabase(), application.GetDatabase(), stream, deadLetters)
                    .ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                log.WriteLine($"    drain: {ex.Message}");
            }

            bool done = outcome is not null && !undelivered && outcome.Pending == 0 && mustArrive.All(outcome.Applied.Contains);
            if (done || (DateTime.UtcNow > deadline && outcome is not null))
            {
                return (outcome!, done);
            }

            // Polling the consumers' progress (other processes); bounded by the drain timeout.
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private static async Task<(QueueOutcome Outcome, bool Undelivered)> ReadOutcomeAsync(
        IDatabase queue, IDatabase application, RedisKey stream, RedisKey deadLetters)
    {
        RedisValue[] applied = await application.SetMembersAsync(ApplicationLedger.AppliedKey).ConfigureAwait(false);
        HashEntry[] deliveries = await application.HashGetAllAsync(ApplicationLedger.DeliveriesKey).ConfigureAwait(false);
        HashEntry[] acks = await application.HashGetAllAsync(ApplicationLedger.AcksKey).ConfigureAwait(false);
        long pending = 0;
        bool undelivered = false;
        StreamGroupInfo[] groups = await queue.StreamGroupInfoAsync(stream).ConfigureAwait(false);
        foreach (StreamGroupInfo group in groups)
        {
            pending += group.PendingMessageCount;
            StreamEntry[] next = await queue.StreamRangeAsync(stream, "(" + group.LastDeliveredId, "+", count: 1).ConfigureAwait(false);
            undelivered |= next.Length > 0;
        }

        long dead = await queue.StreamLengthAsync(deadLetters).ConfigureAwait(false);
        return (new QueueOutcome(
            applied.Select(v => v.ToString()).ToHashSet(StringComparer.Ordinal),
            deliveries.ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal),
            acks.ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal),
            pending,
            dead), undelivered || groups.Length == 0);
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(string name, IReadOnlyList<string> endPoints)
    {
        ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(ChaosConnection.Options(name, endPoints)).ConfigureAwait(false);
        _connections.Add(connection);
        return connection;
    }
}
