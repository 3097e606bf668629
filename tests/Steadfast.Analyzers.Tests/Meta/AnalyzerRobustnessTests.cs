using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Steadfast.Analyzers.Tests.Verifiers;

namespace Steadfast.Analyzers.Tests.Meta;

/// <summary>
/// Analyzers run on every keystroke in the IDE, over half-typed code. Any exception (AD0001) switches a rule
/// off for the user, so each analyzer must come through empty, broken and unusual code silently.
/// </summary>
public sealed class AnalyzerRobustnessTests
{
    public static IEnumerable<object[]> Analyzers() => AnalyzerCatalog.AnalyzerNames();

    private static readonly string[] OddSources =
    [
        "",
        "using System;",
        "class C { void M() { var start = DateTime.UtcNow; return DateTime.UtcNow - ",
        "class C { void M() { var d = System.DateTime.Now + ; while (System.DateTime.Now < d",
        "class C { System.TimeSpan M() => System.DateTime.UtcNow - start; }",
        "class C { void M(System.DateTime? a) { var x = System.DateTime.UtcNow - a; } }",
        "class C { void M() { System.DateTime s; s -= System.TimeSpan.Zero; var e = System.DateTime.Now - s; } }",
        "class C { void M() { ref var r = ref System.DateTime.Now; } }",
        "class C { void M() { var s = System.DateTime.Now; (s, var t) = (System.DateTime.Now, 1); var e = System.DateTime.Now - s; } }",
        "class C { object M() => (System.DateTime.Now - System.DateTime.Now) > System.TimeSpan.Zero ? 1 : 2; }",
        "class C { void M() { var s = System.DateTime.Now; System.Action a = () => s = System.DateTime.Now; var e = System.DateTime.Now - s; } }",
        "class C { void M() { foreach (var s in new[] { System.DateTime.Now }) { var e = System.DateTime.Now - s; } } }",
        "#if DEBUG\nclass C { void M() { var s = System.DateTime.Now; var e = System.DateTime.Now - s; }\n#endif",
        "class C { System.DateTime F = System.DateTime.Now; System.TimeSpan G => System.DateTime.Now - F; System.TimeSpan H = System.DateTime.Now - System.DateTime.Now; }",
        "using StackExchange.Redis; class C { void M(IDatabase db) { db.StringSet(\"lock\", \"\", null, When.NotExists); db.KeyDelete(\"lock\"); } }",
        "using StackExchange.Redis; class C { async System.Threading.Tasks.Task M(IDatabaseAsync db) { while (!await db.LockTakeAsync(\"k\", System.Environment.MachineName, System.TimeSpan.Zero)) System.Threading.Thread.Sleep(100); } }",
        "class C { System.Collections.Generic.List<int> _l = new(); void M() { System.Threading.Tasks.Parallel.For(0, 10, i => _l.Add(i) ",
        "class C { int _n; void M() { System.Threading.Tasks.Task.Run(() => _n++); System.Threading.Tasks.Task.Run(Missing); new System.Threading.Thread(M).Start(); } void N() => M(); }",
        "class C { object _g = new(); int _x; void A() { lock (_g) _x++; } void B() { lock () { _x = 1; } _x = nameof(_x).Length; } int P => _x; }",
        "class C { static System.Collections.Generic.Dictionary<string, int> D = new(); static C() { D[\"a\"] = 1; } void M() { lock (typeof(C)) { D.Add(\"b\", 2); } D. } }",
        "class C { void M(StackExchange.Redis.IDatabase db) { if (!db.KeyExists()) db.StringSet(, \"v\"); var v = db.StringGet(\"k\"); if (v == ) db.KeyDelete(\"k\"); } }",
        "using StackExchange.Redis; class C { void M(IDatabase db, string k) { bool e; e = db.KeyExists(k); if (!e) db.StringSet(k, 1); if (db.KeyExists(k)) { } else db.StringSet(k, 2); } }",
        "var list = new System.Collections.Generic.List<int>(); System.Threading.Tasks.Parallel.For(0, 3, i => list.Add(i)); System.Console.WriteLine(list.Count);",
        "using StackExchange.Redis; class C { IDatabase _db; string _v; C(string v) : this(v, 1) { } C(string v, int n) { _v = v; } bool M() => _db.LockTake(_k, _v, default); }",
        "using StackExchange.Redis; class C { void M(IDatabase db) { db.Execute(\"SET\"); db.Execute(\"SET\", new object[0]); db.ScriptEvaluate((string)null, null, null); db.KeyDelete(new RedisKey[0]); } }",
        "using StackExchange.Redis; class C { static string T => T; bool M(IDatabase db) => db.LockTake(\"k\", T, System.TimeSpan.Zero); string R() => R(); bool N(IDatabase db) => db.LockTake(\"k\", R(), default); }",
        "using StackExchange.Redis; partial class C { bool M(IDatabase db) => db.StringSet(\"k\", _v, null, When.NotExists); } partial class C { string _v = \"\"; }",
        "using System.Threading; class C { object o; void M() { bool t = false; Monitor.TryEnter(o, ref t); while (!Monitor.TryEnter(o)) Thread.Sleep(1); Monitor.Exit(o); Monitor.Exit(; } }",
        "using System.Threading; class C { void M(SemaphoreSlim s) { for (;;) { if (s.Wait(0)) break; Thread.Sleep(1); } try { s.Wait(0); } finally { s.Release(); } } }",
        "using StackExchange.Redis; class H : System.IDisposable { IDatabase d; RedisKey k; H(IDatabase d, RedisKey k) { this.d = d; this.k = k; } public void Dispose() => d.KeyDelete(k); static H Make(IDatabase d) => d.LockTake(\"x\", \"y\", default) ? new H(d, \"x\") : new(d, \"x\"); }",
        "using StackExchange.Redis; class C { string D(IDatabase db) { var v = db.ListRightPop(\"q\"); if (v.IsNull) { System.Threading.Thread.Sleep(1); return D(db",
        "class C { void D() { System.Threading.Thread.Sleep(); D(); } void E() { if (x == null) { System.Threading.Thread.Sleep(1); E(); } } }",
        "using StackExchange.Redis; class C { async System.Threading.Tasks.Task M(IDatabase db) { while (!db.KeyExists(\"k\")) System.Threading.Thread.Sleep(; var x = await db.ListLeftPopAsync(",
        "class C { void M() { while (true) { try { M(); } catch (System.Exception e) when ( { } } } }",
        "class C { async System.Threading.Tasks.Task M() { do { try { await M(); } catch { continue; } } while (; } }",
        "class C { void M() { for (;;) try { M(); } catch { } } }",
        "using System.Threading.Tasks; var n = 0; async Task Work() { n++; await Task.Yield(); } await Task.WhenAll(Task.Run(Work), Task.Run(Work));",
    ];

    [Theory]
    [MemberData(nameof(Analyzers))]
    public async Task NeverThrowsOnEmptyBrokenOrUnusualCode(string analyzerName)
    {
        var analyzer = AnalyzerCatalog.ByName(analyzerName);
        var references = await TestReferences.Net80WithRedis.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        foreach (var source in OddSources)
        {
            var exceptions = await RunAsync(analyzer, source, references);
            Assert.True(exceptions.Count == 0, $"{analyzerName} threw on:\n{source}\n{string.Join("\n", exceptions)}");
        }
    }

    internal static async Task<List<Exception>> RunAsync(DiagnosticAnalyzer analyzer, string source, ImmutableArray<MetadataReference> references)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp12));
        var compilation = CSharpCompilation.Create("Robustness", [tree], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) exceptions.Add(exception); },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var withAnalyzers = compilation.WithAnalyzers([analyzer], options);
        var diagnostics = await withAnalyzers.GetAllDiagnosticsAsync(CancellationToken.None);
        exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => new Exception(d.ToString())));
        return exceptions;
    }
}
