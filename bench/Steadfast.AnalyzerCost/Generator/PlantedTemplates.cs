namespace Steadfast.AnalyzerCost;

/// <summary>
/// Service code with one bug each (sometimes two), in the shapes the rules document. The line where a
/// diagnostic is expected ends with <c>// PLANTED SFxxxx</c>; nothing else in the file may be flagged.
/// </summary>
internal static class PlantedTemplates
{
    public static readonly Template[] All =
    [
        new("Locks", "MachineLease", SF1001_MachineNameLease),
        new("Locks", "ConstantOwnerLock", SF1001_ConstantOwnerAndKeyDelete),
        new("Locks", "StaticTokenLock", SF1001_StaticToken),
        new("Locks", "NoExpiryLock", SF1002_StringSetNxWithoutExpiry),
        new("Locks", "ZeroLeaseLock", SF1002_LockTakeZero),
        new("Locks", "NullExpiryLock", SF1002_NullExpiryAsync),
        new("Services", "MonitorFlusher", SF1003_MonitorExitAfterWork),
        new("Repositories", "SemaphoreRepository", SF1003_SemaphoreReleaseAfterAwait),
        new("Workers", "RedisLockedJob", SF1003_RedisReleaseAfterWork),
        new("Workers", "IgnoredLockTake", SF1004_LockTakeDiscarded),
        new("Services", "IgnoredSemaphoreWait", SF1004_WaitAsyncTimeoutDiscarded),
        new("Services", "IgnoredTryEnter", SF1004_TryEnterStoredNeverChecked),
        new("Workers", "PollingLock", SF1005_WhileNotLockTakeAsync),
        new("Services", "PollingSemaphore", SF1005_ForEverSemaphoreWaitZero),
        new("Workers", "PollingSetNx", SF1005_WhileNotStringSetNx),
        new("Queues", "InboxConsumer", SF2001_ConcurrentQueueRecursion),
        new("Queues", "JobScheduler", SF2001_NullableStoreRecursion),
        new("Queues", "RedisQueue", SF2001_RedisPopSleepRecurse),
        new("Workers", "PopWorker", SF2002_PopThenHandle),
        new("Workers", "AsyncPopWorker", SF2002_PopThenHandleAsync),
        new("Queues", "QueueReader", SF2002_PopInExpressionBodiedProperty),
        new("Services", "Failover", SF2003_SleepInAsyncMethod),
        new("Services", "ReadinessProbe", SF2003_SleepWhilePollingKey),
        new("Workers", "StateWatcher", SF2003_SleepInTaskRunPollingLoop),
        new("Services", "Indexer", SF3001_ParallelForIntoDictionary),
        new("Services", "LoadGenerator", SF3001_TaskRunIncrement),
        new("Controllers", "CountingController", SF3001_ControllerStaticCounter),
        new("Hubs", "PresenceHub", SF3001_HubStaticDictionary),
        new("Services", "Inbox", SF3002_CountReadWithoutLock),
        new("Services", "Meter", SF3002_IncrementWithoutLock),
        new("Services", "Breaker", SF3002_ResetWithoutLock),
        new("Caching", "SeatReservations", SF3003_KeyExistsThenSet),
        new("Caching", "TokenIssuer", SF3003_StringGetNullThenSetAsync),
        new("Caching", "ProfileStore", SF3003_HashExistsThenHashSet),
        new("Clients", "PaymentGateway", SF4001_WhileTrueCatch),
        new("Workers", "HeartbeatSender", SF4001_CancellationLoopWithoutDelay),
        new("Clients", "RatesClient", SF4001_ForEverCatch),
        new("Services", "TimedJob", SF4002_UtcNowMinusStart),
        new("Services", "DeadlineWaiter", SF4002_DeadlineLoop),
        new("Services", "SwitchoverCheck", SF4002_DateTimeOffsetSeconds),
    ];

    // ---------------- SF1001 ----------------

