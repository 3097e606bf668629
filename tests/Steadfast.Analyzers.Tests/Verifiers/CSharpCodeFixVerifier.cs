using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace Steadfast.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and its fix: markup source in, exact fixed source out. The fixed source must
/// compile and be free of the rule's diagnostic; FixAll in document, project and solution is
/// exercised by the framework on every call. The tree each fix produces must compile as produced, too
/// (the framework compiles the fixed source re-parsed from its text).
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyFixAsync(string source, string fixedSource, bool withSteadfast = false, string? equivalenceKey = null) =>
        VerifyFixAsync([source], [fixedSource], withSteadfast, equivalenceKey);

    public static Task VerifyFixAsync(string[] sources, string[] fixedSources, bool withSteadfast = false, string? equivalenceKey = null,
        OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary, DiagnosticResult[]? expected = null)
    {
        var test = new Test { CodeActionEquivalenceKey = equivalenceKey };
        // Diagnostics with additional locations cannot be written as [|…|] markup: pass them here.
        test.ExpectedDiagnostics.AddRange(expected ?? []);
        test.TestState.OutputKind = outputKind;
        test.FixedState.OutputKind = outputKind;
        foreach (var source in sources)
            test.TestState.Sources.Add(source);
        foreach (var fixedSource in fixedSources)
            test.FixedState.Sources.Add(fixedSource);
        if (withSteadfast)
        {
            test.TestState.AdditionalReferences.AddRange(TestReferences.Steadfast);
            test.FixedState.AdditionalReferences.AddRange(TestReferences.Steadfast);
        }

        return RunThenCompileProducedTreesAsync(test, sources, withSteadfast, equivalenceKey, outputKind);
    }

    private static async Task RunThenCompileProducedTreesAsync(Test test, string[] sources, bool withSteadfast, string? equivalenceKey, OutputKind outputKind)
    {
        await test.RunAsync(CancellationToken.None);
        await VerifyProducedTreesCompileAsync(sources, withSteadfast, equivalenceKey, outputKind);
    }

    /// <summary>
    /// The fix in an older project: <paramref name="target"/>'s reference assemblies and C# version (and its
    /// StackExchange.Redis build), exact output, and the produced tree compiled there as well.
    /// </summary>
    public static async Task VerifyFixForTargetAsync(string source, string fixedSource, FixTarget target, string? equivalenceKey = null)
    {
        var test = new Test { CodeActionEquivalenceKey = equivalenceKey, ReferenceAssemblies = target.ReferenceAssemblies, LanguageVersion = target.LanguageVersion };
        test.TestState.Sources.Add(source);
        test.FixedState.Sources.Add(fixedSource);
        test.TestState.AdditionalReferences.AddRange(target.AdditionalReferences);
        test.FixedState.AdditionalReferences.AddRange(target.AdditionalReferences);
        await test.RunAsync(CancellationToken.None);
        var references = (await target.ReferenceAssemblies.ResolveAsync(LanguageNames.CSharp, CancellationToken.None)).AddRange(target.AdditionalReferences);
        await VerifyProducedTreesCompileAsync([source], references, target.LanguageVersion, equivalenceKey, OutputKind.DynamicallyLinkedLibrary);
    }

    /// <summary>A diagnostic with no fix in an older project (<paramref name="target"/>): nothing it has would remove the bug.</summary>
    public static Task VerifyNoFixForTargetAsync(string source, FixTarget target, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = source, ReferenceAssemblies = target.ReferenceAssemblies, LanguageVersion = target.LanguageVersion };
        test.ExpectedDiagnostics.AddRange(expected);
        test.TestState.AdditionalReferences.AddRange(target.AdditionalReferences);
        test.FixedState.AdditionalReferences.AddRange(target.AdditionalReferences);
        return test.RunAsync(CancellationToken.None);
    }

    private static readonly Regex Markup = new(@"\[\||\|\]|\{\|#\d+:|\|\}|\{\|[A-Z]{2}\d{4}:", RegexOptions.Compiled);

    /// <summary>
    /// Applies each fix (with the equivalence key, if given) to each diagnostic and compiles the tree the fix
    /// produced, not its text re-parsed: a token built by SyntaxFactory can print right and bind wrong —
    /// <c>IdentifierName("_")</c> prints <c>_</c> but is a name lookup (CS0103), not a discard.
    /// </summary>
    private static async Task VerifyProducedTreesCompileAsync(string[] sources, bool withSteadfast, string? equivalenceKey, OutputKind outputKind)
    {
        var references = await TestReferences.Net80WithRedis.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        if (withSteadfast)
            references = references.AddRange(TestReferences.Steadfast);
        await VerifyProducedTreesCompileAsync(sources, references, LanguageVersion.CSharp12, equivalenceKey, outputKind);
    }

    private static async Task VerifyProducedTreesCompileAsync(string[] sources, IEnumerable<MetadataReference> references, LanguageVersion languageVersion, string? equivalenceKey, OutputKind outputKind)
    {
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Test", "Test", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(outputKind),
            parseOptions: new CSharpParseOptions(languageVersion),
            metadataReferences: references));
        for (var i = 0; i < sources.Length; i++)
            solution = solution.AddDocument(DocumentId.CreateNewId(projectId), $"Test{i}.cs", SourceText.From(Markup.Replace(sources[i], "")));
        var project = solution.GetProject(projectId)!;
        var compilation = (await project.GetCompilationAsync())!;
        var errorsBefore = compilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var fixer = new TCodeFix();
        var diagnostics = await compilation.WithAnalyzers([new TAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        foreach (var diagnostic in diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)))
        {
            var document = project.GetDocument(diagnostic.Location.SourceTree)!;
            var actions = new List<CodeAction>();
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
            foreach (var action in actions.Where(a => equivalenceKey == null || a.EquivalenceKey == equivalenceKey))
            {
                var operations = await action.GetOperationsAsync(CancellationToken.None);
                var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetProject(projectId)!;
                var errors = (await changed.GetCompilationAsync())!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                if (errors.Count > errorsBefore)
                {
                    var text = await changed.GetDocument(document.Id)!.GetTextAsync();
                    Assert.Fail($"fix '{action.Title}' for {diagnostic} produced a tree that does not compile as produced:\n{string.Join("\n", errors)}\n---\n{text}");
                }
            }
        }
    }

    /// <summary>The equivalence keys of the fixes offered for each of the rule's diagnostics in the source, in source order.</summary>
    public static async Task<IReadOnlyList<string?[]>> OfferedFixesAsync(string source, bool withSteadfast = false)
    {
        var references = await TestReferences.Net80WithRedis.ResolveAsync(LanguageNames.CSharp, CancellationToken.None);
        if (withSteadfast)
            references = references.AddRange(TestReferences.Steadfast);
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var solution = workspace.CurrentSolution.AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Test", "Test", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary),
            parseOptions: new CSharpParseOptions(LanguageVersion.CSharp12),
            metadataReferences: references));
        var documentId = DocumentId.CreateNewId(projectId);
        var document = solution.AddDocument(documentId, "Test0.cs", SourceText.From(Markup.Replace(source, ""))).GetDocument(documentId)!;
        var compilation = (await document.Project.GetCompilationAsync())!;
        var fixer = new TCodeFix();
        var diagnostics = await compilation.WithAnalyzers([new TAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        var offered = new List<string?[]>();
        foreach (var diagnostic in diagnostics.Where(d => fixer.FixableDiagnosticIds.Contains(d.Id)).OrderBy(d => d.Location.SourceSpan.Start))
        {
            var actions = new List<CodeAction>();
            await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
            offered.Add(actions.Select(a => a.EquivalenceKey).ToArray());
        }

        return offered;
    }

    /// <summary>A diagnostic the rule reports but for which no fix is offered (the shape is not safely rewritable).</summary>
    public static Task VerifyNoFixAsync(string source, params DiagnosticResult[] expected) => VerifyNoFixAsync(source, withSteadfast: false, expected);

    /// <summary>As above; <paramref name="withSteadfast"/> also references the Steadfast runtime (no Steadfast rewrite either).</summary>
    public static Task VerifyNoFixAsync(string source, bool withSteadfast, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        if (withSteadfast)
        {
            test.TestState.AdditionalReferences.AddRange(TestReferences.Steadfast);
            test.FixedState.AdditionalReferences.AddRange(TestReferences.Steadfast);
        }

        return test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.Net80WithRedis;
            SolutionTransforms.Add((solution, projectId) =>
            {
                var project = solution.GetProject(projectId)!;
                var parse = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion);
                return solution.WithProjectParseOptions(projectId, parse);
            });
        }

        /// <summary>C# 12 (what a .NET 8 project gets) unless a test of an older target says otherwise.</summary>
        public LanguageVersion LanguageVersion { get; init; } = LanguageVersion.CSharp12;
    }
}
