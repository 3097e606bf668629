namespace Steadfast.Analyzers.Tests.SharedState;

/// <summary>
/// Generates a tree of realistic, correct service code — the shapes SF3001–SF3003 must stay silent on:
/// locked classes, concurrent collections, single-threaded owners of dictionaries, records, builders,
/// controllers and hubs (with minimal framework stand-ins under their real names), hosted services,
/// Redis code that uses conditions, parallel code with per-iteration state.
/// </summary>
internal static class CleanServiceTree
{
    public const string FrameworkStubs = """
        namespace Microsoft.AspNetCore.Mvc { public abstract class ControllerBase { } public sealed class HttpGetAttribute : System.Attribute { } }
        namespace Microsoft.AspNetCore.SignalR { public abstract class Hub { public string ConnectionId => ""; public virtual System.Threading.Tasks.Task OnConnectedAsync() => System.Threading.Tasks.Task.CompletedTask; } }
        namespace Microsoft.AspNetCore.Http { public abstract class HttpContext { } public delegate System.Threading.Tasks.Task RequestDelegate(HttpContext context); }
        namespace Microsoft.AspNetCore.Routing { public interface IEndpointRouteBuilder { } }
        namespace Microsoft.AspNetCore.Builder
        {
            public static class EndpointRouteBuilderExtensions
            {
                public static object MapGet(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints, string pattern, System.Delegate handler) => handler;
            }
        }
        namespace Microsoft.Extensions.Hosting
        {
            public interface IHostedService { System.Threading.Tasks.Task StartAsync(System.Threading.CancellationToken ct); System.Threading.Tasks.Task StopAsync(System.Threading.CancellationToken ct); }
            public abstract class BackgroundService : IHostedService
            {
                protected abstract System.Threading.Tasks.Task ExecuteAsync(System.Threading.CancellationToken stoppingToken);
                public System.Threading.Tasks.Task StartAsync(System.Threading.CancellationToken ct) { _ = ExecuteAsync(ct); return System.Threading.Tasks.Task.CompletedTask; }
                public System.Threading.Tasks.Task StopAsync(System.Threading.CancellationToken ct) => System.Threading.Tasks.Task.CompletedTask;
            }
        }
        """;

    private static readonly Func<string, int, string>[] Templates =
    [
        LockedCache, ConcurrentStats, ShoppingCart, RecordsAndBuilder, Controller, Hub, HostedService,
        RedisCache, ParallelReport, Singleton, LockedHelperClass, Disposable, MinimalApi, UiForm, ChannelWorker,
        SemaphoreRepository, ImmutableConfig, Pipeline,
    ];

    public static IEnumerable<(string Path, string Source)> Generate(int files)
    {
        yield return ("Framework.cs", FrameworkStubs);
        for (var i = 0; i < files; i++)
        {
            var template = Templates[i % Templates.Length];
            var ns = $"Contoso.Service{i / Templates.Length % 12}";
            yield return ($"{ns}/{template.Method.Name}{i}.cs", template(ns, i));
        }
    }

    private static string LockedCache(string ns, int i) => $$"""
        using System;
        using System.Collections.Generic;
        namespace {{ns}};
        public sealed class LockedCache{{i}}
        {
            private readonly object _gate = new();
            private readonly Dictionary<string, (string Value, DateTime At)> _entries = new(StringComparer.Ordinal);
            private int _hits;
            public string? Get(string key)
            {
                lock (_gate)
                {
                    if (_entries.TryGetValue(key, out var e)) { _hits++; return e.Value; }
                    return null;
                }
            }
            public void Put(string key, string value) { lock (_gate) { _entries[key] = (value, DateTime.UtcNow); Trim(); } }
            public int Hits { get { lock (_gate) return _hits; } }
            private void Trim() { if (_entries.Count > 1000) _entries.Clear(); }
        }
        """;

    private static string ConcurrentStats(string ns, int i) => $$"""
        using System.Collections.Concurrent;
        using System.Threading;
        using System.Threading.Tasks;
        namespace {{ns}};
        public sealed class Stats{{i}}
        {
            private readonly ConcurrentDictionary<string, long> _counts = new();
            private readonly ConcurrentBag<string> _errors = new();
            private long _total;
            public void Record(string[] keys) => Parallel.ForEach(keys, k =>
            {
                _counts.AddOrUpdate(k, 1, (_, n) => n + 1);
                if (k.Length == 0) _errors.Add(k);
                Interlocked.Increment(ref _total);
            });
            public long Total => Interlocked.Read(ref _total);
            public async Task WarmAsync(string[] keys)
            {
                var tasks = new Task[keys.Length];
                for (var j = 0; j < keys.Length; j++) { var k = keys[j]; tasks[j] = Task.Run(() => _counts.TryAdd(k, 0)); }
                await Task.WhenAll(tasks);
            }
        }
        """;

