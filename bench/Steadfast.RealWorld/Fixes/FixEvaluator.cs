using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Steadfast.Analyzers.Locks;
using Steadfast.RealWorld.Analysis;
using Steadfast.RealWorld.Compile;
using Steadfast.RealWorld.Data;

namespace Steadfast.RealWorld.Fixes;

/// <summary>
/// Applies every fix Steadfast offers for each diagnostic judged a real bug, as an IDE or <c>dotnet format analyzers</c>
/// does (<see cref="CodeFixProvider.RegisterCodeFixesAsync"/>, then the action's <see cref="ApplyChangesOperation"/>), in
/// an <see cref="AdhocWorkspace"/> holding the repository's projects. The workspace is compiled for the project's oldest
/// target framework (its reference assemblies, its <c>#if</c> symbols, its C# version, its StackExchange.Redis pin), so
/// a fix sees the fewest APIs it may use; when the rule does not report there (the code sits in a newer target's
/// <c>#if</c> branch) the next target is tried. The fixed project is then compiled for every target it declares, and the
/// errors the fix added (errors the unfixed code has on that target do not count) are recorded with the diff.
/// </summary>
internal sealed class FixEvaluator
{
    private static readonly ImmutableArray<CodeFixProvider> Fixers =
    [
        .. typeof(SF1001LockReleasedWithoutOwnershipCheckFixer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(ExportCodeFixProviderAttribute), false).Length > 0)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!),
    ];

    private readonly TargetReferences _references;
    private readonly string _diffFolder;

    public FixEvaluator(TargetReferences references, string diffFolder)
    {
        _references = references;
        _diffFolder = diffFolder;
    }

    public async Task<List<FixOutcome>> EvaluateAsync(Repository repository, string checkout, IReadOnlyList<Finding> bugs, CancellationToken cancellationToken)
    {
        var outcomes = new List<FixOutcome>();
        var projects = SourceProject.Discover(checkout);
        var repo = new RepositoryModel(checkout, projects);
        var remaining = bugs.ToList();
        foreach (var owner in projects.Where(p => remaining.Any(b => p.Sources.Contains(Path.Combine(checkout, b.Path)))).ToList())
        {
            var mine = remaining.Where(b => owner.Sources.Contains(Path.Combine(checkout, b.Path))).ToList();
            var settings = repo.Settings(owner);
            foreach (var context in settings.Targets.Append(null).Distinct())
            {
                if (mine.Count == 0)
                    break;
                // null: the analyze run's own view (net10.0, latest C#), for code only a target we cannot compile reaches.
                var target = context ?? TargetFramework.Parse("net10.0")!;
                var workspace = repo.CreateWorkspace(owner, target, _references, analyzeView: context is null);
                var solution = workspace.CurrentSolution;
                var projectId = repo.ProjectId(owner);
                var diagnostics = await AnalyzeAsync(solution.GetProject(projectId)!, cancellationToken);
                foreach (var bug in mine.ToList())
                {
                    var diagnostic = diagnostics.FirstOrDefault(d => d.Id == bug.Rule && Line(d) == bug.Line && RelativePath(checkout, d) == bug.Path);
                    if (diagnostic is null)
                        continue;
                    mine.Remove(bug);
                    remaining.Remove(bug);
                    var contextName = context is null ? "net10.0 (analysis view)" : target.Moniker;
                    var reportedBefore = await ReportedInDocumentAsync(solution.GetDocument(diagnostic.Location.SourceTree)!, bug.Rule, cancellationToken);
                    outcomes.AddRange(await FixAsync(repository, checkout, repo, owner, solution, diagnostic, bug, contextName, reportedBefore, cancellationToken));
                }
            }
        }

        // Judged bugs the rules no longer report in this run are left to the analyze run's scorecard.
        foreach (var bug in remaining)
            Console.Error.WriteLine($"  {bug.Rule} {bug.Path}:{bug.Line}: not reproduced in the fix workspace");
        return outcomes;
    }

    private async Task<List<FixOutcome>> FixAsync(Repository repository, string checkout, RepositoryModel repo, SourceProject owner, Solution solution,
        Diagnostic diagnostic, Finding bug, string context, int reportedBefore, CancellationToken cancellationToken)
    {
        var outcomes = new List<FixOutcome>();
        var document = solution.GetDocument(diagnostic.Location.SourceTree)!;
        var actions = new List<CodeAction>();
        string? problem = null;
        foreach (var fixer in Fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
        {
            try
            {
                await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                problem = $"{fixer.GetType().Name} threw {exception.GetType().Name}: {exception.Message}";
            }
        }

        if (actions.Count == 0)
        {
            outcomes.Add(new FixOutcome(repository.Name, repository.Commit, bug.Path, bug.Line, bug.Rule, FixOutcome.NoFix, context, [], false, "", "", problem));
            return outcomes;
        }

        foreach (var (action, index) in actions.Select((a, i) => (a, i)))
        {
            Solution? changed = null;
            problem = null;
            try
            {
                var operations = await action.GetOperationsAsync(cancellationToken);
                changed = operations.OfType<ApplyChangesOperation>().FirstOrDefault()?.ChangedSolution;
                if (changed is null)
                    problem = "no change";
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                problem = $"threw {exception.GetType().Name}: {exception.Message}";
            }

            var diff = changed is null ? "" : await DiffAsync(checkout, solution, changed, cancellationToken);
            if (changed != null && diff.Length == 0)
                problem = "no change";
            var builds = new List<TargetBuild>();
            var stillReported = false;
            if (changed != null && problem is null)
            {
                var changedProjects = changed.GetChanges(solution).GetProjectChanges().Select(c => c.ProjectId).Append(repo.ProjectId(owner)).Distinct().ToList();
                foreach (var target in repo.Settings(owner).Targets)
                {
                    var newErrors = new List<string>();
                    foreach (var projectId in changedProjects)
                    {
                        var before = repo.Errors(solution, projectId, target, _references, original: true);
                        var after = repo.Errors(changed, projectId, target, _references, original: false);
                        newErrors.AddRange(NewErrors(before, after));
                    }

                    builds.Add(new TargetBuild(target.Moniker, _references.Describe(target, repo.Settings(owner).RedisVersion), newErrors));
                }

                // The rule reports as often in the file as before: the fix did not take this diagnostic away.
                stillReported = await ReportedInDocumentAsync(changed.GetDocument(document.Id)!, bug.Rule, cancellationToken) >= reportedBefore;
            }

            var hash = diff.Length == 0 ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(diff)))[..10].ToLowerInvariant();
            var outcome = new FixOutcome(repository.Name, repository.Commit, bug.Path, bug.Line, bug.Rule, action.Title, context, builds, stillReported, diff, hash, problem);
            await WriteDiffAsync(repository, outcome, index);
            outcomes.Add(outcome);
        }

        return outcomes;
    }

    private static IEnumerable<string> NewErrors(IReadOnlyList<(string Key, string Where)> before, IReadOnlyList<(string Key, string Where)> after)
    {
        var counts = before.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var error in after)
        {
            if (counts.TryGetValue(error.Key, out var n) && n > 0)
                counts[error.Key] = n - 1;
            else
                yield return $"{error.Where}: {error.Key}";
        }
    }

    private async Task WriteDiffAsync(Repository repository, FixOutcome outcome, int index)
    {
        var folder = Path.Combine(_diffFolder, repository.FolderName);
        Directory.CreateDirectory(folder);
        var name = $"{outcome.Rule}-{outcome.Path.Replace('/', '_')}-L{outcome.Line}-{index + 1}.diff";
        var header = new StringBuilder();
        header.AppendLine(CultureInfo.InvariantCulture, $"# {outcome.Rule} {outcome.Repo} {outcome.Path}:{outcome.Line}");
        header.AppendLine(CultureInfo.InvariantCulture, $"# fix: {outcome.Fix}   (ran in {outcome.Context})");
        header.AppendLine(CultureInfo.InvariantCulture, $"# builds: {outcome.BuildSummary}{(outcome.StillReported ? "   [rule still reports in this file]" : "")}");
        foreach (var build in outcome.Builds)
        {
            header.AppendLine(CultureInfo.InvariantCulture, $"#   {build.References}");
            foreach (var error in build.NewErrors.Take(8))
                header.AppendLine(CultureInfo.InvariantCulture, $"#     {error}");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, name), header + outcome.Diff);
    }

    private static async Task<string> DiffAsync(string checkout, Solution before, Solution after, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var changes = after.GetChanges(before);
        foreach (var project in changes.GetProjectChanges())
        {
            foreach (var id in project.GetChangedDocuments(onlyGetDocumentsWithTextChanges: true).Concat(project.GetAddedDocuments()))
            {
                var old = before.GetDocument(id) is { } o ? (await o.GetTextAsync(cancellationToken)).ToString() : "";
                var updated = after.GetDocument(id)!;
                var path = Path.GetRelativePath(checkout, updated.FilePath ?? updated.Name).Replace('\\', '/');
                text.Append(await UnifiedDiffAsync(path, old, (await updated.GetTextAsync(cancellationToken)).ToString()));
            }
        }

        return text.ToString();
    }

    private static async Task<string> UnifiedDiffAsync(string path, string before, string after)
    {
        var folder = Directory.CreateTempSubdirectory("steadfast-fix-");
        try
        {
            var a = Path.Combine(folder.FullName, "a");
            var b = Path.Combine(folder.FullName, "b");
            await File.WriteAllTextAsync(a, before);
            await File.WriteAllTextAsync(b, after);
            using var process = Process.Start(new ProcessStartInfo("diff", ["-u", "--label", "a/" + path, "--label", "b/" + path, a, b])
            { RedirectStandardOutput = true, UseShellExecute = false })!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return output;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Project project, CancellationToken cancellationToken)
    {
        var compilation = (await project.GetCompilationAsync(cancellationToken))!;
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
        return await compilation.WithAnalyzers(RepositoryAnalyzer.AllAnalyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken);
    }

    /// <summary>The rule's diagnostics in one document (its semantic model only: cheap enough to run after every fix).</summary>
    private static async Task<int> ReportedInDocumentAsync(Document document, string rule, CancellationToken cancellationToken)
    {
        var compilation = (await document.Project.GetCompilationAsync(cancellationToken))!;
        var model = compilation.GetSemanticModel((await document.GetSyntaxTreeAsync(cancellationToken))!);
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);
        var analyzers = RepositoryAnalyzer.AllAnalyzers.Where(a => a.SupportedDiagnostics.Any(d => d.Id == rule)).ToImmutableArray();
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerSemanticDiagnosticsAsync(model, null, cancellationToken);
        return diagnostics.Count(d => d.Id == rule);
    }

    private static int Line(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1;

    private static string RelativePath(string checkout, Diagnostic diagnostic) =>
        Path.GetRelativePath(checkout, diagnostic.Location.GetLineSpan().Path).Replace('\\', '/');

    /// <summary>The repository's projects as a workspace, and their compilations per target, memoised for one repository.</summary>
    private sealed class RepositoryModel(string checkout, List<SourceProject> projects)
    {
        private readonly Dictionary<string, SourceProject> _byFile = projects.ToDictionary(p => p.ProjectFile, StringComparer.Ordinal);
        private readonly Dictionary<SourceProject, ProjectId> _ids = projects.ToDictionary(p => p, _ => Microsoft.CodeAnalysis.ProjectId.CreateNewId());
        private readonly Dictionary<SourceProject, ProjectSettings> _settings = [];
        private readonly Dictionary<(Microsoft.CodeAnalysis.ProjectId, string), IReadOnlyList<(string, string)>> _originalErrors = [];
        private readonly Dictionary<string, SourceText> _texts = new(StringComparer.Ordinal);

        public ProjectId ProjectId(SourceProject project) => _ids[project];

        public ProjectSettings Settings(SourceProject project)
        {
            if (!_settings.TryGetValue(project, out var settings))
                _settings[project] = settings = ProjectSettings.Read(project, checkout);
            return settings;
        }

        private SourceProject Project(ProjectId id) => _ids.First(p => p.Value == id).Key;

        private IEnumerable<SourceProject> Dependencies(SourceProject project) =>
            project.ProjectReferences.Select(r => _byFile.GetValueOrDefault(r)).OfType<SourceProject>();

        private bool UsesAspNetCore(SourceProject project, int depth = 0) =>
            project.UsesAspNetCore || (depth < 20 && Dependencies(project).Any(d => UsesAspNetCore(d, depth + 1)));

        private IReadOnlySet<string> BuiltFromSource() => projects.Select(p => p.AssemblyName).ToHashSet(StringComparer.OrdinalIgnoreCase);

        private CSharpParseOptions ParseOptions(SourceProject project, TargetFramework target, bool analyzeView) =>
            new(analyzeView ? LanguageVersion.Preview : Settings(project).LanguageVersionFor(target), DocumentationMode.Parse, SourceCodeKind.Regular, target.PreprocessorSymbols());

        private CSharpCompilationOptions CompilationOptions(SourceProject project) =>
            new(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, concurrentBuild: true,
                nullableContextOptions: project.NullableEnabled ? NullableContextOptions.Enable : NullableContextOptions.Disable);

        private SourceText Text(string file)
        {
            if (!_texts.TryGetValue(file, out var text))
            {
                using var stream = File.OpenRead(file);
                _texts[file] = text = SourceText.From(stream, throwIfBinaryDetected: false, canBeEmbedded: false);
            }

            return text;
        }

        /// <summary>The project and everything it references, compiled for <paramref name="target"/>.</summary>
        public AdhocWorkspace CreateWorkspace(SourceProject root, TargetFramework target, TargetReferences references, bool analyzeView)
        {
            var needed = new List<SourceProject>();
            void Need(SourceProject p)
            {
                if (needed.Contains(p))
                    return;
                needed.Add(p);
                foreach (var d in Dependencies(p))
                    Need(d);
            }

            Need(root);
            var fromSource = BuiltFromSource();
            var infos = needed.Select(p =>
            {
                var id = _ids[p];
                var documents = p.Sources.Select(f => DocumentInfo.Create(DocumentId.CreateNewId(id), Path.GetFileName(f),
                    loader: TextLoader.From(TextAndVersion.Create(Text(f), VersionStamp.Default, f)), filePath: f)).ToList();
                if (p.GlobalUsings.Count > 0)
                {
                    var usings = string.Concat(p.GlobalUsings.Distinct(StringComparer.Ordinal).Select(u => $"global using global::{u};\n"));
                    var file = Path.Combine(p.Folder, "obj", "GlobalUsings.g.cs");
                    documents.Add(DocumentInfo.Create(DocumentId.CreateNewId(id), "GlobalUsings.g.cs",
                        loader: TextLoader.From(TextAndVersion.Create(SourceText.From(usings), VersionStamp.Default, file)), filePath: file));
                }

                return ProjectInfo.Create(id, VersionStamp.Default, p.AssemblyName, p.AssemblyName, LanguageNames.CSharp,
                    filePath: File.Exists(p.ProjectFile) ? p.ProjectFile : null,
                    compilationOptions: CompilationOptions(p),
                    parseOptions: ParseOptions(p, target, analyzeView),
                    documents: documents,
                    projectReferences: Dependencies(p).Where(needed.Contains).Select(d => new ProjectReference(_ids[d])),
                    metadataReferences: references.For(target, UsesAspNetCore(p), Settings(p).RedisVersion, fromSource));
            }).ToList();
            var workspace = new AdhocWorkspace();
            workspace.AddSolution(SolutionInfo.Create(SolutionId.CreateNewId(), VersionStamp.Default, projects: infos));
            return workspace;
        }

        /// <summary>The compile errors of one project of <paramref name="solution"/> built for <paramref name="target"/>.</summary>
        public IReadOnlyList<(string Key, string Where)> Errors(Solution solution, ProjectId id, TargetFramework target, TargetReferences references, bool original)
        {
            if (original && _originalErrors.TryGetValue((id, target.Moniker), out var known))
                return known;
            var memo = new Dictionary<ProjectId, CSharpCompilation>();
            var compilation = Compile(solution, id, target, references, memo, depth: 0);
            var errors = compilation.GetDiagnostics()
                .Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => (d.Id + " " + d.GetMessage(CultureInfo.InvariantCulture),
                    d.Location.IsInSource ? $"{Path.GetRelativePath(checkout, d.Location.GetLineSpan().Path)}:{d.Location.GetLineSpan().StartLinePosition.Line + 1}" : "-"))
                .ToList();
            if (original)
                _originalErrors[(id, target.Moniker)] = errors;
            return errors;
        }

        private CSharpCompilation Compile(Solution solution, ProjectId id, TargetFramework target, TargetReferences references, Dictionary<ProjectId, CSharpCompilation> memo, int depth)
        {
            if (memo.TryGetValue(id, out var done))
                return done;
            var project = solution.GetProject(id)!;
            var source = Project(id);
            var parse = ParseOptions(source, target, analyzeView: false);
            var trees = project.Documents.Select(d => CSharpSyntaxTree.ParseText(d.GetTextAsync().Result, parse, d.FilePath ?? d.Name)).ToList();
            var dependencies = depth > 20 ? [] : project.ProjectReferences
                .Where(r => solution.GetProject(r.ProjectId) != null)
                .Select(r => Compile(solution, r.ProjectId, target, references, memo, depth + 1).ToMetadataReference())
                .ToList();
            var compilation = CSharpCompilation.Create(source.AssemblyName, trees,
                references.For(target, UsesAspNetCore(source), Settings(source).RedisVersion, BuiltFromSource()).Concat(dependencies),
                CompilationOptions(source));
            memo[id] = compilation;
            return compilation;
        }
    }
}