    private static string SF1001_MachineNameLease(TemplateContext c) => $$"""
        /// <summary>Runs the nightly {{c.Lower}} export on one host at a time.</summary>
        public sealed class {{c.Noun}}MachineLease{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}MachineLease{{c.Index}}(IConnectionMultiplexer redis) => _db = redis.GetDatabase();

            public bool RunExclusive(Action export)
            {
                ArgumentNullException.ThrowIfNull(export);
                if (!_db.LockTake("lease:{{c.Key}}", Environment.MachineName, TimeSpan.FromSeconds({{c.Pick(30, 60, 120)}}))) // PLANTED SF1001
                    return false;
                try
                {
                    export();
                    return true;
                }
                finally
                {
                    _db.LockRelease("lease:{{c.Key}}", Environment.MachineName); // PLANTED SF1001
                }
            }
        }
        """;

    private static string SF1001_ConstantOwnerAndKeyDelete(TemplateContext c) => $$"""
        /// <summary>Per-{{c.Lower}} lock so two workers never handle the same one.</summary>
        public sealed class {{c.Noun}}ConstantOwnerLock{{c.Index}}
        {
            private const string Owner = "{{c.Lower}}-worker";
            private readonly IDatabase _db;

            public {{c.Noun}}ConstantOwnerLock{{c.Index}}(IDatabase db) => _db = db;

            public bool TryAcquire(string id) => _db.StringSet($"lock:{{c.Lower}}:{id}", Owner, TimeSpan.FromSeconds({{c.Pick(10, 15, 30)}}), When.NotExists); // PLANTED SF1001

            public void Release(string id) => _db.KeyDelete($"lock:{{c.Lower}}:{id}"); // PLANTED SF1001
        }
        """;

    private static string SF1001_StaticToken(TemplateContext c) => $$"""
        /// <summary>Serialises {{c.Lower}} rebuilds across the cluster.</summary>
        public sealed class {{c.Noun}}StaticTokenLock{{c.Index}}
        {
            private static readonly string Token = Guid.NewGuid().ToString("N");
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}StaticTokenLock{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task<bool> TryRebuildAsync(Func<Task> rebuild)
            {
                ArgumentNullException.ThrowIfNull(rebuild);
                if (!await _db.LockTakeAsync("rebuild:{{c.Key}}", Token, TimeSpan.FromMinutes(2))) // PLANTED SF1001
                    return false;
                try
                {
                    await rebuild();
                    return true;
                }
                finally
                {
                    await _db.LockReleaseAsync("rebuild:{{c.Key}}", Token); // PLANTED SF1001
                }
            }
        }
        """;

    // ---------------- SF1002 ----------------

    private static string SF1002_StringSetNxWithoutExpiry(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}NoExpiryLock{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}NoExpiryLock{{c.Index}}(IDatabase db) => _db = db;