    private static string ShoppingCart(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Linq;
        namespace {{ns}};
        public sealed class Cart{{i}}
        {
            private readonly Dictionary<string, int> _lines = new();
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
            public bool Remove(string sku) { _version++; _history.Add("remove " + sku); return _lines.Remove(sku); }
            public IReadOnlyList<string> Skus => _lines.Keys.OrderBy(k => k).ToList();
            public int Version => _version;
            public decimal Total => _total;
        }
        """;

    private static string RecordsAndBuilder(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Text;
        namespace {{ns}};
        public sealed record Order{{i}}(string Id, IReadOnlyList<string> Lines, decimal Total);
        public sealed class OrderBuilder{{i}}
        {
            private readonly List<string> _lines = new();
            private decimal _total;
            private string _id = "";
            public OrderBuilder{{i}} WithId(string id) { _id = id; return this; }
            public OrderBuilder{{i}} AddLine(string line, decimal price) { _lines.Add(line); _total += price; return this; }
            public Order{{i}} Build() => new(_id, _lines.ToArray(), _total);
            public override string ToString() { var sb = new StringBuilder(); foreach (var l in _lines) sb.AppendLine(l); return sb.ToString(); }
        }
        """;

    private static string Controller(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Mvc;
        namespace {{ns}};
        public sealed class OrdersController{{i}} : ControllerBase
        {
            private static readonly IReadOnlyDictionary<string, int> Limits = new Dictionary<string, int> { ["basic"] = 10, ["pro"] = 100 };
            private readonly List<string> _warnings = new();
            private int _calls;
            [HttpGet]
            public async Task<IEnumerable<string>> Get(string[] ids, string plan)
            {
                var result = new List<string>();
                var seen = new HashSet<string>();
                var byPrefix = new Dictionary<char, int>();
                foreach (var id in ids.Take(Limits.TryGetValue(plan, out var l) ? l : 1))
                {
                    if (!seen.Add(id)) { _warnings.Add("duplicate " + id); continue; }
                    byPrefix[id[0]] = byPrefix.TryGetValue(id[0], out var n) ? n + 1 : 1;
                    result.Add(id);
                }
                _calls++;
                await Task.Yield();
                return result;
            }
        }
        """;

    private static string Hub(string ns, int i) => $$"""
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.SignalR;
        namespace {{ns}};
        public sealed class ChatHub{{i}} : Hub
        {
            private static readonly ConcurrentDictionary<string, string> Users = new();
            private static readonly object Gate = new();
            private static readonly List<string> Log = new();
            public override Task OnConnectedAsync() { Users[ConnectionId] = "anonymous"; return base.OnConnectedAsync(); }
            public void Rename(string name) { Users.AddOrUpdate(ConnectionId, name, (_, _) => name); lock (Gate) Log.Add(name); }
            public string[] Recent() { lock (Gate) return Log.ToArray(); }
            public int Count() { var local = new List<string>(Users.Values); local.Sort(); return local.Count; }
        }
        """;

    private static string HostedService(string ns, int i) => $$"""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.Extensions.Hosting;
        namespace {{ns}};
        public sealed class Sweeper{{i}} : BackgroundService
        {
            private readonly Dictionary<string, DateTime> _seen = new();
            private int _sweeps;
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    _seen["tick"] = DateTime.UtcNow;
                    Sweep();
                }
            }
            private void Sweep()
            {
                var expired = new List<string>();
                foreach (var (k, at) in _seen) if (at < DateTime.UtcNow.AddHours(-1)) expired.Add(k);
                foreach (var k in expired) _seen.Remove(k);
                _sweeps++;
            }
        }
        """;

    private static string RedisCache(string ns, int i) => $$"""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        namespace {{ns}};
        public sealed class RedisStore{{i}}
        {
            private readonly IDatabase _db;
            public RedisStore{{i}}(IConnectionMultiplexer redis) => _db = redis.GetDatabase();
            public async Task<string> GetOrCreateAsync(string key, Func<Task<string>> load)
            {
                var cached = await _db.StringGetAsync(key);
                if (cached.HasValue) return cached!;
                var value = await load();
                await _db.StringSetAsync(key, value, TimeSpan.FromMinutes(5), when: When.NotExists);
                return value;
            }
            public bool TryReserve(string seat, string user)
            {
                if (_db.KeyExists("closed:" + seat)) return false;
                return _db.StringSet("seat:" + seat, user, TimeSpan.FromMinutes(10), When.NotExists);
            }
            public bool CompareAndSwap(string key, string expected, string next)
            {
                var tran = _db.CreateTransaction();
                tran.AddCondition(Condition.StringEqual(key, expected));
                _ = tran.StringSetAsync(key, next);
                return tran.Execute();
            }
            public void Touch(string key) { if (_db.KeyExists(key)) _db.KeyExpire(key, TimeSpan.FromMinutes(5)); }
            public void Forget(string key) { if (_db.KeyExists(key)) _db.KeyDelete(key); }
            public long Count(string key) => _db.StringIncrement(key);
        }
        """;

    private static string ParallelReport(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        namespace {{ns}};
        public static class Report{{i}}
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
                Parallel.ForEach(lines, () => new List<string>(), (line, _, local) => { local.AddRange(line.Split(' ')); return local; },
                    local => { lock (gate) all.AddRange(local); });
                return all;
            }
            public static async Task<int> CountAsync(IEnumerable<string> files)
            {
                var counts = await Task.WhenAll(files.Select(f => Task.Run(() => { var words = new HashSet<string>(); foreach (var w in f.Split(' ')) words.Add(w); return words.Count; })));
                return counts.Sum();
            }
            public static async Task<List<int>> BuildAsync(int n)
            {
                var rows = new List<int>();
                await Task.Run(() => { for (var j = 0; j < n; j++) rows.Add(j); });
                rows.Add(-1);
                return rows;
            }
        }
        """;

