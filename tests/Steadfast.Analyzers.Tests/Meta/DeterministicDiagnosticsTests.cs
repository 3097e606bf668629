using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Steadfast.Analyzers.Tests.Verifiers;

namespace Steadfast.Analyzers.Tests.Meta;

/// <summary>
/// The IDE and the build run the analyzers concurrently, and in whatever order the driver picks; per-compilation
/// caches are filled by whichever callback gets there first. The diagnostics — where, which rule, and the exact
/// message text — must not depend on that: every analyzer runs twice over the same compilation (concurrent execution
/// on), then once over fresh compilations of the same files, and the three results must be identical.
/// One compilation holds most sources of the rule tests and the samples, each as its own file in its own namespace, so
/// hundreds of files are analyzed at once and the per-compilation caches are filled by whichever callback comes first.
/// </summary>
public sealed class DeterministicDiagnosticsTests
{
    [Fact]
    public async Task SameCompilationGivesTheSameDiagnosticsAndMessagesEveryRun()
    {
        var references = (await TestReferences.Net80WithRedis.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).AddRange(TestReferences.Steadfast);
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        // Each source gets a namespace of its own, so the many test classes named alike do not merge into one
        // ambiguous type. Sources that cannot be wrapped (top-level statements, file-scoped namespaces) and those that
        // declare stand-ins for framework or Redis types (which would make those types ambiguous for every other
        // file) get a compilation each; the rest share one.
        var shared = new List<SyntaxTree>();
        var standalone = new List<SyntaxTree>();
        foreach (var (source, i) in MutationCorpus.Sources.Select((source, i) => (source, i)))
        {
            var path = $"Corpus{i:D4}.cs";
            var root = CSharpSyntaxTree.ParseText(source, parse).GetCompilationUnitRoot();
            if (StandIn.IsMatch(source) || root.Members.Any(m => m is GlobalStatementSyntax or FileScopedNamespaceDeclarationSyntax))
            {
                standalone.Add(CSharpSyntaxTree.ParseText(source, parse, path));
                continue;
            }

            var wrapped = string.Concat(root.Externs.Select(e => e.ToFullString())) + string.Concat(root.Usings.Select(u => u.ToFullString()))
                + string.Concat(root.AttributeLists.Select(a => a.ToFullString()))
                + $"namespace Corpus{i:D4}\n{{\n" + string.Concat(root.Members.Select(m => m.ToFullString())) + "\n}\n";
            shared.Add(CSharpSyntaxTree.ParseText(wrapped, parse, path));
        }

        Compilation[] Compilations() =>
        [
            CSharpCompilation.Create("Determinism", shared, references, options),
            .. standalone.Select(t => CSharpCompilation.Create("Determinism", [t], references, options)),
        ];

        var compilations = Compilations();
        var first = await RunAsync(compilations);
        var second = await RunAsync(compilations);
        var fresh = await RunAsync(Compilations());

        // The corpus must exercise every rule, or the comparison says nothing about the rules it misses.
        var rules = first.Select(d => d.Split('\t')[0]).ToHashSet();
        Assert.All(AnalyzerCatalog.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct(), id => Assert.Contains(id, rules));
        AssertSame(first, second);
        AssertSame(first, fresh);
    }

    /// <summary>Equal lists, or a failure that shows the first pair of diagnostics that differ in full.</summary>
    private static void AssertSame(List<string> expected, List<string> actual)
    {
        for (var i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            if (expected[i] != actual[i])
                Assert.Fail($"Diagnostic {i} differs between runs:\n  {expected[i]}\n  {actual[i]}");
        }

        Assert.Equal(expected.Count, actual.Count);
    }

    private static readonly System.Text.RegularExpressions.Regex StandIn = new(@"namespace\s+(System|StackExchange|Steadfast)\b");

    private static async Task<List<string>> RunAsync(Compilation[] compilations)
    {
        var all = new List<string>();
        for (var i = 0; i < compilations.Length; i++)
            all.AddRange((await RunAsync(compilations[i])).Select(d => $"{d}\tcompilation {i}"));
        return all;
    }

    private static async Task<List<string>> RunAsync(Compilation compilation)
    {
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: null,
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false,
            reportSuppressedDiagnostics: false);
        var diagnostics = await compilation.WithAnalyzers(AnalyzerCatalog.Analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics.Select(Describe).Order(StringComparer.Ordinal).ToList();
    }

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        var additional = string.Join(";", diagnostic.AdditionalLocations.Select(l => l.GetLineSpan().ToString()));
        var properties = string.Join(";", diagnostic.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        return $"{diagnostic.Id}\t{span}\t{diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}\t{additional}\t{properties}";
    }
}
