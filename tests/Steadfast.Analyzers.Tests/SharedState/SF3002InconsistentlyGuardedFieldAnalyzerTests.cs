using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.SharedState.SF3002InconsistentlyGuardedFieldAnalyzer>;

namespace Steadfast.Analyzers.Tests.SharedState;

public sealed class SF3002InconsistentlyGuardedFieldAnalyzerTests
{
    // ---- Bad shapes ----

    [Fact]
    public Task ListWrittenUnderLock_ReadWithoutIt() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Inbox
        {
            private readonly object _gate = new();
            private readonly List<string> _messages = new();
            public void Add(string m) { lock (_gate) { _messages.Add(m); } }
            public bool Has(string m) => {|#0:_messages|}.Contains(m);
        }
        """, Verify.Diagnostic("SF3002").WithLocation(0).WithArguments("_messages", "Add", "_gate", "accessed here"));

    [Fact]
    public Task CounterIncrementedWithoutTheLockTheResetTakes() => Verify.VerifyAsync("""
        class Meter
        {
            private readonly object _sync = new();
            private int _count;
            public void Hit() => [|_count|]++;
            public int Drain() { lock (_sync) { var c = _count; _count = 0; return c; } }
        }
        """);

    [Fact]
    public Task StateFieldWrittenWithoutLock() => Verify.VerifyAsync("""
        enum State { Closed, Open }
        class Breaker
        {
            private readonly object _lock = new();
            private State _state;
            private int _failures;
            public void OnFailure() { lock (_lock) { _failures++; if (_failures > 5) _state = State.Open; } }
            public void Reset() { _state = State.Closed; [|_failures|] = 0; } // the lock tests _failures to decide; _state is only stored whole
        }
        """);

    [Fact]
    public Task LockOnThis_UnguardedDictionaryLookup() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Sessions
        {
            private readonly Dictionary<string, int> _byUser = new();
            public void Set(string u, int s) { lock (this) { _byUser[u] = s; } }
            public bool Has(string u) => {|#0:_byUser|}.ContainsKey(u);
        }
        """, Verify.Diagnostic("SF3002").WithLocation(0).WithArguments("_byUser", "Set", "this", "accessed here"));