    private static string Singleton(string ns, int i) => $$"""
        namespace {{ns}};
        public sealed class Settings{{i}}
        {
            private static readonly object Gate = new();
            private static Settings{{i}}? _instance;
            private Settings{{i}}() { }
            public static Settings{{i}} Instance
            {
                get
                {
                    if (_instance == null)
                    {
                        lock (Gate) { if (_instance == null) _instance = new Settings{{i}}(); }
                    }
                    return _instance;
                }
            }
        }
        """;

    private static string LockedHelperClass(string ns, int i) => $$"""
        using System.Collections.Generic;
        namespace {{ns}};
        public sealed class Inventory{{i}}
        {
            private readonly object _sync = new();
            private readonly Dictionary<string, int> _stock = new();
            private readonly string _warehouse;
            private long _changes;
            public Inventory{{i}}(string warehouse, IEnumerable<KeyValuePair<string, int>> seed)
            {
                _warehouse = warehouse;
                foreach (var (k, v) in seed) _stock[k] = v;
            }
            public string Warehouse => _warehouse;
            public bool Take(string sku, int n) { lock (_sync) { return TakeCore(sku, n); } }
            public void Restock(string sku, int n) { lock (_sync) { AddCore(sku, n); } }
            private bool TakeCore(string sku, int n)
            {
                if (!_stock.TryGetValue(sku, out var have) || have < n) return false;
                AddCore(sku, -n);
                return true;
            }
            private void AddCore(string sku, int n) { _stock[sku] = (_stock.TryGetValue(sku, out var h) ? h : 0) + n; _changes++; }
        }
        """;

    private static string Disposable(string ns, int i) => $$"""
        using System;
        using System.Collections.Generic;
        namespace {{ns}};
        public sealed class ConnectionPool{{i}} : IDisposable
        {
            private readonly object _gate = new();
            private readonly Stack<IDisposable> _idle = new();
            private bool _disposed;
            public void Return(IDisposable c) { lock (_gate) { if (_disposed) c.Dispose(); else _idle.Push(c); } }
            public IDisposable? Rent() { lock (_gate) { return _idle.Count > 0 ? _idle.Pop() : null; } }
            public void Dispose()
            {
                _disposed = true;
                while (_idle.Count > 0) _idle.Pop().Dispose();
            }
        }
        """;

