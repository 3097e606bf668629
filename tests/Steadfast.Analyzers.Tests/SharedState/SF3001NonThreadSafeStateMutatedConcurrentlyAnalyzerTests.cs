using Microsoft.CodeAnalysis;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzer>;

namespace Steadfast.Analyzers.Tests.SharedState;

public sealed class SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzerTests
{
    // ---- Bad shapes ----

    [Fact]
    public Task DictionaryFilledFromParallelFor() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Indexer
        {
            private readonly Dictionary<int, string> _names = new();
            public void Build(string[] items)
            {
                Parallel.For(0, items.Length, i => { [|_names[i] = items[i]|]; });
            }
        }
        """);

    [Fact]
    public Task CapturedLocalListInParallelForEach() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Crawler
        {
            public List<string> Crawl(IEnumerable<string> urls)
            {
                var found = new List<string>();
                Parallel.ForEach(urls, url => [|found.Add(url)|]);
                return found;
            }
        }
        """);

    [Fact]
    public Task CounterIncrementedByTasksStartedInALoop() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Load
        {
            private int _hits;
            public async Task RunAsync()
            {
                var tasks = new List<Task>();
                for (var i = 0; i < 10; i++)
                    tasks.Add(Task.Run(() => [|_hits++|]));
                await Task.WhenAll(tasks);
            }
        }
        """);

    [Fact]
    public Task BackgroundThreadWritesWhilePublicMethodReads_ThroughAHelper() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Registry
        {
            private readonly Dictionary<string, int> _ports = new();
            public Registry() { new Thread(Refresh).Start(); }
            public int Port(string name) => _ports.TryGetValue(name, out var p) ? p : 0;
            private void Refresh()
            {
                while (true) { Store("a", 1); Thread.Sleep(1000); }
            }
            private void Store(string name, int port) => [|_ports[name] = port|];
        }
        """);

    [Fact]
    public Task TimerCallbackClearsCacheThatGetReads() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        class Cache
        {
            private readonly Dictionary<string, string> _entries = new();
            private readonly Timer _timer;
            public Cache() { _timer = new Timer(_ => [|_entries.Clear()|], null, TimeSpan.Zero, TimeSpan.FromMinutes(1)); }
            public string? Get(string key) => _entries.TryGetValue(key, out var v) ? v : null;
        }
        """);

    [Fact]
    public Task ThreadPoolWorkItemEnqueuesWhileConsumerDequeues() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Pipeline
        {
            private readonly Queue<string> _pending = new();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => [|_pending.Enqueue(item)|]);
            public string? Next() => _pending.Count > 0 ? _pending.Dequeue() : null;
        }
        """);

    [Fact]
    public Task SignalRHubKeepsConnectedUsersInAStaticDictionary() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        namespace Microsoft.AspNetCore.SignalR { public abstract class Hub { public virtual Task OnConnectedAsync() => Task.CompletedTask; } }
        class ChatHub : Microsoft.AspNetCore.SignalR.Hub
        {
            private static readonly Dictionary<string, string> Users = new();
            private static readonly List<string> Connections = new();
            public void Join(string id, string name) { [|Users[id] = name|]; [|Connections.Add(id)|]; }
            public void Leave(string id) { [|Users.Remove(id)|]; }
        }
        """);

    [Fact]
    public Task ControllerCountsRequestsInAStaticField() => Verify.VerifyAsync("""
        namespace Microsoft.AspNetCore.Mvc { public abstract class ControllerBase { } }
        class OrdersController : Microsoft.AspNetCore.Mvc.ControllerBase
        {
            private static long _served;
            public string Get() { [|_served += 1|]; return "ok"; }
        }
        """);

    [Fact]
    public Task MinimalApiHandlerCapturesAList() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        namespace Microsoft.AspNetCore.Routing { public interface IEndpointRouteBuilder { } }
        namespace Microsoft.AspNetCore.Builder
        {
            public static class EndpointRouteBuilderExtensions
            {
                public static object MapPost(this Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints, string pattern, System.Delegate handler) => handler;
            }
        }
        class Startup
        {
            public void Configure(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
            {
                var names = new List<string>();
                Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapPost(app, "/names", (string name) => [|names.Add(name)|]);
            }
        }
        """);

    [Fact]
    public Task TwoTasksRunTheSameMethodOverAHashSet() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Dedup
        {
            private readonly HashSet<string> _seen = new();
            public Task RunAsync(string[] a, string[] b) => Task.WhenAll(Task.Run(() => Mark(a)), Task.Run(() => Mark(b)));
            private void Mark(string[] items) { foreach (var item in items) [|_seen.Add(item)|]; }
        }
        """);

    [Fact]
    public Task FireAndForgetTaskAddsWhileCallerKeepsUsing() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Batch
        {
            public async Task<int> RunAsync()
            {
                var results = new List<int>();
                var background = Task.Run(() => [|results.Add(1)|]);
                results.Add(2);
                await background;
                return results.Count;
            }
        }
        """);

    [Fact]
    public Task SystemTimersElapsedResizesArray() => Verify.VerifyAsync("""
        using System;
        class Buffer
        {
            private int[] _slots = new int[4];
            private readonly System.Timers.Timer _timer = new(1000);
            public Buffer() { _timer.Elapsed += (s, e) => [|Array.Resize(ref _slots, _slots.Length * 2)|]; }
            public int Slot(int i) => _slots[i];
        }
        """);

    [Fact]
    public Task PeriodicTimerLoopUpdatesStateThatASnapshotReads() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Health
        {
            private readonly Dictionary<string, bool> _status = new();
            public async Task MonitorAsync(CancellationToken ct)
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
                while (await timer.WaitForNextTickAsync(ct))
                    [|_status["db"] = true|];
            }
            public bool IsHealthy(string name) => _status.TryGetValue(name, out var ok) && ok;
        }
        """);

    // ---- Clean shapes ----

    [Fact]
    public Task StaticRegistriesOfAWebApplicationAreNotJudgedWithoutAStarter() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        namespace Microsoft.AspNetCore.Http { public abstract class HttpContext { } }
        namespace Microsoft.Extensions.DependencyInjection { public interface IServiceCollection { } }
        static class Registry
        {
            private static readonly List<string> Modules = new();
            private static readonly ConcurrentDictionary<string, int> Counts = new();
            private static readonly object Gate = new();
            private static readonly Dictionary<string, string> Routes = new();
            public static void AddModules(this Microsoft.Extensions.DependencyInjection.IServiceCollection services, string name) => Modules.Add(name);
            public static void Count(string key) => Counts.AddOrUpdate(key, 1, (_, n) => n + 1);
            public static void Route(string k, string v) { lock (Gate) { Routes[k] = v; } }
        }
        class Program
        {
            private static readonly List<string> Args = new();
            static void Main(string[] args) => Args.AddRange(args);
        }
        """);

    [Fact]
    public Task LocalListFilledByALocalFunctionOfAMethodRunOnTheThreadPool() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Reporter
        {
            public void Start() => Task.Run(() => Report("boom"));
            private string Report(string reason)
            {
                var parts = new List<string>();
                void Add(string key, string value) => parts.Add(key + "=" + value);
                Add("reason", reason);
                Add("thread", "pool");
                return string.Join(", ", parts);
            }
        }
        """);

    [Fact]
    public Task LockedAccessesAreClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Indexer
        {
            private readonly object _gate = new();
            private readonly Dictionary<int, string> _names = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i => { lock (_gate) { _names[i] = items[i]; } });
        }
        """);

    [Fact]
    public Task ConcurrentCollectionsAndInterlockedAreClean() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        using System.Threading;
        using System.Threading.Tasks;
        class Stats
        {
            private readonly ConcurrentDictionary<string, int> _counts = new();
            private readonly ConcurrentQueue<string> _log = new();
            private long _total;
            public void Record(string[] keys) => Parallel.ForEach(keys, k =>
            {
                _counts.AddOrUpdate(k, 1, (_, n) => n + 1);
                _log.Enqueue(k);
                Interlocked.Increment(ref _total);
            });
        }
        """);

    [Fact]
    public Task SingleThreadedOwnerOfADictionaryIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class ShoppingCart
        {
            private readonly Dictionary<string, int> _lines = new();
            private int _version;
            public void Add(string sku) { _lines[sku] = _lines.TryGetValue(sku, out var n) ? n + 1 : 1; _version++; }
            public void Remove(string sku) { _lines.Remove(sku); _version++; }
            public int Count => _lines.Count;
        }
        """);

    [Fact]
    public Task LocalsDeclaredInsideTheConcurrentDelegateAreClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Worker
        {
            public void Run(int[][] chunks) => Parallel.ForEach(chunks, chunk =>
            {
                var seen = new HashSet<int>();
                var count = 0;
                foreach (var x in chunk) { seen.Add(x); count++; }
            });
        }
        """);

    [Fact]
    public Task ParallelForWithThreadLocalStateIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Summer
        {
            public List<int> Collect(int n)
            {
                var all = new List<int>();
                var gate = new object();
                Parallel.For(0, n, () => new List<int>(), (i, _, local) => { local.Add(i); return local; }, local => { lock (gate) all.AddRange(local); });
                return all;
            }
        }
        """);

    [Fact]
    public Task AwaitedTaskRunThenReadIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Report
        {
            public async Task<int> BuildAsync(int[] data)
            {
                var rows = new List<int>();
                await Task.Run(() => { foreach (var d in data) rows.Add(d * 2); });
                rows.Add(0);
                return rows.Count;
            }
        }
        """);

    [Fact]
    public Task BackgroundThreadThatOwnsItsStateIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Scheduler
        {
            private readonly Queue<int> _work = new();
            private int _processed;
            public void Start() { _work.Clear(); new Thread(Loop) { IsBackground = true }.Start(); }
            private void Loop()
            {
                while (true) { _work.Enqueue(1); Step(); }
            }
            private void Step() { if (_work.Count > 0) { _work.Dequeue(); _processed++; } }
        }
        """);

    [Fact]
    public Task SemaphoreAndReaderWriterLockSectionsAreClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Store
        {
            private readonly SemaphoreSlim _mutex = new(1, 1);
            private readonly ReaderWriterLockSlim _rw = new();
            private readonly Dictionary<string, string> _a = new();
            private readonly List<string> _b = new();
            public Task FillAsync(string[] keys) => Task.WhenAll(System.Linq.Enumerable.Select(keys, k => Task.Run(async () =>
            {
                await _mutex.WaitAsync();
                try { _a[k] = k; } finally { _mutex.Release(); }
                _rw.EnterWriteLock();
                try { _b.Add(k); } finally { _rw.ExitWriteLock(); }
            })));
            public int Count() { _mutex.Wait(); try { return _a.Count; } finally { _mutex.Release(); } }
        }
        """);

    [Fact]
    public Task ThreadStaticAndImmutableStateAreClean() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using System.Threading.Tasks;
        class Tracer
        {
            [ThreadStatic] private static List<string>? _frames;
            private ImmutableList<string> _names = ImmutableList<string>.Empty;
            public void Run(string[] items) => Parallel.ForEach(items, i =>
            {
                (_frames ??= new List<string>()).Add(i);
                ImmutableInterlocked.Update(ref _names, l => l.Add(i));
            });
        }
        """);

    [Fact]
    public Task ControllerLocalsAndInstanceFieldsAreClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        namespace Microsoft.AspNetCore.Mvc { public abstract class ControllerBase { } }
        class OrdersController : Microsoft.AspNetCore.Mvc.ControllerBase
        {
            private static readonly Dictionary<string, int> Defaults = new() { ["a"] = 1 };
            private readonly List<string> _warnings = new();
            private int _calls;
            static OrdersController() { Defaults["b"] = 2; }
            public IEnumerable<string> Get(string[] ids)
            {
                var result = new List<string>();
                var seen = new HashSet<string>();
                foreach (var id in ids) if (seen.Add(id)) result.Add(id);
                _warnings.Add("x");
                _calls++;
                return result;
            }
        }
        """);

    [Fact]
    public Task RecordsBuildersAndUiStyleCodeAreClean() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Text;
        record Order(string Id, List<string> Lines) { public void AddLine(string l) => Lines.Add(l); }
        class QueryBuilder
        {
            private readonly List<string> _parts = new();
            private int _count;
            public QueryBuilder Where(string p) { _parts.Add(p); _count += 1; return this; }
            public string Build() => string.Join(" AND ", _parts);
        }
        class Form
        {
            public event EventHandler? Click;
            private readonly List<string> _items = new();
            public Form() { Click += (s, e) => _items.Add("clicked"); }
            public void Refresh() => _items.Clear();
        }
        """);

    [Fact]
    public Task OnlyReadingSharedStateConcurrentlyIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        class Lookup
        {
            private readonly Dictionary<int, string> _names;
            private int _loads;
            public Lookup(Dictionary<int, string> names) { _names = names; }
            public string[] Resolve(int[] ids) => ids.AsParallel().Select(i => _names[i]).ToArray();
            public void Warm(int[] ids) => Parallel.ForEach(ids, i => { _ = _names.ContainsKey(i); _ = _loads; });
        }
        """);

    [Fact]
    public Task StartedAfterTheOwnerFinishedFillingIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Importer
        {
            public async Task ImportAsync(string[] rows)
            {
                var batch = new List<string>();
                foreach (var r in rows) batch.Add(r);
                var count = 0;
                count++;
                await Task.Run(() => { batch.Add("end"); count++; });
            }
        }
        """);

    // ---- The per-type pre-filter (types that name no way of starting concurrent work are skipped) must not lose these ----

    [Fact]
    public Task ThreadStartedThroughAUsingAlias() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using Worker = System.Threading.Thread;
        class Registry
        {
            private readonly Dictionary<string, int> _ports = new();
            public Registry() { new Worker(Refresh).Start(); }
            public int Port(string name) => _ports.TryGetValue(name, out var p) ? p : 0;
            private void Refresh() => [|_ports["a"] = 1|];
        }
        """);

    [Fact]
    public Task TimerCreatedTargetTyped_IntoAFieldDeclaredInTheBaseType() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class PollerBase
        {
            protected System.Threading.Timer? Ticker;
        }
        class Poller : PollerBase
        {
            private readonly List<int> _seen = new();
            public Poller() { Ticker = new(_ => [|_seen.Add(1)|], null, 0, 1000); }
            public int Seen => _seen.Count;
        }
        """);

    [Fact]
    public Task StarterInAPartialDeclarationInAnotherFile() => Verify.VerifyAsync(["""
        using System.Collections.Generic;
        partial class Index
        {
            private readonly Dictionary<int, string> _names = new();
            public string? Name(int i) => _names.TryGetValue(i, out var n) ? n : null;
            private void Store(int i, string name) => [|_names[i] = name|];
        }
        """, """
        using System.Threading.Tasks;
        partial class Index
        {
            public void Build(string[] items) => Parallel.For(0, items.Length, i => Store(i, items[i]));
        }
        """]);

    [Fact]
    public Task NamesThatOnlyLookLikeStarters_AreClean() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class Job { public void Run(Action a) => a(); }
        class Pipeline
        {
            private readonly List<string> _log = new();
            private int _runs;
            public void Run(Job job)
            {
                job.Run(() => { _log.Add("run"); _runs++; });
                _log.ForEach(Console.WriteLine);
                Action<int> timer = n => _runs += n;
                timer.Invoke(1);
            }
            public int Count => _log.Count + _runs;
        }
        """);

    [Fact]
    public Task ControllerChangesStaticStateOfAnotherType() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        namespace Microsoft.AspNetCore.Mvc { public abstract class ControllerBase { } }
        static class AuditLog
        {
            public static readonly List<string> Entries = new();
            public static int Posts;
        }
        class OrdersController : Microsoft.AspNetCore.Mvc.ControllerBase
        {
            public void Post(string id) { [|AuditLog.Entries.Add(id)|]; [|AuditLog.Posts++|]; }
        }
        """);

    [Fact]
    public Task ControllerThatNamesNoStaticState_IsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        namespace Microsoft.AspNetCore.Mvc { public abstract class ControllerBase { } }
        static class Limits { public static readonly List<string> Plans = new(); }
        class OrdersController : Microsoft.AspNetCore.Mvc.ControllerBase
        {
            private readonly List<string> _seen = new();
            public int Post(string id) { var items = new List<string> { id }; items.Add(id); _seen.Add(id); return items.Count; }
        }
        """);

    // ---- Singleton services of a web application (one instance serves every request) ----

    private const string WebHostStubs = """
        namespace Microsoft.AspNetCore.Http { public abstract class HttpContext { } }
        namespace Microsoft.Extensions.DependencyInjection
        {
            public interface IServiceCollection { }
            public static class ServiceRegistration
            {
                public static IServiceCollection AddSingleton<T>(this IServiceCollection services) => services;
                public static IServiceCollection AddSingleton<TService, TImplementation>(this IServiceCollection services) => services;
                public static IServiceCollection AddSingleton(this IServiceCollection services, System.Type type) => services;
                public static IServiceCollection AddScoped<T>(this IServiceCollection services) => services;
            }
        }
        """;

    [Fact]
    public Task SingletonServiceOfAWebAppChangesItsListAndCounter() => Verify.VerifyAsync([WebHostStubs, """
        using System.Collections.Generic;
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            public static void Register(IServiceCollection services) => services.AddSingleton<Lobby>();
        }
        public class Lobby
        {
            private readonly List<string> _players = new();
            private int _joins;
            public List<string> Waiting { get; } = new();
            public void Join(string player) { [|_players.Add(player)|]; [|_joins++|]; [|Waiting.Add(player)|]; }
            public void Leave(string player) => [|_players.Remove(player)|];
        }
        """]);

    [Fact]
    public Task SingletonRegisteredThroughItsInterfaceOrByType() => Verify.VerifyAsync([WebHostStubs, """
        using System.Collections.Generic;
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            public static void Register(IServiceCollection services)
            {
                services.AddSingleton<IBoard, Board>();
                services.AddSingleton(typeof(Tally));
            }
        }
        public interface IBoard { void Post(string note); }
        public class Board : IBoard
        {
            private readonly Dictionary<string, int> _notes = new();
            public void Post(string note) => [|_notes[note] = note.Length|];
        }
        public class Tally
        {
            private readonly Queue<int> _recent = new();
            public void Record(int value) { [|_recent.Enqueue(value)|]; if (_recent.Count > 10) [|_recent.Dequeue()|]; }
        }
        """]);

    [Fact]
    public Task ScopedServicesConstructionAndNonWebSingletonsAreClean() => Verify.VerifyAsync([WebHostStubs, """
        using System.Collections.Generic;
        using Microsoft.Extensions.DependencyInjection;
        static class Setup
        {
            public static void Register(IServiceCollection services) { services.AddScoped<Basket>(); services.AddSingleton<Catalog>(); }
        }
        public class Basket
        {
            private readonly List<string> _items = new();
            public void Add(string item) => _items.Add(item);
        }
        public class Catalog
        {
            private readonly Dictionary<string, decimal> _prices = new();
            private readonly List<string> _log = new();
            public Catalog() { _prices["tea"] = 2m; Fill(); }
            private void Fill() { }
            public decimal Price(string name) => _prices.TryGetValue(name, out var p) ? p : 0m;
            public void Dispose() => _log.Clear();
        }
        """]);

    [Fact]
    public Task SingletonOfAnApplicationThatServesNoRequestsIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        namespace Microsoft.Extensions.DependencyInjection
        {
            public interface IServiceCollection { }
            public static class ServiceRegistration { public static IServiceCollection AddSingleton<T>(this IServiceCollection services) => services; }
        }
        static class Setup
        {
            public static void Register(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
                Microsoft.Extensions.DependencyInjection.ServiceRegistration.AddSingleton<History>(services);
        }
        public class History
        {
            private readonly List<string> _entries = new();
            public void Add(string entry) => _entries.Add(entry);
        }
        """);

    // ---- Serialized by the callers, confined by re-dispatch, never started ----

    [Fact]
    public Task HelperWhoseEveryCallerHoldsTheSemaphoreIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Job
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly List<string> _log = new();
            public void Start() => new Thread(() => RunAsync().GetAwaiter().GetResult()).Start();
            public async Task RunAsync()
            {
                await _gate.WaitAsync();
                try { Step("a"); await StepsAsync(); }
                finally { _gate.Release(); }
            }
            private async Task StepsAsync() { await Task.Yield(); Step("b"); }
            private void Step(string name) => _log.Add(name);
            public string[] Snapshot() => _log.ToArray();
        }
        """);

    [Fact]
    public Task HelperWithOneUnguardedCallerIsStillFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Job
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly List<string> _log = new();
            public void Start() => new Thread(() => RunAsync().GetAwaiter().GetResult()).Start();
            public async Task RunAsync()
            {
                await _gate.WaitAsync();
                try { Step("a"); }
                finally { _gate.Release(); }
            }
            public void Note(string text) => Step(text);
            private void Step(string name) => [|_log.Add(name)|];
            public string[] Snapshot() => _log.ToArray();
        }
        """);

    [Fact]
    public Task MethodThatReDispatchesItselfOntoItsOwnerThreadIsClean() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        class Client
        {
            private readonly List<string> _plugins = new();
            private readonly int _ownerThread = Environment.CurrentManagedThreadId;
            private readonly Queue<Action> _pending = new();
            private bool OffOwnerThread => Environment.CurrentManagedThreadId != _ownerThread;
            public Client() { new Thread(Receive).Start(); }
            private void Post(Action action) { lock (_pending) _pending.Enqueue(action); }
            private void Receive() { while (true) { Unload("x"); Thread.Sleep(100); } }
            public void Unload(string plugin)
            {
                if (OffOwnerThread)
                {
                    Post(() => Unload(plugin));
                    return;
                }

                _plugins.Remove(plugin);
            }
            public void Load(string plugin) => _plugins.Add(plugin);
        }
        """);

    [Fact]
    public Task ChangeBeforeTheReDispatchOrReDispatchThroughTaskRunIsStillFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Client
        {
            private readonly List<string> _plugins = new();
            private readonly List<string> _recent = new();
            private bool _busy;
            public Client() { new Thread(Receive).Start(); }
            private void Receive() { while (true) { Unload("x"); Forget("y"); Thread.Sleep(100); } }
            public void Unload(string plugin)
            {
                [|_recent.Add(plugin)|];
                if (_busy)
                {
                    Task.Run(() => Unload(plugin));
                    return;
                }

                [|_plugins.Remove(plugin)|];
            }
            public void Forget(string plugin)
            {
                if (_busy)
                {
                    Task.Run(() => Forget(plugin));
                    return;
                }

                [|_plugins.Remove(plugin)|];
            }
            public void Load(string plugin) { _plugins.Add(plugin); _recent.Clear(); }
        }
        """);

    [Fact]
    public Task ThreadStartedOnlyFromAPrivateMethodNobodyCallsIsNeverStarted() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Listener
        {
            private readonly List<byte> _pending = new();
            public Listener() { ThreadPool.QueueUserWorkItem(Loop); }
            private void StartDedicatedThread() => new Thread(Loop).Start();
            private void Loop(object state) { while (true) { _pending.Add(1); _pending.Clear(); Thread.Sleep(10); } }
        }
        """);

    [Fact]
    public Task ThreadStartedFromAPrivateMethodThatIsCalledStillCounts() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Listener
        {
            private readonly List<byte> _pending = new();
            public Listener() { ThreadPool.QueueUserWorkItem(Loop); }
            public void Restart() => StartDedicatedThread();
            private void StartDedicatedThread() => new Thread(Loop).Start();
            private void Loop(object state) { while (true) { [|_pending.Add(1)|]; [|_pending.Clear()|]; Thread.Sleep(10); } }
        }
        """);

    // ---- Static state of a server application (every request may run any of its code at once) ----

    private const string ServerStubs = """
        namespace Microsoft.AspNetCore.Http { public abstract class HttpContext { } }
        namespace Microsoft.AspNetCore.Mvc { public abstract class ControllerBase { } }
        namespace Microsoft.Extensions.DependencyInjection { public interface IServiceCollection { } }
        class PingController : Microsoft.AspNetCore.Mvc.ControllerBase { public string Get() => "pong"; }
        """;

    [Fact]
    public Task StaticCacheAndCounterOfHelperClassesInAServerApplication() => Verify.VerifyAsync([ServerStubs, """
        using System.Collections.Generic;
        static class KeyRegistry
        {
            private static readonly List<string> _keys = new();
            public static void Remember(string key)
            {
                if (!_keys.Contains(key))
                    [|_keys.Add(key)|];
            }
            public static void Forget(string key) => [|_keys.Remove(key)|];
        }
        class ReplicaPicker
        {
            private static int _next;
            private readonly string[] _replicas = { "a", "b" };
            public string Pick() => _replicas[[|_next++|] % _replicas.Length];
        }
        static class Lookup
        {
            private static readonly Dictionary<string, int> _codes = new();
            public static Dictionary<string, int> Codes()
            {
                if (_codes.Count > 0) return _codes;
                foreach (var name in new[] { "eq", "ne" })
                    [|_codes.Add(name, name.Length)|];
                return _codes;
            }
        }
        """]);

    [Fact]
    public Task StaticStateOfAServerApplicationSetUpBeforeRequestsOrLockedIsClean() => Verify.VerifyAsync([ServerStubs, """
        using System.Collections.Generic;
        using Microsoft.Extensions.DependencyInjection;
        static class Codes
        {
            private static readonly Dictionary<string, int> _byName = new();
            static Codes() { _byName.Add("eq", 1); }
            public static int Of(string name) => _byName.TryGetValue(name, out var code) ? code : 0;
        }
        static class Plugins
        {
            private static readonly List<string> _names = new();
            public static void AddPlugins(this IServiceCollection services, string name) => _names.Add(name);
        }
        class Startup
        {
            public static readonly List<string> Routes = new();
            public void Configure() => Routes.Add("/ping");
        }
        static class Hits
        {
            private static readonly object Gate = new();
            private static readonly Dictionary<string, int> _byPath = new();
            public static void Count(string path) { lock (Gate) { _byPath[path] = _byPath.TryGetValue(path, out var n) ? n + 1 : 1; } }
        }
        class Basket
        {
            private readonly List<string> _items = new();
            public void Add(string item) => _items.Add(item);
        }
        """]);

    [Fact]
    public Task StaticCacheOfAnApplicationThatServesNoRequestsIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        namespace Microsoft.AspNetCore.Http { public abstract class HttpContext { } }
        static class KeyRegistry
        {
            private static readonly List<string> _keys = new();
            public static void Remember(string key) => _keys.Add(key);
        }
        """);

    // ---- A method that hands each call's item to a work item of its own ----

    [Fact]
    public Task EachCallQueuesAnItemAndAWorkItemThatTakesIt() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Transfers
        {
            private readonly Queue<string> _downloads = new();
            private readonly Stack<string> _uploads = new();
            void Fetch(string name) { }
            public void Download(string name)
            {
                _downloads.Enqueue(name);
                ThreadPool.QueueUserWorkItem(NextDownload);
            }
            private void NextDownload(object state) => Fetch([|_downloads.Dequeue()|]);
            public Task UploadAsync(string name)
            {
                _uploads.Push(name);
                return Task.Run(() => Fetch([|_uploads.Pop()|]));
            }
        }
        """);

    [Fact]
    public Task StartThatResetsStateBeforeItsLongLivedWorkerIsClean() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Pump
        {
            private readonly List<int> _seen = new();
            private readonly Queue<int> _local = new();
            private volatile bool _running;
            private Task _worker;
            public void Start()
            {
                _seen.Clear();
                _running = true;
                _worker = Task.Run(Loop);
            }
            private void Loop()
            {
                while (_running) { _seen.Add(1); Thread.Sleep(10); }
            }
            private void Submit(int item)
            {
                _local.Enqueue(item);
                ThreadPool.QueueUserWorkItem(_ => _local.Dequeue());
            }
            public void Fill() { for (var i = 0; i < 3; i++) { } }
        }
        """);

    [Fact]
    public Task StaticRegistryFilledOnlyByStartUpCodeOrSynchronizedIsClean() => Verify.VerifyAsync([ServerStubs, """
        using System.Collections.Generic;
        using System.Runtime.CompilerServices;
        using Microsoft.Extensions.DependencyInjection;
        static class Rules
        {
            private static readonly Dictionary<string, int> _limits = new();
            public static void Limit(this string field, int max) => _limits.Add(field, max);
            public static int MaxOf(string field) => _limits.TryGetValue(field, out var max) ? max : 0;
        }
        static class RuleSetup
        {
            public static IServiceCollection AddRules(this IServiceCollection services)
            {
                RegisterNames();
                return services;
            }
            private static void RegisterNames() { "name".Limit(30); "mail".Limit(80); }
        }
        class Flows
        {
            private static readonly List<string> _names = new();
            public static readonly Flows Instance = Create();
            private static Flows Create() { _names.Add("default"); return new Flows(); }
        }
        class Forms
        {
            // A library's registration API nobody in this project calls: filled by the host application's start-up.
            private static readonly Dictionary<string, string> _titles = new();
            private static readonly Forms Current = new();
            public static Forms Use<T>(string title) { _titles[typeof(T).Name] = title; return Current; }
        }
        static class Connections
        {
            private static readonly Dictionary<string, string> _byKey = new();
            static Connections() { Set("default", "db"); }
            public static void SetDefault(string value) => Set("default", value);
            public static void Set(string key, string value)
            {
                if (_byKey.ContainsKey(key)) { _byKey[key] = value; return; }
                _byKey.Add(key, value);
            }
        }
        static class Clients
        {
            private static readonly Dictionary<string, object> _byName = new();
            [MethodImpl(MethodImplOptions.Synchronized)]
            public static object Get(string name)
            {
                if (!_byName.ContainsKey(name))
                    _byName.Add(name, new object());
                return _byName[name];
            }
        }
        """]);

    [Fact]
    public Task StaticRegistryAlsoFilledFromARequestIsReported() => Verify.VerifyAsync([ServerStubs, """
        using System.Collections.Generic;
        using Microsoft.Extensions.DependencyInjection;
        static class Jobs
        {
            private static readonly List<string> _names = new();
            public static void Register(string name) => [|_names.Add(name)|];
        }
        static class JobSetup
        {
            public static void AddJobs(this IServiceCollection services) => Jobs.Register("nightly");
        }
        class JobsController : Microsoft.AspNetCore.Mvc.ControllerBase
        {
            public void Post(string name) => Jobs.Register(name);
        }
        """]);
}
