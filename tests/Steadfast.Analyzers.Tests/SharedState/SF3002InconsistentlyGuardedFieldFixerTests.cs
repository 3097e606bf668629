using Steadfast.Analyzers.SharedState;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.SharedState.SF3002InconsistentlyGuardedFieldAnalyzer,
    Steadfast.Analyzers.SharedState.SF3002InconsistentlyGuardedFieldFixer>;

namespace Steadfast.Analyzers.Tests.SharedState;

public sealed class SF3002InconsistentlyGuardedFieldFixerTests
{
    [Fact]
    public Task UnguardedRead_TakesTheSameLock() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        class Inbox
        {
            private readonly object _gate = new();
            private readonly List<string> _messages = new();
            public void Add(string m) { lock (_gate) { _messages.Add(m); } }
            public int Count => [|_messages|].FindAll(m => m.Length > 0).Count; // snapshot
        }
        """, """
        using System.Collections.Generic;
        class Inbox
        {
            private readonly object _gate = new();
            private readonly List<string> _messages = new();
            public void Add(string m) { lock (_gate) { _messages.Add(m); } }
            public int Count
            {
                get
                {
                    lock (_gate)
                    {
                        return _messages.FindAll(m => m.Length > 0).Count;
                    }
                }
            } // snapshot
        }
        """, equivalenceKey: SF3002InconsistentlyGuardedFieldFixer.EquivalenceKey);

    [Fact]
    public Task FixAll_WrapsEachStatementOnce() => Verify.VerifyFixAsync("""
        class Breaker
        {
            private readonly object _lock = new();
            private int _state;
            private int _failures;
            public void OnFailure() { lock (_lock) { _failures++; if (_failures > 5) _state = 1; } }
            public void Reset()
            {
                // close the breaker
                _state = 0;
                [|_failures|] = _state;
            }
            public int Next()
            {
                var f = ++[|_failures|];
                return f;
            }
        }
        """, """
        class Breaker
        {
            private readonly object _lock = new();
            private int _state;
            private int _failures;
            public void OnFailure() { lock (_lock) { _failures++; if (_failures > 5) _state = 1; } }
            public void Reset()
            {
                // close the breaker
                _state = 0;
                lock (_lock)
                {
                    _failures = _state;
                }
            }
            public int Next()
            {
                int f;
                lock (_lock)
                {
                    f = ++_failures;
                }
                return f;
            }
        }
        """);

    [Fact]
    public Task StaticLock_InStaticMember() => Verify.VerifyFixAsync("""
        class Ids
        {
            private static readonly object Gate = new();
            private static long _next;
            public static long Next() { lock (Gate) { return ++_next; } }
            public static void Skip(long v) => [|_next|] += v;
        }
        """, """
        class Ids
        {
            private static readonly object Gate = new();
            private static long _next;
            public static long Next() { lock (Gate) { return ++_next; } }
            public static void Skip(long v)
            {
                lock (Gate)
                {
                    _next += v;
                }
            }
        }
        """);

    [Fact]
    public Task LockOnAFieldTheWrappedCodeNullTestsAndCreates_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System.Collections.Generic;
        class TemplateCache
        {
            private Dictionary<string, int> _templates;
            public void Add(string key, int value) { lock (_templates) { _templates[key] = value; } }
            public void Load()
            {
                if (_templates == null)
                {
                    [|_templates|] = new Dictionary<string, int>();
                    [|_templates|]["default"] = 0;
                }
            }
        }
        """);

    [Fact]
    public Task GuardClauseBeforeTheLockedWrite_JoinsItInOneSection() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        class Inventory
        {
            private readonly object _gate = new();
            private readonly Dictionary<int, string> _items = new();
            public bool Insert(int slot, string item)
            {
                if ([|_items|].ContainsKey(slot))
                    return false;
                lock (_gate)
                {
                    _items[slot] = item;
                }
                return true;
            }
        }
        """, """
        using System.Collections.Generic;
        class Inventory
        {
            private readonly object _gate = new();
            private readonly Dictionary<int, string> _items = new();
            public bool Insert(int slot, string item)
            {
                lock (_gate)
                {
                    if (_items.ContainsKey(slot))
                        return false;
                    _items[slot] = item;
                }
                return true;
            }
        }
        """, equivalenceKey: SF3002InconsistentlyGuardedFieldFixer.EquivalenceKey);

    [Fact]
    public Task InnerListWalkedAfterTheLookup_StaysInTheLockUntilTheWalkEnds() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        class Doors
        {
            private readonly object _gate = new();
            private readonly Dictionary<int, List<string>> _doors = new();
            public void Register(int id, string door)
            {
                lock (_gate)
                {
                    if (!_doors.TryGetValue(id, out var list)) _doors[id] = list = new List<string>();
                    list.Add(door);
                }
            }
            public int Open(int id)
            {
                var list = [|_doors|][id];
                var open = 0;
                foreach (var door in list)
                    if (door.Length > 0) open++;
                return open;
            }
        }
        """, """
        using System.Collections.Generic;
        class Doors
        {
            private readonly object _gate = new();
            private readonly Dictionary<int, List<string>> _doors = new();
            public void Register(int id, string door)
            {
                lock (_gate)
                {
                    if (!_doors.TryGetValue(id, out var list)) _doors[id] = list = new List<string>();
                    list.Add(door);
                }
            }
            public int Open(int id)
            {
                int open;
                lock (_gate)
                {
                    var list = _doors[id];
                    open = 0;
                    foreach (var door in list)
                        if (door.Length > 0) open++;
                }
                return open;
            }
        }
        """, equivalenceKey: SF3002InconsistentlyGuardedFieldFixer.EquivalenceKey);

    [Fact]
    public Task GetterReturningAnInnerList_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System.Collections.Generic;
        class Doors
        {
            private readonly object _gate = new();
            private readonly Dictionary<int, List<string>> _doors = new();
            public void Register(int id, string door)
            {
                lock (_gate)
                {
                    if (!_doors.TryGetValue(id, out var list)) _doors[id] = list = new List<string>();
                    list.Add(door);
                }
            }
            public List<string> Get(int id) => [|_doors|][id];
        }
        """);

    [Fact]
    public Task LookupOfAnIndexThenRemovalAtIt_OneSection() => Verify.VerifyFixAsync("""
        using System.Collections.Generic;
        class Flows
        {
            private readonly object _gate = new();
            private readonly List<string> _flows = new();
            public void Add(string f) { lock (_gate) { _flows.Add(f); } }
            public void Remove(string f)
            {
                int index = [|_flows|].FindIndex(x => x == f);
                if (index != -1)
                {
                    [|_flows|].RemoveAt(index);
                }
            }
        }
        """, """
        using System.Collections.Generic;
        class Flows
        {
            private readonly object _gate = new();
            private readonly List<string> _flows = new();
            public void Add(string f) { lock (_gate) { _flows.Add(f); } }
            public void Remove(string f)
            {
                lock (_gate)
                {
                    int index = _flows.FindIndex(x => x == f);
                    if (index != -1)
                    {
                        _flows.RemoveAt(index);
                    }
                }
            }
        }
        """, equivalenceKey: SF3002InconsistentlyGuardedFieldFixer.EquivalenceKey);

    [Fact]
    public Task StoreUnderATestOfAnotherFieldTheLockGuards_TakesTheTestIn() => Verify.VerifyFixAsync("""
        class Npc
        {
            private readonly object _entityLock = new();
            private string _centerMap = "";
            private int _centerX;
            public void Die() { lock (_entityLock) { if (_centerX != 0) { _centerMap = null; _centerX = 0; } } }
            public void Reset(int x)
            {
                if (_centerMap == null)
                {
                    [|_centerX|] = x;
                }
            }
        }
        """, """
        class Npc
        {
            private readonly object _entityLock = new();
            private string _centerMap = "";
            private int _centerX;
            public void Die() { lock (_entityLock) { if (_centerX != 0) { _centerMap = null; _centerX = 0; } } }
            public void Reset(int x)
            {
                lock (_entityLock)
                {
                    if (_centerMap == null)
                    {
                        _centerX = x;
                    }
                }
            }
        }
        """, equivalenceKey: SF3002InconsistentlyGuardedFieldFixer.EquivalenceKey);

    [Fact]
    public Task LoneStoreOfAFlagTheLockedCodeTestsAndSets_HasNoFix() => Verify.VerifyNoFixAsync("""
        using System.Collections.Concurrent;
        using System.Threading;
        class Renewer
        {
            private readonly object _gate = new();
            private readonly ConcurrentQueue<string> _keys = new();
            private bool _working;
            public void Add(string key)
            {
                _keys.Enqueue(key);
                lock (_gate)
                {
                    if (!_working) { _working = true; new Thread(Work).Start(); }
                }
            }
            private void Work()
            {
                while (true)
                {
                    if (_keys.TryDequeue(out var key)) Thread.Sleep(key.Length);
                    else { [|_working|] = false; break; }
                }
            }
        }
        """);
}
