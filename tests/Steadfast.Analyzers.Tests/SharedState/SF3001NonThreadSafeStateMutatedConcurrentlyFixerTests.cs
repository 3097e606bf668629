using Steadfast.Analyzers.SharedState;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzer,
    Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyFixer>;

namespace Steadfast.Analyzers.Tests.SharedState;

public sealed class SF3001NonThreadSafeStateMutatedConcurrentlyFixerTests
{
    [Fact]
    public Task Increments_BecomeInterlocked_KeepingThePostfixValue() => Verify.VerifyFixAsync("""
        using System.Threading.Tasks;
        class Load
        {
            private int _hits;
            private long _bytes;
            public void Run(int[] sizes)
            {
                Parallel.ForEach(sizes, s =>
                {
                    var before = [|_hits++|]; // count it
                    [|_bytes += s|];
                    [|_bytes -= 1|];
                });
            }
        }
        """, """
        using System.Threading;
        using System.Threading.Tasks;
        class Load
        {
            private int _hits;
            private long _bytes;
            public void Run(int[] sizes)
            {
                Parallel.ForEach(sizes, s =>
                {
                    var before = (Interlocked.Increment(ref _hits) - 1); // count it
                    Interlocked.Add(ref _bytes, s);
                    Interlocked.Add(ref _bytes, -1);
                });
            }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseInterlockedKey);

    [Fact]
    public Task VoidExpressionBodiedIncrement_BecomesAPlainInterlockedCall() => Verify.VerifyFixAsync("""
        using System.Threading.Tasks;
        class Meter
        {
            private int _hits;
            public void Hit() => [|_hits++|];
            public void Start() => Parallel.For(0, 8, _ => Hit());
        }
        """, """
        using System.Threading;
        using System.Threading.Tasks;
        class Meter
        {
            private int _hits;
            public void Hit() => Interlocked.Increment(ref _hits);
            public void Start() => Parallel.For(0, 8, _ => Hit());
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseInterlockedKey);

    [Fact]
    public Task Dictionary_BecomesConcurrentDictionary_WithCallSitesRewritten() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Registry
        {
            private readonly Dictionary<string, int> _ports = new Dictionary<string, int>(); // by service
            public Registry() { new Thread(Refresh).Start(); }
            public int Port(string name) => _ports.TryGetValue(name, out var p) ? p : 0;
            public int Count => _ports.Count;
            public bool Forget(string name) => _ports.Remove(name);
            private void Refresh()
            {
                [|_ports["a"] = 1|];
                [|_ports.Add("b", 2)|];
                if (!_ports.ContainsKey("c"))
                    [|_ports.Add("c", 3)|];
            }
        }
        """, """
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading;
        class Registry
        {
            private readonly ConcurrentDictionary<string, int> _ports = new ConcurrentDictionary<string, int>(); // by service
            public Registry() { new Thread(Refresh).Start(); }
            public int Port(string name) => _ports.TryGetValue(name, out var p) ? p : 0;
            public int Count => _ports.Count;
            public bool Forget(string name) => _ports.TryRemove(name, out _);
            private void Refresh()
            {
                _ports["a"] = 1;
                if (!_ports.TryAdd("b", 2))
                    throw new ArgumentException("An item with the same key has already been added.");
                _ports.TryAdd("c", 3);
            }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    [Fact]
    public Task ContainsKeyAddThenIndexerReturn_BecomesGetOrAdd() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Memo
        {
            private readonly Dictionary<int, string> _cache = new();
            public Task<string> GetAsync(int id) => Task.Run(() => Get(id));
            private string Get(int id)
            {
                if (!_cache.ContainsKey(id))
                {
                    [|_cache.Add(id, Compute(id))|];
                }
                return _cache[id];
            }
            public void Drop(int id) => _cache.Remove(id);
            private static string Compute(int id) => id.ToString();
        }
        """, """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Memo
        {
            private readonly ConcurrentDictionary<int, string> _cache = new();
            public Task<string> GetAsync(int id) => Task.Run(() => Get(id));
            private string Get(int id)
            {
                return _cache.GetOrAdd(id, _ => Compute(id));
            }
            public void Drop(int id) => _cache.TryRemove(id, out _);
            private static string Compute(int id) => id.ToString();
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    [Fact]
    public Task List_GetsALockAroundEveryAccess() => Verify.VerifyFixAsync("""
        #nullable enable
        using System.Collections.Generic;
        using System.Threading;
        class Pipeline
        {
            private readonly List<string> _pending = new();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => [|_pending.Add(item)|]);
            public int Count => _pending.Count;
            public string? Next()
            {
                // oldest first
                var first = _pending.Count > 0 ? _pending[0] : null;
                if (first != null) _pending.RemoveAt(0);
                return first;
            }
        }
        """, """
        #nullable enable
        using System.Collections.Generic;
        using System.Threading;
        class Pipeline
        {
            private readonly object _pendingLock = new();
            private readonly List<string> _pending = new();
            public void Submit(string item) => ThreadPool.QueueUserWorkItem(_ => { lock (_pendingLock) { _pending.Add(item); } });
            public int Count
            {
                get
                {
                    lock (_pendingLock)
                    {
                        return _pending.Count;
                    }
                }
            }
            public string? Next()
            {
                // oldest first
                string? first;
                lock (_pendingLock)
                {
                    first = _pending.Count > 0 ? _pending[0] : null;
                    if (first != null) _pending.RemoveAt(0);
                }
                return first;
            }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    [Fact]
    public Task CapturedLocal_GetsALocalLock() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Crawler
        {
            public int Crawl(IEnumerable<string> urls)
            {
                var found = new List<string>();
                Parallel.ForEach(urls, url => [|found.Add(url)|]);
                return found.Count;
            }
        }
        """, """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Crawler
        {
            public int Crawl(IEnumerable<string> urls)
            {
                var found = new List<string>();
                var foundLock = new object();
                Parallel.ForEach(urls, url => { lock (foundLock) { found.Add(url); } });
                lock (foundLock)
                {
                    return found.Count;
                }
            }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    [Fact]
    public Task FixAll_ConvertsEveryFlaggedStateOnce() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly Dictionary<int, string> _a = new();
            private readonly Dictionary<string, int> _b = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i =>
            {
                [|_a[i] = items[i]|];
                [|_b[items[i]] = i|];
                [|_a.Remove(-i)|];
            });
        }
        """, """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly ConcurrentDictionary<int, string> _a = new();
            private readonly ConcurrentDictionary<string, int> _b = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i =>
            {
                _a[i] = items[i];
                _b[items[i]] = i;
                _a.TryRemove(-i, out _);
            });
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    [Fact]
    public Task NoConcurrentDictionaryWhenAUseHasNoTwin_ButTheLockIsOffered() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly Dictionary<int, string> _a = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i => [|_a[i] = items[i]|]);
            public bool Has(string v) => _a.ContainsValue(v);
        }
        """, """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly object _aLock = new();
            private readonly Dictionary<int, string> _a = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i => { lock (_aLock) { _a[i] = items[i]; } });
            public bool Has(string v)
            {
                lock (_aLock)
                {
                    return _a.ContainsValue(v);
                }
            }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    [Fact]
    public Task NoLockWhenAnAccessAwaits() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Sender
        {
            private readonly List<string> _out = new();
            public void Queue(string[] items) => Parallel.ForEach(items, i => [|_out.Add(i)|]);
            public async Task FlushAsync() { foreach (var m in _out) await Task.Delay(1); }
        }
        """, """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Sender
        {
            private readonly List<string> _out = new();
            public void Queue(string[] items) => Parallel.ForEach(items, i => [|_out.Add(i)|]);
            public async Task FlushAsync() { foreach (var m in _out) await Task.Delay(1); }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    // Regression: the fixes wrote `out _` and `_ = …` with SyntaxFactory.IdentifierName("_"), which prints
    // `_` but binds as a name (CS0103). The verifier compiles the produced tree as well as its text.

    [Fact]
    public Task HubStaticDictionary_RemoveBecomesTryRemoveWithADiscard() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        namespace Microsoft.AspNetCore.SignalR { public abstract class Hub { public virtual Task OnConnectedAsync() => Task.CompletedTask; } }
        class ChatHub : Microsoft.AspNetCore.SignalR.Hub
        {
            private static readonly Dictionary<string, string> Users = new();
            public void Join(string id, string name) { [|Users[id] = name|]; }
            public void Leave(string id) { [|Users.Remove(id)|]; }
            public bool Kick(string id) => [|Users.Remove(id)|];
        }
        """, """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        namespace Microsoft.AspNetCore.SignalR { public abstract class Hub { public virtual Task OnConnectedAsync() => Task.CompletedTask; } }
        class ChatHub : Microsoft.AspNetCore.SignalR.Hub
        {
            private static readonly ConcurrentDictionary<string, string> Users = new();
            public void Join(string id, string name) { Users[id] = name; }
            public void Leave(string id) { Users.TryRemove(id, out _); }
            public bool Kick(string id) => Users.TryRemove(id, out _);
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    [Fact]
    public Task RemoveInAParallelBody_BecomesTryRemoveWithADiscard() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly Dictionary<int, string> _names = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i =>
            {
                [|_names[i] = items[i]|];
                [|_names.Remove(-i)|];
            });
        }
        """, """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly ConcurrentDictionary<int, string> _names = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, i =>
            {
                _names[i] = items[i];
                _names.TryRemove(-i, out _);
            });
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    [Fact]
    public Task RemoveWhereUnderscoreIsAParameter_DiscardsWithOutVar() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly Dictionary<int, string> _names = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, (i, _) =>
            {
                [|_names[i] = items[i]|];
                [|_names.Remove(-i)|];
            });
        }
        """, """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Index
        {
            private readonly ConcurrentDictionary<int, string> _names = new();
            public void Build(string[] items) => Parallel.For(0, items.Length, (i, _) =>
            {
                _names[i] = items[i];
                _names.TryRemove(-i, out var _);
            });
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    [Fact]
    public Task GetOrAddWhereUnderscoreIsAParameter_NamesTheFactoryParameterApart() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Memo
        {
            private readonly Dictionary<int, string> _cache = new();
            public Task<string> GetAsync(int id) => Task.Run(() => Get(id, 7));
            private string Get(int id, int _)
            {
                if (!_cache.ContainsKey(id))
                {
                    [|_cache.Add(id, Compute(id, _))|];
                }
                return _cache[id];
            }
            public void Drop(int id) => _cache.Remove(id);
            private static string Compute(int id, int salt) => (id + salt).ToString();
        }
        """, """
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Memo
        {
            private readonly ConcurrentDictionary<int, string> _cache = new();
            public Task<string> GetAsync(int id) => Task.Run(() => Get(id, 7));
            private string Get(int id, int _)
            {
                return _cache.GetOrAdd(id, key => Compute(id, _));
            }
            public void Drop(int id) => _cache.TryRemove(id, out _);
            private static string Compute(int id, int salt) => (id + salt).ToString();
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.UseConcurrentDictionaryKey);

    private const string StoreDecidedByAContainsHelper = """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class KeyCache
        {
            private readonly Dictionary<string, string> _keys = new();
            public Task StoreAsync(string login, string key) => Task.Run(() => Store(login, key));
            public bool Contains(string login) => _keys.ContainsKey(login);
            private void Store(string login, string key)
            {
                if (Contains(login))
                {
                    [|_keys[login] = key|];
                }
                else
                {
                    [|_keys.Add(login, key)|];
                }
            }
        }
        """;

    [Fact]
    public Task StoreDecidedByAContainsHelper_LockTakesTheTestIn() => Verify.VerifyFixAsync(StoreDecidedByAContainsHelper, """
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class KeyCache
        {
            private readonly object _keysLock = new();
            private readonly Dictionary<string, string> _keys = new();
            public Task StoreAsync(string login, string key) => Task.Run(() => Store(login, key));
            public bool Contains(string login)
            {
                lock (_keysLock)
                {
                    return _keys.ContainsKey(login);
                }
            }
            private void Store(string login, string key)
            {
                lock (_keysLock)
                {
                    if (Contains(login))
                    {
                        _keys[login] = key;
                    }
                    else
                    {
                        _keys.Add(login, key);
                    }
                }
            }
        }
        """, equivalenceKey: SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey);

    [Fact]
    public async Task StoreDecidedByAContainsHelper_NoConcurrentDictionary()
    {
        // Each call would be atomic, the test and the add together would not: the second of two racing stores throws.
        var offered = await Verify.OfferedFixesAsync(StoreDecidedByAContainsHelper);
        Assert.All(offered, keys => Assert.Equal([SF3001NonThreadSafeStateMutatedConcurrentlyFixer.GuardWithLockKey], keys));
    }
}
