namespace Steadfast.AnalyzerCost;

/// <summary>
/// Correct service code — including the safe twin of every planted shape (unique lock tokens, leases,
/// try/finally, checked acquisitions, bounded cancellable waits, acknowledged queues, locks taken
/// consistently, conditional Redis writes, bounded backoff, monotonic clocks). No rule may flag any of it.
/// </summary>
internal static class CleanTemplates
{
    public static readonly Template[] All =
    [
        new("Controllers", "Controller", Controller),
        new("Controllers", "CommandController", CommandController),
        new("Hubs", "ChatHub", ChatHub),
        new("Repositories", "RedisRepository", RedisRepository),
        new("Repositories", "SemaphoreRepository", SemaphoreRepository),
        new("Caching", "RedisCache", RedisCache),
        new("Caching", "LockedCache", LockedCache),
        new("Locks", "RedisLock", SafeRedisLock),
        new("Locks", "LockedSection", SafeMonitorSections),
        new("Workers", "HostedWorker", HostedWorker),
        new("Workers", "StreamConsumer", StreamConsumer),
        new("Workers", "ReliableListConsumer", ReliableListConsumer),
        new("Workers", "ChannelWorker", ChannelWorker),
        new("Services", "Stats", ConcurrentStats),
        new("Services", "Cart", ShoppingCart),
        new("Services", "Inventory", Inventory),
        new("Services", "ParallelReport", ParallelReport),
        new("Services", "Settings", Singleton),
        new("Services", "ConnectionPool", ConnectionPool),
        new("Clients", "RetryingClient", BoundedRetryClient),
        new("Services", "Timing", MonotonicTiming),
        new("Services", "FeatureFlags", FeatureFlags),
        new("Services", "OrderBuilder", Builder),
    ];

    private static string Controller(TemplateContext c) => $$"""
        [ApiController]
        [Route("api/{{c.Lower}}s")]
        public sealed class {{c.Noun}}Controller{{c.Index}} : ControllerBase
        {
            private static readonly IReadOnlyDictionary<string, int> PageSizes = new Dictionary<string, int> { ["basic"] = 10, ["pro"] = 100 };
            private readonly IDatabaseAsync _db;
            private readonly List<string> _warnings = new();
            private int _calls;

            public {{c.Noun}}Controller{{c.Index}}(IDatabaseAsync db) => _db = db;

            [HttpGet]
            public async Task<IActionResult> List(string[] ids, string plan)
            {
                var result = new List<string>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var id in ids.Take(PageSizes.TryGetValue(plan, out var size) ? size : 1))
                {
                    if (!seen.Add(id))
                    {
                        _warnings.Add("duplicate " + id);
                        continue;
                    }

                    var name = await _db.HashGetAsync("{{c.Lower}}:" + id, "Name");
                    if (name.HasValue)
                        result.Add(name!);
                }

                _calls++;
                return Ok(result);
            }

            [HttpGet("{id}")]
            public async Task<IActionResult> Get(string id)
            {
                var fields = await _db.HashGetAllAsync("{{c.Lower}}:" + id);
                if (fields.Length == 0)
                    return NotFound();
                return Ok(fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString(), StringComparer.Ordinal));
            }
        }
        """;

    private static string CommandController(TemplateContext c) => $$"""
        [ApiController]
        [Route("api/{{c.Lower}}s/commands")]
        public sealed class {{c.Noun}}CommandController{{c.Index}} : ControllerBase
        {
            private static readonly ConcurrentDictionary<string, long> Accepted = new(StringComparer.Ordinal);
            private readonly IDatabaseAsync _db;

            public {{c.Noun}}CommandController{{c.Index}}(IDatabaseAsync db) => _db = db;

            [HttpPost]
            public async Task<IActionResult> Submit(string id, string payload)
            {
                if (string.IsNullOrWhiteSpace(id))
                    return BadRequest("id is required");
                var first = await _db.StringSetAsync("cmd:{{c.Lower}}:" + id, payload, TimeSpan.FromHours(1), When.NotExists);
                if (!first)
                    return Conflict();
                Accepted.AddOrUpdate(id, 1, (_, n) => n + 1);
                await _db.ListLeftPushAsync("{{c.Lower}}:commands", payload);
                return Ok(id);
            }
        }
        """;