            public bool RunOnce(string id, Action<string> work)
            {
                ArgumentNullException.ThrowIfNull(work);
                var key = $"lock:{{c.Lower}}:{id}";
                var token = Guid.NewGuid().ToString("N");
                if (!_db.StringSet(key, token, when: When.NotExists)) // PLANTED SF1002
                    return false;
                try
                {
                    work(id);
                    return true;
                }
                finally
                {
                    _db.LockRelease(key, token);
                }
            }
        }
        """;

    private static string SF1002_LockTakeZero(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ZeroLeaseLock{{c.Index}}
        {
            private readonly IDatabaseAsync _db;
            private readonly TimeSpan _lease = TimeSpan.Zero;

            public {{c.Noun}}ZeroLeaseLock{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task SettleAsync(string id, Func<string, Task> settle)
            {
                ArgumentNullException.ThrowIfNull(settle);
                var token = Guid.NewGuid().ToString("N");
                if (!await _db.LockTakeAsync($"settle:{{c.Lower}}:{id}", token, TimeSpan.Zero)) // PLANTED SF1002
                    return;
                try
                {
                    await settle(id);
                }
                finally
                {
                    await _db.LockReleaseAsync($"settle:{{c.Lower}}:{id}", token);
                }
            }

            public TimeSpan Lease => _lease;
        }
        """;

    private static string SF1002_NullExpiryAsync(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}NullExpiryLock{{c.Index}}
        {
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}NullExpiryLock{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task<bool> ImportAsync(string batch, Func<Task> import)
            {
                ArgumentNullException.ThrowIfNull(import);
                var token = Guid.NewGuid().ToString("N");
                var taken = await _db.StringSetAsync("import:{{c.Key}}:" + batch, token, null, When.NotExists); // PLANTED SF1002
                if (!taken)
                    return false;
                try
                {
                    await import();
                    return true;
                }
                finally
                {
                    await _db.LockReleaseAsync("import:{{c.Key}}:" + batch, token);
                }
            }
        }
        """;

    // ---------------- SF1003 ----------------

    private static string SF1003_MonitorExitAfterWork(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}MonitorFlusher{{c.Index}}
        {
            private readonly object _gate = new();

            public void Flush(IReadOnlyList<string> batch)
            {
                Monitor.Enter(_gate);
                Write(batch);
                Monitor.Exit(_gate); // PLANTED SF1003
            }

            private static void Write(IReadOnlyList<string> batch)
            {
                foreach (var line in batch)
                    Console.WriteLine(line);
            }
        }
        """;

    private static string SF1003_SemaphoreReleaseAfterAwait(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}SemaphoreRepository{{c.Index}}
        {
            private readonly SemaphoreSlim _writes = new(1, 1);
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}SemaphoreRepository{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task SaveAsync(string id, HashEntry[] fields, CancellationToken cancellationToken)
            {
                await _writes.WaitAsync(cancellationToken);
                await _db.HashSetAsync("{{c.Lower}}:" + id, fields);
                _writes.Release(); // PLANTED SF1003
            }
        }
        """;

    private static string SF1003_RedisReleaseAfterWork(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}RedisLockedJob{{c.Index}}
        {
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}RedisLockedJob{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task RunAsync(Func<Task> job)
            {
                ArgumentNullException.ThrowIfNull(job);
                var token = Guid.NewGuid().ToString("N");
                if (!await _db.LockTakeAsync("job:{{c.Key}}", token, TimeSpan.FromSeconds({{c.Pick(30, 60)}})))
                    return;
                await job();
                await _db.LockReleaseAsync("job:{{c.Key}}", token); // PLANTED SF1003
            }
        }
        """;

    // ---------------- SF1004 ----------------

    private static string SF1004_LockTakeDiscarded(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}IgnoredLockTake{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}IgnoredLockTake{{c.Index}}(IDatabase db) => _db = db;

            public void Recalculate(Action recalculate)
            {
                ArgumentNullException.ThrowIfNull(recalculate);
                var token = Guid.NewGuid().ToString("N");
                _db.LockTake("recalc:{{c.Key}}", token, TimeSpan.FromSeconds(30)); // PLANTED SF1004
                try
                {
                    recalculate();
                }
                finally
                {
                    _db.LockRelease("recalc:{{c.Key}}", token);
                }
            }
        }
        """;

    private static string SF1004_WaitAsyncTimeoutDiscarded(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}IgnoredSemaphoreWait{{c.Index}}
        {
            private readonly SemaphoreSlim _throttle = new({{c.Pick(2, 4, 8)}});

            public async Task<string> CallAsync(Func<Task<string>> call)
            {
                ArgumentNullException.ThrowIfNull(call);
                await _throttle.WaitAsync(TimeSpan.FromSeconds(1)); // PLANTED SF1004
                try
                {
                    return await call();
                }
                finally
                {
                    _throttle.Release();
                }
            }
        }
        """;

    private static string SF1004_TryEnterStoredNeverChecked(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}IgnoredTryEnter{{c.Index}}
        {
            private readonly object _gate = new();

            public void Publish(IEnumerable<string> events)
            {
                var acquired = Monitor.TryEnter(_gate, TimeSpan.FromMilliseconds({{c.Pick(100, 250, 500)}})); // PLANTED SF1004
                try
                {
                    foreach (var e in events)
                        Console.WriteLine(e);
                }
                finally
                {
                    Monitor.Exit(_gate);
                }
            }
        }
        """;

    // ---------------- SF1005 ----------------

    private static string SF1005_WhileNotLockTakeAsync(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}PollingLock{{c.Index}}
        {
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}PollingLock{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task ReconcileAsync(Func<Task> reconcile)
            {
                ArgumentNullException.ThrowIfNull(reconcile);
                var token = Guid.NewGuid().ToString("N");
                while (!await _db.LockTakeAsync("reconcile:{{c.Key}}", token, TimeSpan.FromSeconds(30))) // PLANTED SF1005
                    await Task.Delay({{c.Pick(50, 100, 250)}});
                try
                {
                    await reconcile();
                }
                finally
                {
                    await _db.LockReleaseAsync("reconcile:{{c.Key}}", token);
                }
            }
        }
        """;

    private static string SF1005_ForEverSemaphoreWaitZero(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}PollingSemaphore{{c.Index}}
        {
            private readonly SemaphoreSlim _slot = new(1, 1);

            public async Task<int> ExclusiveAsync(Func<Task<int>> action)
            {
                ArgumentNullException.ThrowIfNull(action);
                for (;;)
                {
                    if (await _slot.WaitAsync(0)) // PLANTED SF1005
                        break;
                    await Task.Delay({{c.Pick(10, 20, 50)}});
                }

                try
                {
                    return await action();
                }
                finally
                {
                    _slot.Release();
                }
            }
        }
        """;

    private static string SF1005_WhileNotStringSetNx(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}PollingSetNx{{c.Index}}
        {
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}PollingSetNx{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task ChargeAsync(string id, Func<string, Task> charge)
            {
                ArgumentNullException.ThrowIfNull(charge);
                var key = "charge:{{c.Lower}}:" + id;
                var token = Guid.NewGuid().ToString("N");
                while (!await _db.StringSetAsync(key, token, TimeSpan.FromSeconds(20), When.NotExists)) // PLANTED SF1005
                {
                    await Task.Delay(100);
                }

                try
                {
                    await charge(id);
                }
                finally
                {
                    await _db.LockReleaseAsync(key, token);
                }
            }
        }
        """;

    // ---------------- SF2001 ----------------

    private static string SF2001_ConcurrentQueueRecursion(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}InboxConsumer{{c.Index}}
        {
            private readonly ConcurrentQueue<string> _inbox = new();

            public void Post(string message) => _inbox.Enqueue(message);

            public string Take()
            {
                if (!_inbox.TryDequeue(out var message))
                {
                    Thread.Sleep({{c.Pick(50, 100, 200)}});
                    return Take(); // PLANTED SF2001
                }

                return message;
            }
        }
        """;

    private static string SF2001_NullableStoreRecursion(TemplateContext c) => $$"""
        public interface I{{c.Noun}}JobStore{{c.Index}}
        {
            {{c.Noun}}Job{{c.Index}}? Next();
        }

        public sealed record {{c.Noun}}Job{{c.Index}}(string Id, string Payload);

        public sealed class {{c.Noun}}JobScheduler{{c.Index}}
        {
            private readonly I{{c.Noun}}JobStore{{c.Index}} _store;

            public {{c.Noun}}JobScheduler{{c.Index}}(I{{c.Noun}}JobStore{{c.Index}} store) => _store = store;

            public {{c.Noun}}Job{{c.Index}} NextJob()
            {
                var job = _store.Next();
                if (job == null)
                {
                    Thread.Sleep(1000);
                    return NextJob(); // PLANTED SF2001
                }

                return job;
            }
        }
        """;

    private static string SF2001_RedisPopSleepRecurse(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}RedisQueue{{c.Index}}
        {
            private readonly IDatabase _redis;
            private readonly string _queueName = "queue:{{c.Key}}";

            public {{c.Noun}}RedisQueue{{c.Index}}(IDatabase redis) => _redis = redis;

            public void Enqueue(string item) => _redis.ListLeftPush(_queueName, item);

            public string Dequeue()
            {
                var item = _redis.ListRightPop(_queueName); // PLANTED SF2002
                if (item.IsNull)
                {
                    Thread.Sleep(1000);
                    return Dequeue(); // PLANTED SF2001
                }

                return item!;
            }
        }
        """;

    // ---------------- SF2002 ----------------

    private static string SF2002_PopThenHandle(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}PopWorker{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}PopWorker{{c.Index}}(IDatabase db) => _db = db;

            public bool ProcessOne()
            {
                var message = _db.ListRightPop("{{c.Lower}}:inbox"); // PLANTED SF2002
                if (message.IsNull)
                    return false;
                Handle(message!);
                return true;
            }

            private static void Handle(string message) => Console.WriteLine("handled " + message);
        }
        """;

    private static string SF2002_PopThenHandleAsync(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}AsyncPopWorker{{c.Index}}
        {
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}AsyncPopWorker{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task<bool> ProcessOneAsync(Func<RedisValue, Task> handle)
            {
                ArgumentNullException.ThrowIfNull(handle);
                var job = await _db.ListLeftPopAsync("{{c.Lower}}:jobs"); // PLANTED SF2002
                if (job.IsNull)
                    return false;
                await handle(job);
                return true;
            }
        }
        """;

    private static string SF2002_PopInExpressionBodiedProperty(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}QueueReader{{c.Index}}
        {
            private static readonly RedisKey Key = "{{c.Lower}}:events";
            private readonly IDatabase _db;

            public {{c.Noun}}QueueReader{{c.Index}}(IDatabase db) => _db = db;

            public RedisValue Next => _db.ListLeftPop(Key); // PLANTED SF2002

            public long Depth => _db.ListLength(Key);
        }
        """;

    // ---------------- SF2003 ----------------

    private static string SF2003_SleepInAsyncMethod(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Failover{{c.Index}}
        {
            private volatile bool _onStandby;

            public async Task<bool> SwitchAsync(Func<Task<bool>> promote)
            {
                ArgumentNullException.ThrowIfNull(promote);
                Thread.Sleep({{c.Pick(500, 1000, 2000)}}); // PLANTED SF2003
                _onStandby = !await promote();
                return !_onStandby;
            }
        }
        """;

    private static string SF2003_SleepWhilePollingKey(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ReadinessProbe{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}ReadinessProbe{{c.Index}}(IDatabase db) => _db = db;

            public bool WaitUntilReady()
            {
                while (!_db.KeyExists("ready:{{c.Key}}"))
                    Thread.Sleep(50); // PLANTED SF2003
                return true;
            }
        }
        """;

    private static string SF2003_SleepInTaskRunPollingLoop(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}StateWatcher{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}StateWatcher{{c.Index}}(IDatabase db) => _db = db;

            public Task WatchAsync() => Task.Run(() =>
            {
                while (_db.StringGet("state:{{c.Key}}") != "done")
                    Thread.Sleep(200); // PLANTED SF2003
            });
        }
        """;

    // ---------------- SF3001 ----------------

    private static string SF3001_ParallelForIntoDictionary(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Indexer{{c.Index}}
        {
            private readonly Dictionary<int, string> _byPosition = new();

            public void Build(string[] items)
            {
                ArgumentNullException.ThrowIfNull(items);
                Parallel.For(0, items.Length, i =>
                {
                    _byPosition[i] = items[i].Trim(); // PLANTED SF3001
                });
            }

            public string? Find(int position) => _byPosition.TryGetValue(position, out var v) ? v : null;
        }
        """;

    private static string SF3001_TaskRunIncrement(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}LoadGenerator{{c.Index}}
        {
            private int _hits;

            public async Task<int> RunAsync(int callers)
            {
                var tasks = new List<Task>();
                for (var i = 0; i < callers; i++)
                    tasks.Add(Task.Run(() => _hits++)); // PLANTED SF3001
                await Task.WhenAll(tasks);
                return _hits;
            }
        }
        """;

    private static string SF3001_ControllerStaticCounter(TemplateContext c) => $$"""
        [ApiController]
        [Route("api/{{c.Lower}}s/stats")]
        public sealed class {{c.Noun}}CountingController{{c.Index}} : ControllerBase
        {
            private static long _served;

            [HttpGet]
            public IActionResult Get()
            {
                _served += 1; // PLANTED SF3001
                return Ok(new { served = "ok" });
            }
        }
        """;

    private static string SF3001_HubStaticDictionary(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}PresenceHub{{c.Index}} : Hub
        {
            private static readonly Dictionary<string, string> Online = new();

            public void Join(string name)
            {
                Online[ConnectionId] = name; // PLANTED SF3001
            }

            public override Task OnConnectedAsync() => base.OnConnectedAsync();
        }
        """;

    // ---------------- SF3002 ----------------

    private static string SF3002_CountReadWithoutLock(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Inbox{{c.Index}}
        {
            private readonly object _gate = new();
            private readonly List<string> _messages = new();

            public void Add(string message)
            {
                lock (_gate)
                {
                    _messages.Add(message);
                }
            }

            public string[] Snapshot()
            {
                lock (_gate)
                    return _messages.ToArray();
            }

            public bool Has(string message) => _messages.Contains(message); // PLANTED SF3002
        }
        """;

    private static string SF3002_IncrementWithoutLock(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Meter{{c.Index}}
        {
            private readonly object _sync = new();
            private int _count;

            public void Hit() => _count++; // PLANTED SF3002

            public int Drain()
            {
                lock (_sync)
                {
                    var c = _count;
                    _count = 0;
                    return c;
                }
            }
        }
        """;

    private static string SF3002_ResetWithoutLock(TemplateContext c) => $$"""
        public enum {{c.Noun}}BreakerState{{c.Index}} { Closed, Open }

        public sealed class {{c.Noun}}Breaker{{c.Index}}
        {
            private readonly object _lock = new();
            private {{c.Noun}}BreakerState{{c.Index}} _state;
            private int _failures;

            public void OnFailure()
            {
                lock (_lock)
                {
                    _failures++;
                    if (_failures > {{c.Pick(3, 5, 10)}})
                        _state = {{c.Noun}}BreakerState{{c.Index}}.Open;
                }
            }

            public bool IsOpen
            {
                get { lock (_lock) return _state == {{c.Noun}}BreakerState{{c.Index}}.Open; }
            }

            public void Reset()
            {
                lock (_lock)
                    _state = {{c.Noun}}BreakerState{{c.Index}}.Closed;
                _failures = 0; // PLANTED SF3002
            }
        }
        """;

    // ---------------- SF3003 ----------------

    private static string SF3003_KeyExistsThenSet(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}SeatReservations{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}SeatReservations{{c.Index}}(IDatabase db) => _db = db;

            public bool Reserve(string seat, string user)
            {
                var key = "seat:{{c.Lower}}:" + seat;
                if (!_db.KeyExists(key))
                {
                    _db.StringSet(key, user); // PLANTED SF3003
                    return true;
                }

                return false;
            }
        }
        """;

    private static string SF3003_StringGetNullThenSetAsync(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}TokenIssuer{{c.Index}}
        {
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}TokenIssuer{{c.Index}}(IDatabaseAsync db) => _db = db;

            // Two callers that both miss each issue their own token, and the second overwrites the first one's.
            public async Task<string> GetOrIssueAsync(string id)
            {
                var key = "token:{{c.Lower}}:" + id;
                var existing = await _db.StringGetAsync(key);
                if (existing.IsNull)
                {
                    var fresh = Guid.NewGuid().ToString("N");
                    await _db.StringSetAsync(key, fresh); // PLANTED SF3003
                    return fresh;
                }

                return existing!;
            }
        }
        """;

    private static string SF3003_HashExistsThenHashSet(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ProfileStore{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}ProfileStore{{c.Index}}(IDatabase db) => _db = db;

            public void EnsureProfile(string user)
            {
                if (!_db.HashExists("profiles:{{c.Lower}}", user))
                    _db.HashSet("profiles:{{c.Lower}}", user, "{}"); // PLANTED SF3003
            }
        }
        """;

    // ---------------- SF4001 ----------------

    private static string SF4001_WhileTrueCatch(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}PaymentGateway{{c.Index}}
        {
            private readonly Func<decimal, string> _charge;

            public {{c.Noun}}PaymentGateway{{c.Index}}(Func<decimal, string> charge) => _charge = charge;

            public string ChargeWithRetry(decimal amount)
            {
                while (true) // PLANTED SF4001
                {
                    try
                    {
                        return _charge(amount);
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine($"charge failed: {e.Message}");
                    }
                }
            }
        }
        """;

    private static string SF4001_CancellationLoopWithoutDelay(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}HeartbeatSender{{c.Index}}
        {
            private readonly Func<CancellationToken, Task> _send;

            public {{c.Noun}}HeartbeatSender{{c.Index}}(Func<CancellationToken, Task> send) => _send = send;

            public async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested) // PLANTED SF4001
                {
                    try
                    {
                        await _send(ct);
                    }
                    catch (Exception)
                    {
                    }
                }
            }
        }
        """;

    private static string SF4001_ForEverCatch(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}RatesClient{{c.Index}}
        {
            private readonly Func<string, decimal> _fetch;

            public {{c.Noun}}RatesClient{{c.Index}}(Func<string, decimal> fetch) => _fetch = fetch;

            public decimal Rate(string currency)
            {
                for (;;) // PLANTED SF4001
                {
                    try
                    {
                        return _fetch(currency);
                    }
                    catch (TimeoutException)
                    {
                    }
                }
            }
        }
        """;

    // ---------------- SF4002 ----------------

    private static string SF4002_UtcNowMinusStart(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}TimedJob{{c.Index}}
        {
            public TimeSpan Run(Action job)
            {
                ArgumentNullException.ThrowIfNull(job);
                var start = DateTime.UtcNow;
                job();
                var elapsed = DateTime.UtcNow - start; // PLANTED SF4002
                Console.WriteLine($"{{c.Lower}} job took {elapsed.TotalMilliseconds} ms");
                return elapsed;
            }
        }
        """;

    private static string SF4002_DeadlineLoop(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}DeadlineWaiter{{c.Index}}
        {
            public async Task<bool> WaitForAsync(Func<bool> ready, TimeSpan timeout, CancellationToken ct)
            {
                ArgumentNullException.ThrowIfNull(ready);
                var deadline = DateTime.Now + timeout;
                while (DateTime.Now < deadline) // PLANTED SF4002
                {
                    if (ready())
                        return true;
                    await Task.Delay(50, ct);
                }

                return false;
            }
        }
        """;

    private static string SF4002_DateTimeOffsetSeconds(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}SwitchoverCheck{{c.Index}}
        {
            public async Task<bool> SwitchedInTimeAsync(Func<Task> switchover)
            {
                ArgumentNullException.ThrowIfNull(switchover);
                var started = DateTimeOffset.UtcNow;
                await switchover();
                return (DateTimeOffset.UtcNow - started).TotalSeconds < {{c.Pick(2, 5, 10)}}; // PLANTED SF4002
            }
        }
        """;
}
