using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Steadfast.Analyzers.Tests.Verifiers;
using Xunit.Abstractions;

namespace Steadfast.Analyzers.Tests.Meta;

/// <summary>
/// Every analyzer and every code fix over the whole corpus and over mutations of it — code as an IDE
/// sees it mid-typing. Any exception (an AD0001 for the user) fails the test, and every fix applied to
/// complete code must leave it compiling. CI samples the mutations; set STEADFAST_ROBUSTNESS_FULL=1 for
/// the long run (every mutation kind many times per source).
/// </summary>
public sealed class MutationRobustnessTests
{
    private readonly ITestOutputHelper _output;

    public MutationRobustnessTests(ITestOutputHelper output) => _output = output;

    private static bool FullRun => Environment.GetEnvironmentVariable("STEADFAST_ROBUSTNESS_FULL") == "1";

    [Fact]
    public void CorpusHasTheRuleTestsAndTheSamples() =>
        Assert.True(MutationCorpus.Sources.Count > 100, $"only {MutationCorpus.Sources.Count} sources found");

    [Fact]
    public async Task AnalyzersNeverThrowOnMutatedCode()
    {
        var references = await References();
        var analyzers = AnalyzerCatalog.Analyzers;
        var random = new Random(20261127);
        var perKind = FullRun ? 20 : 1;
        var failures = new List<string>();
        var runs = 0;

        foreach (var source in Sample(MutationCorpus.Sources, random, FullRun ? int.MaxValue : 120))
        {
            foreach (var (kind, text) in MutationCorpus.Mutate(source, random, perKind))
            {
                runs++;
                var exceptions = await RunAnalyzersAsync(text, analyzers, references);
                if (exceptions.Count > 0)
                    failures.Add($"[{kind}] {exceptions[0]}\n---\n{text}\n---");
            }
        }

        _output.WriteLine($"{runs} mutated sources analyzed by {analyzers.Length} analyzers");
        Assert.True(failures.Count == 0, $"{failures.Count} analyzer exceptions:\n{Headlines(failures)}\nfirst in full:\n{failures.FirstOrDefault()}");
    }

    [Fact]
    public async Task FixesNeverThrowOnMutatedCode_AndLeaveCompleteCodeCompiling()
    {
        var references = await References();
        var random = new Random(7);
        var failures = new List<string>();
        var fixesApplied = 0;

        var complete = MutationCorpus.Sources;
        var mutated = Sample(complete, random, FullRun ? int.MaxValue : 40)
            .SelectMany(s => MutationCorpus.Mutate(s, random, 1).Select(m => m.Text));

        foreach (var (text, isComplete) in complete.Select(s => (s, true)).Concat(mutated.Select(s => (s, false))))
        {
            try
            {
                fixesApplied += await ApplyEveryFixAsync(text, isComplete, references, failures);
            }
            catch (Exception exception)
            {
                failures.Add($"fixer threw: {exception}\n---\n{text}\n---");
            }
        }

        _output.WriteLine($"{fixesApplied} fixes applied");
        Assert.True(fixesApplied > 0, "no fix was exercised");
        Assert.True(failures.Count == 0, $"{failures.Count} failures:\n{Headlines(failures)}\nfirst in full:\n{failures.FirstOrDefault()}");
    }

    private static string Headlines(List<string> failures) =>
        string.Join("\n", failures.Select(f => "  " + f.Split('\n')[0]).Distinct().Take(20));

    private static async Task<ImmutableArray<MetadataReference>> References() =>
        (await TestReferences.Net80WithRedis.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).AddRange(TestReferences.Steadfast);

    private static IEnumerable<string> Sample(IReadOnlyList<string> sources, Random random, int count) =>
        count >= sources.Count ? sources : sources.OrderBy(_ => random.Next()).Take(count).ToList();

    private static CSharpCompilation Compile(string text, ImmutableArray<MetadataReference> references) =>
        CSharpCompilation.Create(
            "Mutant",
            [CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.CSharp12), path: "Mutant.cs")],
            references,
            new CSharpCompilationOptions(text.Contains("class ", StringComparison.Ordinal) ? OutputKind.DynamicallyLinkedLibrary : OutputKind.ConsoleApplication));

    private static async Task<List<Exception>> RunAnalyzersAsync(string text, ImmutableArray<DiagnosticAnalyzer> analyzers, ImmutableArray<MetadataReference> references)
    {
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) exceptions.Add(exception); },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        var diagnostics = await Compile(text, references).WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync();
        exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => new Exception(d.ToString())));
        return exceptions;
    }

    /// <summary>Runs each Steadfast diagnostic's fixes; on complete code the result must not add compile errors.</summary>
    private static async Task<int> ApplyEveryFixAsync(string text, bool isComplete, ImmutableArray<MetadataReference> references, List<string> failures)
    {
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var documentId = DocumentId.CreateNewId(projectId);
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Mutant", "Mutant", LanguageNames.CSharp,
                compilationOptions: Compile(text, references).Options,
                parseOptions: new CSharpParseOptions(LanguageVersion.CSharp12),
                metadataReferences: references))
            .AddDocument(documentId, "Mutant.cs", SourceText.From(text));
        var document = solution.GetDocument(documentId)!;
        var compilation = (await document.Project.GetCompilationAsync())!;
        var errorsBefore = compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var diagnostics = await compilation.WithAnalyzers(AnalyzerCatalog.Analyzers).GetAnalyzerDiagnosticsAsync();

        var applied = 0;
        foreach (var diagnostic in diagnostics.Where(d => d.Id.StartsWith("SF", StringComparison.Ordinal)))
        {
            foreach (var fixer in AnalyzerCatalog.Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
            {
                var actions = new List<CodeAction>();
                await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                foreach (var action in actions)
                {
                    var operations = await action.GetOperationsAsync(CancellationToken.None);
                    var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetDocument(documentId)!;
                    applied++;
                    if (!isComplete)
                        continue;
                    var fixedCompilation = (await changed.Project.GetCompilationAsync())!;
                    var errors = fixedCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                    if (errors.Count > errorsBefore)
                        failures.Add($"{diagnostic.Id} fix '{action.Title}' broke the build: {errors.First()}\n---\n{(await changed.GetTextAsync())}\n---");
                }
            }
        }

        return applied;
    }
}