    private static string ChatHub(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ChatHub{{c.Index}} : Hub
        {
            private static readonly ConcurrentDictionary<string, string> Users = new(StringComparer.Ordinal);
            private static readonly object Gate = new();
            private static readonly List<string> Log = new();

            public override Task OnConnectedAsync()
            {
                Users[ConnectionId] = "anonymous";
                return base.OnConnectedAsync();
            }

            public void Rename(string name)
            {
                Users.AddOrUpdate(ConnectionId, name, (_, _) => name);
                lock (Gate)
                    Log.Add(name);
            }

            public string[] Recent()
            {
                lock (Gate)
                    return Log.ToArray();
            }

            public int Count()
            {
                var local = new List<string>(Users.Values);
                local.Sort(StringComparer.Ordinal);
                return local.Count;
            }
        }
        """;

    private static string RedisRepository(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}RedisRepository{{c.Index}}
        {
            private readonly IDatabaseAsync _db;
            private readonly string _prefix = "{{c.Lower}}:";

            public {{c.Noun}}RedisRepository{{c.Index}}(IConnectionMultiplexer redis) => _db = redis.GetDatabase();

            public async Task SaveAsync({{c.Noun}}Dto{{c.Index}} dto)
            {
                ArgumentNullException.ThrowIfNull(dto);
                var key = _prefix + dto.Id;
                await _db.HashSetAsync(key, {{c.Noun}}Mapper{{c.Index}}.ToHash(dto));
                await _db.KeyExpireAsync(key, TimeSpan.FromDays({{c.Pick(1, 7, 30)}}));
                await _db.SetAddAsync(_prefix + "all", dto.Id);
            }

            public async Task<IReadOnlyList<string>> IdsAsync(int max)
            {
                var members = await _db.SetMembersAsync(_prefix + "all");
                return members.Select(m => m.ToString()).OrderBy(m => m, StringComparer.Ordinal).Take(max).ToList();
            }

            public async Task<string?> NameAsync(string id)
            {
                var name = await _db.HashGetAsync(_prefix + id, "Name");
                return name.HasValue ? name.ToString() : null;
            }

            public async Task<bool> DeleteAsync(string id)
            {
                await _db.SetRemoveAsync(_prefix + "all", id);
                return await _db.KeyDeleteAsync(_prefix + id);
            }

            public Task<long> NextVersionAsync(string id) => _db.StringIncrementAsync(_prefix + id + ":version");
        }
        """;

    private static string SemaphoreRepository(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}SemaphoreRepository{{c.Index}}
        {
            private readonly SemaphoreSlim _mutex = new(1, 1);
            private readonly Dictionary<string, {{c.Noun}}Dto{{c.Index}}> _rows = new(StringComparer.Ordinal);

            public async Task SaveAllAsync(IEnumerable<{{c.Noun}}Dto{{c.Index}}> rows, CancellationToken ct) =>
                await Task.WhenAll(rows.Select(r => Task.Run(() => SaveAsync(r, ct), ct)));

            private async Task SaveAsync({{c.Noun}}Dto{{c.Index}} row, CancellationToken ct)
            {
                await _mutex.WaitAsync(ct);
                try
                {
                    _rows[row.Id] = {{c.Noun}}Mapper{{c.Index}}.Copy(row);
                }
                finally
                {
                    _mutex.Release();
                }
            }

            public async Task<{{c.Noun}}Dto{{c.Index}}?> FindAsync(string id, CancellationToken ct)
            {
                await _mutex.WaitAsync(ct);
                try
                {
                    return _rows.TryGetValue(id, out var row) ? row : null;
                }
                finally
                {
                    _mutex.Release();
                }
            }

            public async Task<bool> TryRemoveAsync(string id, TimeSpan wait)
            {
                if (!await _mutex.WaitAsync(wait))
                    return false;
                try
                {
                    return _rows.Remove(id);
                }
                finally
                {
                    _mutex.Release();
                }
            }
        }
        """;

    private static string RedisCache(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}RedisCache{{c.Index}}
        {
            private readonly IDatabase _db;

            public {{c.Noun}}RedisCache{{c.Index}}(IConnectionMultiplexer redis) => _db = redis.GetDatabase();

            public async Task<string> GetOrCreateAsync(string key, Func<Task<string>> load)
            {
                ArgumentNullException.ThrowIfNull(load);
                var cached = await _db.StringGetAsync(key);
                if (cached.HasValue)
                    return cached!;
                var value = await load();
                await _db.StringSetAsync(key, value, TimeSpan.FromMinutes({{c.Pick(1, 5, 15)}}), when: When.NotExists);
                return value;
            }

            public bool TryReserve(string seat, string user)
            {
                if (_db.KeyExists("closed:" + seat))
                    return false;
                return _db.StringSet("seat:" + seat, user, TimeSpan.FromMinutes(10), When.NotExists);
            }

            public bool CompareAndSwap(string key, string expected, string next)
            {
                var tran = _db.CreateTransaction();
                tran.AddCondition(Condition.StringEqual(key, expected));
                _ = tran.StringSetAsync(key, next);
                return tran.Execute();
            }

            public void Touch(string key)
            {
                if (_db.KeyExists(key))
                    _db.KeyExpire(key, TimeSpan.FromMinutes(5));
            }

            public void Forget(string key)
            {
                if (_db.KeyExists(key))
                    _db.KeyDelete(key);
            }

            public long Count(string key) => _db.StringIncrement(key);
        }
        """;

    private static string LockedCache(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}LockedCache{{c.Index}}
        {
            private readonly object _gate = new();
            private readonly Dictionary<string, (string Value, long At)> _entries = new(StringComparer.Ordinal);
            private int _hits;

            public string? Get(string key)
            {
                lock (_gate)
                {
                    if (_entries.TryGetValue(key, out var e))
                    {
                        _hits++;
                        return e.Value;
                    }

                    return null;
                }
            }

            public void Put(string key, string value)
            {
                lock (_gate)
                {
                    _entries[key] = (value, Stopwatch.GetTimestamp());
                    Trim();
                }
            }

            public int Hits
            {
                get { lock (_gate) return _hits; }
            }

            private void Trim()
            {
                if (_entries.Count > {{c.Pick(100, 1000, 5000)}})
                    _entries.Clear();
            }
        }
        """;

    private static string SafeRedisLock(TemplateContext c) => $$"""
        /// <summary>The safe raw Redis lock: a token per acquisition, a lease, a checked take, an owner-checked release in finally.</summary>
        public sealed class {{c.Noun}}RedisLock{{c.Index}}
        {
            private readonly IDatabaseAsync _db;
            private readonly TimeSpan _lease = TimeSpan.FromSeconds({{c.Pick(15, 30, 60)}});

            public {{c.Noun}}RedisLock{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task<bool> TryRunAsync(string id, Func<CancellationToken, Task> work, CancellationToken ct)
            {
                ArgumentNullException.ThrowIfNull(work);
                var key = "lock:{{c.Lower}}:" + id;
                var token = Guid.NewGuid().ToString("N");
                if (!await _db.LockTakeAsync(key, token, _lease))
                    return false;
                try
                {
                    await work(ct);
                    return true;
                }
                finally
                {
                    await _db.LockReleaseAsync(key, token);
                }
            }

            public async Task<bool> RunWithWaitAsync(string id, Func<Task> work, CancellationToken ct)
            {
                ArgumentNullException.ThrowIfNull(work);
                var key = "lock:{{c.Lower}}:" + id;
                var token = Guid.NewGuid().ToString("N");
                for (var attempt = 0; attempt < {{c.Pick(5, 10)}}; attempt++)
                {
                    if (await _db.StringSetAsync(key, token, _lease, When.NotExists))
                    {
                        try
                        {
                            await work();
                            return true;
                        }
                        finally
                        {
                            await _db.LockReleaseAsync(key, token);
                        }
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(50 << attempt), ct);
                }

                return false;
            }
        }
        """;

    private static string SafeMonitorSections(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}LockedSection{{c.Index}}
        {
            private readonly object _gate = new();
            private readonly ReaderWriterLockSlim _rw = new();
            private readonly List<string> _journal = new();
            private readonly Dictionary<string, int> _totals = new(StringComparer.Ordinal);

            public void Append(string entry)
            {
                Monitor.Enter(_gate);
                try
                {
                    _journal.Add(entry);
                }
                finally
                {
                    Monitor.Exit(_gate);
                }
            }

            public bool TryAppend(string entry, TimeSpan wait)
            {
                if (!Monitor.TryEnter(_gate, wait))
                    return false;
                try
                {
                    _journal.Add(entry);
                    return true;
                }
                finally
                {
                    Monitor.Exit(_gate);
                }
            }

            public string[] Journal()
            {
                lock (_gate)
                    return _journal.ToArray();
            }

            public void Add(string key, int amount)
            {
                _rw.EnterWriteLock();
                try
                {
                    _totals[key] = (_totals.TryGetValue(key, out var n) ? n : 0) + amount;
                }
                finally
                {
                    _rw.ExitWriteLock();
                }
            }

            public int Total(string key)
            {
                _rw.EnterReadLock();
                try
                {
                    return _totals.TryGetValue(key, out var n) ? n : 0;
                }
                finally
                {
                    _rw.ExitReadLock();
                }
            }
        }
        """;

    private static string HostedWorker(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}HostedWorker{{c.Index}} : BackgroundService
        {
            private readonly Func<CancellationToken, Task> _step;
            private readonly Dictionary<string, long> _lastRun = new(StringComparer.Ordinal);
            private int _sweeps;

            public {{c.Noun}}HostedWorker{{c.Index}}(Func<CancellationToken, Task> step) => _step = step;

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                var delay = TimeSpan.FromSeconds(1);
                while (!stoppingToken.IsCancellationRequested)
                {
                    try
                    {
                        await _step(stoppingToken);
                        delay = TimeSpan.FromSeconds(1);
                    }
                    catch (InvalidOperationException e)
                    {
                        Console.WriteLine($"{{c.Lower}} step failed: {e.Message}");
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
                    }

                    _lastRun["step"] = Stopwatch.GetTimestamp();
                    Sweep();
                    await Task.Delay(delay, stoppingToken);
                }
            }

            private void Sweep()
            {
                var expired = new List<string>();
                foreach (var (k, at) in _lastRun)
                {
                    if (Stopwatch.GetElapsedTime(at) > TimeSpan.FromHours(1))
                        expired.Add(k);
                }

                foreach (var k in expired)
                    _lastRun.Remove(k);
                _sweeps++;
            }
        }
        """;

    private static string StreamConsumer(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}StreamConsumer{{c.Index}} : BackgroundService
        {
            private readonly IDatabaseAsync _db;
            private readonly string _stream = "{{c.Lower}}:stream";

            public {{c.Noun}}StreamConsumer{{c.Index}}(IDatabaseAsync db) => _db = db;

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    var entries = await _db.StreamReadGroupAsync(_stream, "workers", "w{{c.Index}}", ">", {{c.Pick(10, 50, 100)}});
                    foreach (var entry in entries)
                    {
                        Handle(entry);
                        await _db.StreamAcknowledgeAsync(_stream, "workers", entry.Id);
                    }

                    if (entries.Length == 0)
                        await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
                }
            }

            private static void Handle(StreamEntry entry)
            {
                foreach (var value in entry.Values)
                    Console.WriteLine($"{value.Name}={value.Value}");
            }
        }
        """;

    private static string ReliableListConsumer(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ReliableListConsumer{{c.Index}}
        {
            private readonly IDatabaseAsync _db;
            private const string Pending = "{{c.Lower}}:pending";
            private const string Processing = "{{c.Lower}}:processing";

            public {{c.Noun}}ReliableListConsumer{{c.Index}}(IDatabaseAsync db) => _db = db;

            public async Task<bool> ProcessOneAsync(Func<RedisValue, Task> handle, CancellationToken ct)
            {
                ArgumentNullException.ThrowIfNull(handle);
                ct.ThrowIfCancellationRequested();
                var item = await _db.ListMoveAsync(Pending, Processing, ListSide.Right, ListSide.Left);
                if (item.IsNull)
                    return false;
                await handle(item);
                await _db.ListRemoveAsync(Processing, item, 1);
                return true;
            }

            public async Task TrimAsync()
            {
                await _db.ListTrimAsync("{{c.Lower}}:recent", 0, 99);
                _ = await _db.ListRightPopAsync("{{c.Lower}}:recent");
            }

            public Task<long> DepthAsync() => _db.ListLengthAsync(Pending);
        }
        """;

    private static string ChannelWorker(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ChannelWorker{{c.Index}}
        {
            private readonly System.Threading.Channels.Channel<string> _channel = System.Threading.Channels.Channel.CreateUnbounded<string>();
            private readonly Dictionary<string, int> _processed = new(StringComparer.Ordinal);
            private Task? _loop;

            public void Start(CancellationToken ct) => _loop = Task.Run(() => RunAsync(ct), ct);

            public ValueTask EnqueueAsync(string item) => _channel.Writer.WriteAsync(item);

            public Task Completion => _loop ?? Task.CompletedTask;

            private async Task RunAsync(CancellationToken ct)
            {
                await foreach (var item in _channel.Reader.ReadAllAsync(ct))
                    Handle(item);
            }

            private void Handle(string item) => _processed[item] = _processed.TryGetValue(item, out var n) ? n + 1 : 1;
        }
        """;

    private static string ConcurrentStats(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Stats{{c.Index}}
        {
            private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
            private readonly ConcurrentBag<string> _errors = new();
            private long _total;

            public void Record(string[] keys) => Parallel.ForEach(keys, k =>
            {
                _counts.AddOrUpdate(k, 1, (_, n) => n + 1);
                if (k.Length == 0)
                    _errors.Add(k);
                Interlocked.Increment(ref _total);
            });

            public long Total => Interlocked.Read(ref _total);

            public async Task WarmAsync(string[] keys)
            {
                var tasks = new Task[keys.Length];
                for (var j = 0; j < keys.Length; j++)
                {
                    var k = keys[j];
                    tasks[j] = Task.Run(() => _counts.TryAdd(k, 0));
                }

                await Task.WhenAll(tasks);
            }
        }
        """;

    private static string ShoppingCart(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Cart{{c.Index}}
        {
            private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);
            private readonly List<string> _history = new();
            private int _version;
            private decimal _total;

            public void Add(string sku, int qty, decimal price)
            {
                _lines[sku] = _lines.TryGetValue(sku, out var n) ? n + qty : qty;
                _history.Add("add " + sku);
                _version++;
                _total += qty * price;
            }

            public bool Remove(string sku)
            {
                _version++;
                _history.Add("remove " + sku);
                return _lines.Remove(sku);
            }

            public IReadOnlyList<string> Skus => _lines.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();

            public int Version => _version;

            public decimal Total => _total;
        }
        """;

    private static string Inventory(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Inventory{{c.Index}}
        {
            private readonly object _sync = new();
            private readonly Dictionary<string, int> _stock = new(StringComparer.Ordinal);
            private readonly string _warehouse;
            private long _changes;

            public {{c.Noun}}Inventory{{c.Index}}(string warehouse, IEnumerable<KeyValuePair<string, int>> seed)
            {
                _warehouse = warehouse;
                foreach (var (k, v) in seed)
                    _stock[k] = v;
            }

            public string Warehouse => _warehouse;

            public bool Take(string sku, int n)
            {
                lock (_sync)
                    return TakeCore(sku, n);
            }

            public void Restock(string sku, int n)
            {
                lock (_sync)
                    AddCore(sku, n);
            }

            private bool TakeCore(string sku, int n)
            {
                if (!_stock.TryGetValue(sku, out var have) || have < n)
                    return false;
                AddCore(sku, -n);
                return true;
            }

            private void AddCore(string sku, int n)
            {
                _stock[sku] = (_stock.TryGetValue(sku, out var h) ? h : 0) + n;
                _changes++;
            }
        }
        """;

    private static string ParallelReport(TemplateContext c) => $$"""
        public static class {{c.Noun}}ParallelReport{{c.Index}}
        {
            public static int[] Squares(int[] input)
            {
                var output = new int[input.Length];
                Parallel.For(0, input.Length, j => output[j] = input[j] * input[j]);
                return output;
            }

            public static List<string> Words(string[] lines)
            {
                var all = new List<string>();
                var gate = new object();
                Parallel.ForEach(lines, () => new List<string>(), (line, _, local) =>
                {
                    local.AddRange(line.Split(' '));
                    return local;
                }, local =>
                {
                    lock (gate)
                        all.AddRange(local);
                });
                return all;
            }

            public static async Task<int> CountAsync(IEnumerable<string> files)
            {
                var counts = await Task.WhenAll(files.Select(f => Task.Run(() =>
                {
                    var words = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var w in f.Split(' '))
                        words.Add(w);
                    return words.Count;
                })));
                return counts.Sum();
            }
        }
        """;

    private static string Singleton(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Settings{{c.Index}}
        {
            private static readonly object Gate = new();
            private static {{c.Noun}}Settings{{c.Index}}? _instance;

            private {{c.Noun}}Settings{{c.Index}}()
            {
            }

            public static {{c.Noun}}Settings{{c.Index}} Instance
            {
                get
                {
                    if (_instance == null)
                    {
                        lock (Gate)
                        {
                            if (_instance == null)
                                _instance = new {{c.Noun}}Settings{{c.Index}}();
                        }
                    }

                    return _instance;
                }
            }

            public int PageSize { get; init; } = {{c.Pick(10, 25, 50)}};
        }
        """;

    private static string ConnectionPool(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}ConnectionPool{{c.Index}} : IDisposable
        {
            private readonly object _gate = new();
            private readonly Stack<IDisposable> _idle = new();
            private bool _disposed;

            public void Return(IDisposable connection)
            {
                ArgumentNullException.ThrowIfNull(connection);
                lock (_gate)
                {
                    if (_disposed)
                        connection.Dispose();
                    else
                        _idle.Push(connection);
                }
            }

            public IDisposable? Rent()
            {
                lock (_gate)
                    return _idle.Count > 0 ? _idle.Pop() : null;
            }

            public void Dispose()
            {
                _disposed = true;
                while (_idle.Count > 0)
                    _idle.Pop().Dispose();
            }
        }
        """;

    private static string BoundedRetryClient(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}RetryingClient{{c.Index}}
        {
            private readonly Func<CancellationToken, Task<string>> _call;
            private readonly int _maxAttempts = {{c.Pick(3, 4, 5)}};

            public {{c.Noun}}RetryingClient{{c.Index}}(Func<CancellationToken, Task<string>> call) => _call = call;

            public async Task<string> GetAsync(CancellationToken ct)
            {
                var delay = TimeSpan.FromMilliseconds(100);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        return await _call(ct);
                    }
                    catch (TimeoutException) when (attempt < _maxAttempts)
                    {
                        await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(50)), ct);
                        delay *= 2;
                    }
                }
            }

            public string GetOrDefault(Func<string> call, string fallback)
            {
                ArgumentNullException.ThrowIfNull(call);
                for (var i = 0; i < _maxAttempts; i++)
                {
                    try
                    {
                        return call();
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }

                return fallback;
            }
        }
        """;

    private static string MonotonicTiming(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}Timing{{c.Index}}
        {
            private readonly TimeProvider _time;
            private long _startedAt;

            public {{c.Noun}}Timing{{c.Index}}(TimeProvider time) => _time = time;

            public void Start() => _startedAt = _time.GetTimestamp();

            public TimeSpan Uptime() => _time.GetElapsedTime(_startedAt);

            public TimeSpan Measure(Action action)
            {
                ArgumentNullException.ThrowIfNull(action);
                var start = Stopwatch.GetTimestamp();
                action();
                return Stopwatch.GetElapsedTime(start);
            }

            public async Task<bool> WithinAsync(Func<Task> action, TimeSpan budget)
            {
                ArgumentNullException.ThrowIfNull(action);
                var start = _time.GetTimestamp();
                await action();
                return _time.GetElapsedTime(start) < budget;
            }

            public static bool IsExpired(DateTime expiresAt) => expiresAt < DateTime.UtcNow;

            public static bool IsStale(DateTime lastSeen) => lastSeen < DateTime.UtcNow - TimeSpan.FromDays({{c.Pick(7, 30, 90)}});
        }
        """;

    private static string FeatureFlags(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}FeatureFlags{{c.Index}} : IDisposable
        {
            private System.Collections.Immutable.ImmutableDictionary<string, bool> _flags = System.Collections.Immutable.ImmutableDictionary<string, bool>.Empty;
            private readonly Timer _refresh;

            public {{c.Noun}}FeatureFlags{{c.Index}}() => _refresh = new Timer(_ => Reload(), null, 0, 60_000);

            private void Reload() => Interlocked.Exchange(ref _flags, _flags.SetItem("beta", true));

            public bool IsOn(string name) => Volatile.Read(ref _flags).TryGetValue(name, out var on) && on;

            public Task ParallelCheckAsync(string[] names) => Parallel.ForEachAsync(names, (n, _) =>
            {
                var local = IsOn(n);
                return local ? ValueTask.CompletedTask : ValueTask.CompletedTask;
            });

            public void Dispose() => _refresh.Dispose();
        }
        """;

    private static string Builder(TemplateContext c) => $$"""
        public sealed class {{c.Noun}}OrderBuilder{{c.Index}}
        {
            private readonly List<string> _lines = new();
            private decimal _total;
            private string _id = "";

            public {{c.Noun}}OrderBuilder{{c.Index}} WithId(string id)
            {
                _id = id;
                return this;
            }

            public {{c.Noun}}OrderBuilder{{c.Index}} AddLine(string line, decimal price)
            {
                _lines.Add(line);
                _total += price;
                return this;
            }

            public (string Id, string[] Lines, decimal Total) Build() => (_id, _lines.ToArray(), _total);

            public override string ToString()
            {
                var sb = new StringBuilder();
                foreach (var l in _lines)
                    sb.AppendLine(l);
                return sb.ToString();
            }
        }
        """;
}