    [Fact]
    public Task StaticFieldLockedOnTypeof() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        static class Registry
        {
            private static readonly Dictionary<string, string> Map = new();
            public static void Register(string k, string v) { lock (typeof(Registry)) { Map[k] = v; } }
            public static string? Find(string k) => [|Map|].TryGetValue(k, out var v) ? v : null;
        }
        """);

    [Fact]
    public Task UnguardedAccessInTaskRunLambda_SameMember() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Feed
        {
            private readonly object _gate = new();
            private readonly Queue<int> _items = new();
            public void Start()
            {
                lock (_gate) { _items.Enqueue(0); }
                Task.Run(() => [|_items|].Enqueue(1));
            }
        }
        """);

    [Fact]
    public Task ForeachOverGuardedListWithoutLock() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Subscribers
        {
            private readonly object _gate = new();
            private readonly List<System.Action> _handlers = new();
            public void Subscribe(System.Action a) { lock (_gate) _handlers.Add(a); }
            public void Publish() { foreach (var h in [|_handlers|]) h(); }
        }
        """);

    [Fact]
    public Task GuardedByMonitorElsewhere_AndStaticCounter() => Verify.VerifyAsync("""
        class Ids
        {
            private static readonly object Gate = new();
            private static long _next;
            public static long Next() { lock (Gate) { return ++_next; } }
            public static void Skip(long n) => [|_next|] += n;
        }
        """);

    [Fact]
    public Task PropertySetterWritesWithoutTheLockThatAlsoWrites() => Verify.VerifyAsync("""
        using System;
        class Lease
        {
            private readonly object _gate = new();
            private DateTime _expires;
            public bool Renew(DateTime now, TimeSpan by) { lock (_gate) { if (now >= _expires) return false; _expires = now + by; return true; } }
            public DateTime Expires { set => [|_expires|] = value; }
        }
        """);

    [Fact]
    public Task AsyncMethodReadsGuardedField() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Outbox
        {
            private readonly object _gate = new();
            private List<string> _pending = new();
            public void Add(string m) { lock (_gate) _pending.Add(m); }
            public async Task FlushAsync()
            {
                await Task.Yield();
                var batch = [|_pending|];
                [|_pending|] = new List<string>();
                await Task.WhenAll(batch.ConvertAll(m => Task.CompletedTask));
            }
        }
        """);

    [Fact]
    public Task FreshCollectionStoredOnConnectIsNotFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Sender
        {
            private readonly object _sendGate = new();
            private List<byte> _outgoing = new();
            public void Connect()
            {
                // Set up again for a new connection: nothing reads the old buffer here.
                _outgoing = new List<byte>();
            }
            public void Send(byte b) { lock (_sendGate) _outgoing.Add(b); }
            public void Flush()
            {
                lock (_sendGate)
                {
                    if (_outgoing.Count > 0)
                        _outgoing = new List<byte>(); // tested and replaced under the lock
                }
            }
        }
        """);

    [Fact]
    public Task LazyCreationTestedWithoutTheLockIsFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Registry
        {
            private readonly object _gate = new();
            private List<string> _names;
            public void Add(string n) { lock (_gate) { if (_names == null) _names = new List<string>(); _names.Add(n); } }
            public void Reset()
            {
                if (_names == null) // a null test alone reads one word
                    [|_names|] = new List<string>(); // but it decides this write: two callers both create
            }
        }
        """);

    [Fact]
    public Task FilledBeforeTheRefreshHandlerIsSubscribedIsNotFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        static class Feed { public static event EventHandler Refreshed; }
        class Catalog
        {
            private readonly List<string> _items = new();
            public void Initialize()
            {
                Load();
                Feed.Refreshed += OnRefreshed; // from here on the handler may run on another thread
            }
            private void Load() { _items.Add("a"); _items.Add("b"); }
            private void OnRefreshed(object sender, EventArgs e) { lock (_items) { _items.Clear(); _items.Add("c"); } }
            public int Count() { lock (_items) return _items.Count; }
        }
        """);

    [Fact]
    public Task ChangedAfterTheHandlerIsSubscribedIsFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        static class Feed { public static event EventHandler Refreshed; }
        class Catalog
        {
            private readonly List<string> _items = new();
            public void Initialize()
            {
                Feed.Refreshed += OnRefreshed;
                [|_items|].Add("a");
            }
            public void Add(string item, Catalog other)
            {
                [|_items|].Add(item); // a subscription to an argument's event is per call, not set-up
                other.Changed += OnRefreshed;
            }
            public event EventHandler Changed;
            private void OnRefreshed(object sender, EventArgs e) { lock (_items) { _items.Clear(); } }
        }
        """);

    [Fact]
    public Task CollectionSwappedOutAndUsedWithoutTheLockIsFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Batcher
        {
            private readonly object _gate = new();
            private List<int> _items = new();
            public void Add(int x) { lock (_gate) _items.Add(x); }
            public int Drain()
            {
                var old = [|_items|];
                [|_items|] = new List<int>();
                return old.Count > 0 ? old[0] : 0;
            }
        }
        """);

    [Fact]
    public Task GetterHandsOutTheGuardedQueue() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Backlog
        {
            private readonly object _gate = new();
            private readonly Queue<string> _jobs = new();
            public void Push(string job) { lock (_gate) _jobs.Enqueue(job); }
            public Queue<string> Jobs => {|#0:_jobs|};
        }
        """, Verify.Diagnostic("SF3002").WithLocation(0).WithArguments("_jobs", "Push", "_gate", "handed out here, so callers use it"));

    [Fact]
    public Task FlagCheckedOutsideTheLockDecidesItsOwnWrite() => Verify.VerifyAsync("""
        class Starter
        {
            private readonly object _gate = new();
            private bool _running;
            public void Stop() { lock (_gate) { _running = false; } }
            public void Start()
            {
                if ([|_running|]) return;
                [|_running|] = true;
            }
        }
        """);

    [Fact]
    public Task MultiWordStructReadWithoutTheLock() => Verify.VerifyAsync("""
        struct Window { public long Start; public long End; }
        class Tracker
        {
            private readonly object _gate = new();
            private Window _window;
            public void Move(long s, long e) { lock (_gate) { _window = new Window { Start = s, End = e }; } }
            public long Length() { var w = [|_window|]; return w.End - w.Start; }
        }
        """);

    [Fact]
    public Task ReadAndIncrementOnOneLineIsOneDiagnostic() => Verify.VerifyAsync("""
        class Sequence
        {
            private readonly object _gate = new();
            private int _next;
            public void Reset() { lock (_gate) _next = 0; }
            public int Take() => {|#0:_next|} = _next + 1;
        }
        """, Verify.Diagnostic("SF3002").WithLocation(0).WithArguments("_next", "Reset", "_gate", "accessed here"));

    [Fact]
    public Task CollectionLockedOnItselfAndEnumeratedWithoutIt() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Linq;
        class Roster
        {
            private readonly List<string> _online = new();
            public void Join(string name) { lock (_online) { _online.Add(name); } }
            public void Leave(string name) { lock (_online) { _online.Remove(name); } }
            public string[] Snapshot() => [|_online|].ToArray();
            public void Reset() => [|_online|].Clear();
        }
        """);

    [Fact]
    public Task DoubleCheckedDictionaryFill() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        static class Exchanges
        {
            private static readonly object Gate = new();
            private static readonly Dictionary<string, bool> Declared = new();
            public static void Ensure(string name)
            {
                if ([|Declared|].ContainsKey(name)) return;
                lock (Gate)
                {
                    if (!Declared.ContainsKey(name)) Declared[name] = true;
                }
            }
        }
        """);

    [Fact]
    public Task FlagTestedAndSetUnderTheLockButClearedWithoutIt() => Verify.VerifyAsync("""
        using System.Threading;
        class Renewer
        {
            private readonly object _gate = new();
            private bool _working;
            public void Add()
            {
                if (_working) return;
                lock (_gate)
                {
                    if (!_working) { _working = true; new Thread(Loop).Start(); }
                }
            }
            private void Loop() { [|_working|] = false; }
        }
        """);

    [Fact]
    public Task AutoPropertyListLockedOnItselfAndCopiedWithoutIt() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Market
        {
            public List<string> Offers { get; set; } = new();
            public void Refresh(string[] fresh) { lock (Offers) { Offers.Clear(); Offers.AddRange(fresh); } }
            public string[] Page() => [|Offers|].ToArray();
        }
        """);

    // ---- Clean shapes ----

    [Fact]
    public Task EveryAccessLocked() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Inbox
        {
            private readonly object _gate = new();
            private readonly List<string> _messages = new();
            public void Add(string m) { lock (_gate) { _messages.Add(m); } }
            public int Count { get { lock (_gate) return _messages.Count; } }
        }
        """);

    [Fact]
    public Task ConstructorAndInitializersAreExcepted() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Inbox
        {
            private readonly object _gate = new();
            private readonly List<string> _messages = new() { "hello" };
            private int _count;
            public Inbox(IEnumerable<string> seed) { _messages.AddRange(seed); _count = _messages.Count; }
            public void Add(string m) { lock (_gate) { _messages.Add(m); _count++; } }
        }
        """);

    [Fact]
    public Task PrivateHelperCalledOnlyUnderLock() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Cache
        {
            private readonly object _gate = new();
            private readonly Dictionary<string, string> _map = new();
            public void Put(string k, string v) { lock (_gate) { PutCore(k, v); } }
            public void PutMany(string[] ks) { lock (_gate) { foreach (var k in ks) PutCore(k, k); } }
            private void PutCore(string k, string v) { _map[k] = v; Trim(); }
            private void Trim() { if (_map.Count > 100) _map.Clear(); }
        }
        """);

    [Fact]
    public Task DoubleCheckedLockingInOneMember() => Verify.VerifyAsync("""
        class Holder
        {
            private readonly object _gate = new();
            private object? _instance;
            public object Get()
            {
                if (_instance == null)
                {
                    lock (_gate) { if (_instance == null) _instance = new object(); }
                }
                return _instance;
            }
        }
        """);

    [Fact]
    public Task DisposePathIsExcepted() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class Pool : IDisposable
        {
            private readonly object _gate = new();
            private readonly Stack<IDisposable> _items = new();
            public void Return(IDisposable d) { lock (_gate) _items.Push(d); }
            public void Dispose() { while (_items.Count > 0) _items.Pop().Dispose(); }
        }
        """);

    [Fact]
    public Task ReadonlyImmutableAndNeverChangedFieldsAreExcepted() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Router
        {
            private readonly object _gate = new();
            private readonly string _name;
            private readonly int _limit;
            private readonly IReadOnlyList<string> _routes;
            private readonly List<string> _log = new();
            public Router(string name, int limit, IReadOnlyList<string> routes) { _name = name; _limit = limit; _routes = routes; }
            public void Log(string m) { lock (_gate) { if (_log.Count < _limit) _log.Add(_name + m + _routes.Count); } }
            public string Name => _name;
            public int Limit => _limit;
            public string First => _routes[0];
        }
        """);

    [Fact]
    public Task VolatileAndInterlockedAccessesAreExcepted() => Verify.VerifyAsync("""
        using System.Threading;
        class Flags
        {
            private readonly object _gate = new();
            private volatile bool _stopped;
            private long _version;
            public void Stop() { lock (_gate) { _stopped = true; _version++; } }
            public bool Stopped => _stopped;
            public long Version => Interlocked.Read(ref _version);
            public long Bump() => Interlocked.Increment(ref _version);
        }
        """);

    [Fact]
    public Task LockObjectsAndConcurrentFieldsAreNotGuardedState() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        using System.Threading;
        class Work
        {
            private object _gate = new();
            private ConcurrentQueue<int> _queue = new();
            private CancellationTokenSource _cts = new();
            public void Restart() { lock (_gate) { _queue = new ConcurrentQueue<int>(); _cts = new CancellationTokenSource(); } }
            public void Enqueue(int i) => _queue.Enqueue(i);
            public CancellationToken Token => _cts.Token;
            public void Swap() => _gate = new object();
        }
        """);

    [Fact]
    public Task FieldsNeverTouchedUnderALockAreNotJudged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Plain
        {
            private readonly List<int> _items = new();
            private int _count;
            public void Add(int i) { _items.Add(i); _count++; }
            public int Count => _count;
        }
        class LockedOther
        {
            private readonly object _gate = new();
            private readonly List<int> _guarded = new();
            private readonly List<int> _unguarded = new();
            public void Add(int i) { lock (_gate) { _guarded.Add(i); } _unguarded.Add(i); }
            public int Count { get { lock (_gate) return _guarded.Count; } }
            public int Other => _unguarded.Count;
        }
        """);

    [Fact]
    public Task SemaphoreGuardedAccessIsNotUnguarded() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        class Mixed
        {
            private readonly object _gate = new();
            private readonly SemaphoreSlim _mutex = new(1, 1);
            private readonly List<int> _items = new();
            public void Add(int i) { lock (_gate) _items.Add(i); }
            public async Task<int> CountAsync() { await _mutex.WaitAsync(); try { return _items.Count; } finally { _mutex.Release(); } }
            public int Peek() { Monitor.Enter(_gate); try { return _items[0]; } finally { Monitor.Exit(_gate); } }
        }
        """);

    [Fact]
    public Task CountersAndStateReadWholeForStatus() => Verify.VerifyAsync("""
        enum Phase { Idle, Busy }
        class Worker
        {
            private readonly object _gate = new();
            private int _done;
            private Phase _phase;
            private object? _current;
            public void Complete(object item) { lock (_gate) { _done++; _phase = Phase.Idle; _current = item; } }
            public int Done => _done;
            public bool IsBusy => _phase == Phase.Busy;
            public override string ToString() => $"{_done} {_phase} {_current}";
        }
        """);

    [Fact]
    public Task ValueOnlyReadUnderALockThatGuardsSomethingElse() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class Connection
        {
            private readonly object _gate = new();
            private readonly Queue<string> _pending = new();
            private int _protocol;
            private DateTime _expires;
            public void SetProtocol(int p) => _protocol = p;
            public void Extend(DateTime until) => _expires = until;
            public string? Next() { lock (_gate) { return _protocol > 1 && DateTime.UtcNow < _expires && _pending.Count > 0 ? _pending.Dequeue() : null; } }
            public void Add(string s) { lock (_gate) _pending.Enqueue(s); }
        }
        """);

    [Fact]
    public Task StopFlagSetWithoutTheLock() => Verify.VerifyAsync("""
        class Poller
        {
            private readonly object _gate = new();
            private bool _stopping;
            private int _ticks;
            public void Tick() { lock (_gate) { if (!_stopping) _ticks++; } }
            public void Stop() => _stopping = true;
        }
        """);

    [Fact]
    public Task CopyOnWriteFieldsReplacedUnderTheLockAndReadWithout() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class Listeners
        {
            private readonly object _gate = new();
            private Action? _handlers;
            private IReadOnlyList<string> _names = Array.Empty<string>();
            private List<int> _snapshot = new();
            public void Add(Action a, string name)
            {
                lock (_gate)
                {
                    _handlers += a;
                    _names = new List<string>(_names) { name };
                    _snapshot = new List<int>(_snapshot) { _snapshot.Count };
                }
            }
            public void Raise() => _handlers?.Invoke();
            public int Count => _names.Count + _snapshot.Count;
            public IReadOnlyList<int> Snapshot => _snapshot;
        }
        """);

    [Fact]
    public Task FieldReadOnlyToTakeTheLockOnWhatItHolds() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Channels
        {
            private Dictionary<string, int>? _subs;
            private int _count;
            public bool Any
            {
                get
                {
                    var subs = _subs;
                    if (subs is null) return false;
                    lock (subs) { return subs.Count != 0; }
                }
            }
            public void Clear()
            {
                var subs = _subs;
                if (subs is null) return;
                lock (subs) { subs.Clear(); _count = 0; }
            }
            public int Count => _count;
            public Dictionary<string, int> Subs => _subs ??= new Dictionary<string, int>();
        }
        """);

    [Fact]
    public Task HelperNamedForTheLockAndOnlyCalledUnderIt() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Index
        {
            private readonly object _gate = new();
            private readonly List<string> _keys = new();
            public void Add(string k) { lock (_gate) { AddNoLock(k); } }
            public void AddRange(IEnumerable<string> ks) { lock (_gate) { foreach (var k in ks) AddNoLock(k); } }
            internal void AddNoLock(string k) { if (!_keys.Contains(k)) _keys.Add(k); }
        }
        """);

    [Fact]
    public Task ArraySlotsWrittenUnderTheLockAndReadWithout() => Verify.VerifyAsync("""
        class SlotMap
        {
            private readonly object _gate = new();
            private string?[]? _slots;
            public void Set(int i, string s) { lock (_gate) { (_slots ??= new string?[16])[i] = s; } }
            public string? Get(int i) { var slots = _slots; return slots?[i]; }
        }
        """);

    [Fact]
    public Task BufferHandedOffUnderTheLockToAnInFlightSend() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Sender
        {
            private readonly object _sendLock = new();
            private List<byte> _pending = new();
            private List<byte> _flushing = new();
            private long _flushOffset;
            private bool _sending;
            public void Send(byte b) { lock (_sendLock) { _pending.Add(b); } TrySend(); }
            private void TrySend()
            {
                lock (_sendLock)
                {
                    if (_sending || _pending.Count == 0) return;
                    (_pending, _flushing) = (_flushing, _pending);
                    _flushOffset = 0;
                    _sending = true;
                }
                Write(_flushing.Count - (int)_flushOffset);
            }
            private void OnWritten(int size)
            {
                _flushOffset += size;
                if (_flushOffset == _flushing.Count) { _flushing.Clear(); _flushOffset = 0; }
            }
            private void Write(int n) { }
        }
        """);

    [Fact]
    public Task ReconnectMakesNewBuffersThenUsesThem() => Verify.VerifyAsync("""
        class Buffer { public void Reserve(int n) { } public bool IsEmpty => true; }
        class Client
        {
            private readonly object _sendLock = new();
            private Buffer _main = new();
            public void Enqueue() { lock (_sendLock) { _main.Reserve(1); } }
            public void Connect()
            {
                _main = new Buffer();
                _main.Reserve(64);
                if (_main.IsEmpty) OnEmpty();
            }
            private void OnEmpty() { }
        }
        """);

    [Fact]
    public Task SizeAndNullTestsOfAGuardedCollection() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Mailbox
        {
            private readonly object _gate = new();
            private List<string>? _messages;
            public void Add(string m) { lock (_gate) { (_messages ??= new()).Add(m); } }
            public int Count => _messages?.Count ?? 0;
            public bool Started => _messages != null;
            public bool Full => _messages is not null && _messages.Count > 100;
        }
        """);

    [Fact]
    public Task PrivateInitCalledOnlyFromConstructors() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Socket
        {
            private readonly object _sendLock = new();
            private Queue<byte[]> _outgoing = null!;
            private int _sent;
            public Socket() { Init(); }
            public Socket(int capacity) { Init(); _outgoing.EnsureCapacity(capacity); }
            private void Init() { _outgoing = new Queue<byte[]>(); _outgoing.Enqueue(new byte[0]); _sent = 0; }
            public void Send(byte[] b) { lock (_sendLock) { _outgoing.Enqueue(b); _sent++; } }
        }
        """);

    [Fact]
    public Task NameofIsNotAnAccess() => Verify.VerifyAsync("""
        class Named
        {
            private readonly object _gate = new();
            private int _count;
            public void Inc() { lock (_gate) _count++; }
            public string Name => nameof(_count);
        }
        """);

    // ---- Set-up wired through a helper, tear-down resets (issue 13) ----

    [Fact]
    public Task FilledBeforeAHelperSubscribesTheHandlerIsNotFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        static class Bus { public static event EventHandler Changed; }
        class Registry
        {
            private readonly List<string> _names = new();
            private readonly List<int> _ids = new();
            public void Start()
            {
                _ids.Add(1); // the handlers that lock these lists are not wired up yet
                LoadNames();
                WireHandlers();
            }
            private void LoadNames() { _names.Add("a"); }
            private void WireHandlers() => Listen();
            private void Listen() { Bus.Changed += OnChanged; }
            private void OnChanged(object sender, EventArgs e) { lock (_names) { _names.Clear(); } lock (_ids) { _ids.Clear(); } }
        }
        """);

    [Fact]
    public Task ChangedAfterAHelperSubscribesTheHandlerIsFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        static class Bus { public static event EventHandler Changed; }
        class Registry
        {
            private readonly List<string> _names = new();
            public void Start()
            {
                WireHandlers();
                [|_names|].Add("a"); // the handler may already be running
            }
            public void Refresh()
            {
                [|_names|].Add("b");
                Defer(); // subscribes only when the delegate runs: no set-up ends here
            }
            private void WireHandlers() { Bus.Changed += OnChanged; }
            private void Defer() { Action subscribe = () => Bus.Changed += OnChanged; subscribe(); }
            private void OnChanged(object sender, EventArgs e) { lock (_names) { _names.Clear(); } }
        }
        """);

    [Fact]
    public Task FlagResetAfterTheSocketIsDisposedIsNotFlagged() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        using System.Threading.Tasks;
        class Connection
        {
            private readonly object _sendLock = new();
            private readonly IDisposable _socket;
            private readonly Stream _stream;
            private bool _sending;
            private bool _flushing;
            public Connection(IDisposable socket, Stream stream) { _socket = socket; _stream = stream; }
            public void Send()
            {
                lock (_sendLock)
                {
                    if (_sending || _flushing) return;
                    _sending = true;
                    _flushing = true;
                }
            }
            public void OnSent() { lock (_sendLock) { _sending = false; _flushing = false; } }
            public void Disconnect()
            {
                _socket.Dispose();
                _sending = false; // the connection is gone: no send can be in flight over it
            }
            public async Task DisconnectAsync()
            {
                await _stream.DisposeAsync();
                _flushing = false;
            }
        }
        """);

    [Fact]
    public Task ResetBeforeTheDisposeOrOfAnotherKindIsFlagged() => Verify.VerifyAsync("""
        using System;
        class Connection
        {
            private readonly object _sendLock = new();
            private readonly IDisposable _socket;
            private bool _sending;
            private int _pending;
            public Connection(IDisposable socket) { _socket = socket; }
            public void Send()
            {
                lock (_sendLock)
                {
                    if (_sending) return;
                    _sending = true;
                    _pending++;
                }
            }
            public void Disconnect(IDisposable other)
            {
                other.Dispose(); // not this object's resource
                [|_sending|] = false; // still open: a send may be testing the flag
                _socket.Dispose();
                [|_pending|]--; // a read-modify-write races whatever came before it
            }
        }
        """);

    // ---- Evidence that the unlocked access is not a race (issue 13, precision) ----

    [Fact]
    public Task SizeReadThroughANullConditionalIsNotFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Outbox
        {
            private readonly object _gate = new();
            private Queue<string>? _pending = new();
            public void Push(string m) { lock (_gate) { _pending!.Enqueue(m); } }
            public int Backlog => _pending?.Count ?? -1;
            public bool HasAny => (_pending?.Count).GetValueOrDefault() != 0;
        }
        """);

    [Fact]
    public Task ContentsReadThroughANullConditionalIsFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Outbox
        {
            private readonly object _gate = new();
            private Queue<string>? _pending = new();
            public void Push(string m) { lock (_gate) { _pending!.Enqueue(m); } }
            public string[]? Copy() => [|_pending|]?.ToArray();
        }
        """);

    [Fact]
    public Task FilledWhileBuiltThenOnlyReplacedWholeUnderTheLockIsNotFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Text;
        class Sensors
        {
            private readonly object _gate = new();
            private List<string> _devices = new();
            public Sensors(bool withSwap)
            {
                _devices.Add("ram");
                if (withSwap) _devices.Add("swap");
            }
            public IReadOnlyList<string> Devices => _devices;
            public string Report()
            {
                var text = new StringBuilder();
                foreach (var d in _devices) text.AppendLine(d);
                return text.ToString();
            }
            public void Found(string[] more) { lock (_gate) { _devices = [.. _devices, .. more]; } }
            public void Close() { lock (_gate) { _devices = []; } }
        }
        """);

    [Fact]
    public Task ChangedInPlaceAfterConstructionStillFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Sensors
        {
            private readonly object _gate = new();
            private readonly List<string> _devices = new();
            public Sensors() { _devices.Add("ram"); }
            public void Found(string d) { lock (_gate) { _devices.Add(d); } }
            public int Named(string d) => [|_devices|].IndexOf(d);
        }
        """);

    [Fact]
    public Task ClaimGivenBackByTheFlowThatMadeItIsNotFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class SingleRun
        {
            private readonly object _gate = new();
            private bool _running;
            public void StartOnce(Func<Task> work)
            {
                lock (_gate)
                {
                    if (_running) return;
                    _running = true;
                }

                Task.Run(async () =>
                {
                    await work();
                    _running = false;
                });
            }
        }

        class Batch
        {
            private readonly object _gate = new();
            private bool _busy;
            public bool TryRun(Action step)
            {
                lock (_gate)
                {
                    if (_busy) return false;
                    _busy = true;
                }

                step();
                _busy = false;
                return true;
            }
        }

        class Lease
        {
            private readonly object _gate = new();
            private byte[]? _token;
            public bool Take(Func<byte[], bool> store)
            {
                NewToken();
                if (store(_token!)) return true;
                _token = null;
                return false;
            }
            public async Task<bool> TakeAsync(Func<byte[], Task<bool>> store)
            {
                NewToken();
                if (await store(_token!)) return true;
                _token = null;
                return false;
            }
            private void NewToken()
            {
                lock (_gate)
                {
                    if (_token != null) throw new InvalidOperationException("already held");
                    _token = Guid.NewGuid().ToByteArray();
                }
            }
        }
        """);

    [Fact]
    public Task ResetOfAClaimTheResetterDidNotMakeIsFlagged() => Verify.VerifyAsync("""
        using System;
        class Sentinel
        {
            private readonly object _gate = new();
            private IDisposable? _worker;
            private int _inFlight;
            public IDisposable? Get(Func<IDisposable> next)
            {
                if ([|_worker|] != null) return _worker;
                Retire();
                try { [|_worker|] = next(); }
                catch (Exception) { [|_worker|] = null; } // Retire only empties it under the lock: nothing was claimed here
                return _worker;
            }
            private void Retire()
            {
                lock (_gate)
                {
                    if (_worker != null) { _worker.Dispose(); _worker = null; }
                }
            }
            public void Send()
            {
                lock (_gate) { if (_inFlight > 8) return; _inFlight++; }
            }
            public void SendAndForget()
            {
                Send();
                [|_inFlight|] = 0; // the lock counts, it does not claim: the reset drops the other senders' increments
            }
        }
        """);

    [Fact]
    public Task AccessesInsideAnUnresolvedAsyncLockAreGuarded() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        class Subscription
        {
            private readonly {|CS0246:AsyncLock|} _lock;
            private bool _subscribed;
            public async Task EnsureAsync()
            {
                if (_subscribed) return;
                using (await _lock.LockAsync())
                {
                    if (_subscribed) return;
                    await Task.Yield();
                    _subscribed = true;
                }
            }
            public void Reset() { lock (this) { if (_subscribed) _subscribed = false; } }
        }
        """);

    [Fact]
    public Task FieldHandedToAHelperThatLocksItIsNotFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Pipe
        {
            private readonly Queue<int> _awaiting = new();
            public void Sent(int id) { lock (_awaiting) { _awaiting.Enqueue(id); } }
            public int FailAll()
            {
                var failed = 0;
                while (TryTake(_awaiting, out _)) failed++;
                return failed + Drain(_awaiting);

                static bool TryTake(Queue<int> queue, out int id)
                {
                    lock (queue) { return queue.TryDequeue(out id); }
                }
            }
            private static int Drain(Queue<int> queue)
            {
                lock (queue)
                {
                    var n = queue.Count;
                    queue.Clear();
                    return n;
                }
            }
        }
        """);

    [Fact]
    public Task FieldHandedToAHelperThatAlsoUsesItOutsideItsLockIsFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        class Pipe
        {
            private readonly Queue<int> _awaiting = new();
            public void Sent(int id) { lock (_awaiting) { _awaiting.Enqueue(id); } }
            public int[] FailAll() => Copy([|_awaiting|]);
            private static int[] Copy(Queue<int> queue)
            {
                var copy = queue.ToArray();
                lock (queue) { queue.Clear(); }
                return copy;
            }
        }
        """);

    [Fact]
    public Task PropertyThatReturnsTheLockObjectIsNotAnAccess() => Verify.VerifyAsync("""
        using System.Collections;
        using System.Collections.Generic;
        class Pool
        {
            private readonly Dictionary<string, int> _entries = new();
            private readonly object _handle = new();
            private int _uses;
            private object Gate => ((ICollection)_entries).SyncRoot;
            private object Sync => _handle;
            public void Add(string k) { lock (Gate) { _entries[k] = 1; } }
            public bool Has(string k) { lock (this.Gate) { return _entries.ContainsKey(k); } }
            public void Use() { lock (Sync) { _uses++; } }
        }
        """);

    [Fact]
    public Task CollectionReplacedByAFreshLinqCopyIsNotFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Linq;
        class Relations
        {
            private List<int> _ids = new();
            public void Load(IEnumerable<int> rows) { _ids = rows.Where(r => r > 0).ToList(); }
            public void Add(int id) { lock (_ids) { _ids.Add(id); } }
        }
        """);

    [Fact]
    public Task CollectionReplacedByALinqCopyOfItselfIsFlagged() => Verify.VerifyAsync("""
        using System.Collections.Generic;
        using System.Linq;
        class Relations
        {
            private List<int> _ids = new();
            public void Trim() { [|_ids|] = _ids.Where(r => r > 0).ToList(); }
            public void Add(int id) { lock (_ids) { _ids.Add(id); } }
        }
        """);
}
