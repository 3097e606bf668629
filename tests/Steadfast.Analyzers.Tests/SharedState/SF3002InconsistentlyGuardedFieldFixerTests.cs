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
}