    private static string MinimalApi(string ns, int i) => $$"""
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using Microsoft.AspNetCore.Builder;
        using Microsoft.AspNetCore.Routing;
        namespace {{ns}};
        public static class Endpoints{{i}}
        {
            public static void Map(IEndpointRouteBuilder app)
            {
                var names = new ConcurrentDictionary<string, int>();
                var routes = new List<string> { "/a", "/b" };
                foreach (var r in routes) app.MapGet(r, () => names.GetOrAdd(r, 0));
                app.MapGet("/list", () => { var copy = new List<string>(names.Keys); copy.Sort(); return copy; });
            }
        }
        """;

    private static string UiForm(string ns, int i) => $$"""
        using System;
        using System.Collections.Generic;
        namespace {{ns}};
        public sealed class Form{{i}}
        {
            public event EventHandler? Clicked;
            private readonly List<string> _items = new();
            private int _clicks;
            public Form{{i}}() { Clicked += (s, e) => { _items.Add("clicked"); _clicks++; }; }
            public void Click() => Clicked?.Invoke(this, EventArgs.Empty);
            public void Clear() { _items.Clear(); _clicks = 0; }
            public int Clicks => _clicks;
        }
        """;

    private static string ChannelWorker(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        namespace {{ns}};
        public sealed class Worker{{i}}
        {
            private readonly Channel<string> _channel = Channel.CreateUnbounded<string>();
            private readonly Dictionary<string, int> _processed = new();
            private Task? _loop;
            public void Start(CancellationToken ct) => _loop = Task.Run(() => RunAsync(ct));
            public ValueTask EnqueueAsync(string item) => _channel.Writer.WriteAsync(item);
            private async Task RunAsync(CancellationToken ct)
            {
                await foreach (var item in _channel.Reader.ReadAllAsync(ct)) Handle(item);
            }
            private void Handle(string item) => _processed[item] = _processed.TryGetValue(item, out var n) ? n + 1 : 1;
        }
        """;

    private static string SemaphoreRepository(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        namespace {{ns}};
        public sealed class Repository{{i}}
        {
            private readonly SemaphoreSlim _mutex = new(1, 1);
            private readonly Dictionary<int, string> _rows = new();
            public async Task SaveAllAsync(int[] ids) => await Task.WhenAll(System.Linq.Enumerable.Select(ids, id => Task.Run(() => SaveAsync(id, "x"))));
            private async Task SaveAsync(int id, string value)
            {
                await _mutex.WaitAsync();
                try { _rows[id] = value; }
                finally { _mutex.Release(); }
            }
            public async Task<string?> FindAsync(int id)
            {
                await _mutex.WaitAsync();
                try { return _rows.TryGetValue(id, out var v) ? v : null; }
                finally { _mutex.Release(); }
            }
        }
        """;

    private static string ImmutableConfig(string ns, int i) => $$"""
        using System.Collections.Immutable;
        using System.Threading;
        using System.Threading.Tasks;
        namespace {{ns}};
        public sealed class FeatureFlags{{i}}
        {
            private ImmutableDictionary<string, bool> _flags = ImmutableDictionary<string, bool>.Empty;
            private readonly Timer _refresh;
            public FeatureFlags{{i}}() => _refresh = new Timer(_ => Reload(), null, 0, 60_000);
            private void Reload() => Interlocked.Exchange(ref _flags, _flags.SetItem("beta", true));
            public bool IsOn(string name) => Volatile.Read(ref _flags).TryGetValue(name, out var on) && on;
            public Task ParallelCheckAsync(string[] names) => Parallel.ForEachAsync(names, (n, _) => { var local = IsOn(n); return ValueTask.CompletedTask; });
        }
        """;

    private static string Pipeline(string ns, int i) => $$"""
        using System.Collections.Generic;
        using System.Threading;
        namespace {{ns}};
        public sealed class Pipeline{{i}}
        {
            private readonly Queue<int> _work = new();
            private readonly List<int> _done = new();
            private int _processed;
            public void Start() { _work.Clear(); _work.Enqueue(1); new Thread(Loop) { IsBackground = true }.Start(); }
            private void Loop()
            {
                while (_work.Count > 0) Step();
            }
            private void Step()
            {
                var item = _work.Dequeue();
                _done.Add(item);
                _processed++;
                if (item < 100) _work.Enqueue(item + 1);
            }
        }
        """;
}
