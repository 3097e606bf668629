using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Steadfast.Analyzers.SharedState;
using Steadfast.Analyzers.Tests.Verifiers;
using Xunit.Abstractions;

namespace Steadfast.Analyzers.Tests.SharedState;

/// <summary>Precision at scale: a few hundred files of correct service code, and not one SF3001–SF3003 warning.</summary>
public sealed class CleanServiceTreeTests(ITestOutputHelper output)
{
    public const int FileCount = 360;

    [Fact]
    public async Task SharedStateRulesReportNothingOnAGeneratedCleanServiceTree()
    {
        var files = CleanServiceTree.Generate(FileCount).ToList();
        var writeTo = Environment.GetEnvironmentVariable("STEADFAST_WRITE_CLEAN_TREE");
        if (!string.IsNullOrEmpty(writeTo))
        {
            foreach (var (path, source) in files)
            {
                var full = Path.Combine(writeTo, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, source);
            }
        }

        var references = await TestReferences.Net80WithRedis.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Source, parse, f.Path));
        var compilation = CSharpCompilation.Create("CleanTree", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Take(10)));

        DiagnosticAnalyzer[] analyzers =
        [
            new SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzer(),
            new SF3002InconsistentlyGuardedFieldAnalyzer(),
            new SF3003CheckThenActOnRedisKeyAnalyzer(),
        ];
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create(analyzers), new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None);
        foreach (var analyzer in analyzers)
        {
            var telemetry = await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
            output.WriteLine($"{analyzer.GetType().Name}: {telemetry.ExecutionTime.TotalMilliseconds:F0} ms");
        }

        output.WriteLine($"{files.Count} files, {diagnostics.Length} diagnostics");
        Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics.Take(20)));
    }
}
