using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Steadfast.Analyzers.Locks;
using Steadfast.RealWorld.Compile;
using Steadfast.RealWorld.Data;

namespace Steadfast.RealWorld.Analysis;

/// <summary>What one repository gave: its findings, its size, and any analyzer exception (each one a bug: AD0001).</summary>
internal sealed record RepositoryResult(Repository Repository, IReadOnlyList<Finding> Findings, int Files, int Lines, IReadOnlyList<string> AnalyzerExceptions, TimeSpan Elapsed);

/// <summary>Runs every Steadfast analyzer over a repository's analysed projects, as the compiler would in its build.</summary>
internal static class RepositoryAnalyzer
{
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } =
    [
        .. typeof(SF1001LockReleasedWithoutOwnershipCheckAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttributes(typeof(DiagnosticAnalyzerAttribute), false).Length > 0)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!),
    ];

    public static async Task<RepositoryResult> AnalyzeAsync(Repository repository, string checkout, ReferenceSet references, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var findings = new List<Finding>();
        var exceptions = new ConcurrentBag<string>();
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        var lines = 0;
        foreach (var project in RepositoryCompiler.Compile(checkout, repository.Paths, references, cancellationToken))
        {
            if (!project.IsAnalyzed)
                continue;
            bool Counts(string file) => RepositoryCompiler.IsAnalysedFile(checkout, repository.Paths, file);
            foreach (var tree in project.Compilation.SyntaxTrees.Where(t => File.Exists(t.FilePath) && Counts(t.FilePath) && seenFiles.Add(t.FilePath)))
                lines += tree.GetText(cancellationToken).Lines.Count;

            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]),
                onAnalyzerException: (exception, analyzer, diagnostic) =>
                    exceptions.Add($"{analyzer.GetType().Name} in {project.Project.ProjectFile}: {exception.GetType().Name}: {exception.Message} {diagnostic.Location}"),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false,
                reportSuppressedDiagnostics: false);
            var withAnalyzers = project.Compilation.WithAnalyzers(AllAnalyzers, options);
            var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync(cancellationToken);
            foreach (var diagnostic in diagnostics)
            {
                if (diagnostic.Id == "AD0001")
                    exceptions.Add($"{project.Project.ProjectFile}: {diagnostic.GetMessage()}");
                if (!diagnostic.Id.StartsWith("SF", StringComparison.Ordinal) || !diagnostic.Location.IsInSource || !Counts(diagnostic.Location.SourceTree!.FilePath))
                    continue;
                var span = diagnostic.Location.GetLineSpan();
                findings.Add(new Finding(
                    repository.Name, repository.Commit,
                    Path.GetRelativePath(checkout, span.Path).Replace('\\', '/'),
                    span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1,
                    diagnostic.Id, diagnostic.GetMessage()));
            }
        }

        var distinct = findings.Distinct()
            .OrderBy(f => f.Path, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column).ThenBy(f => f.Rule, StringComparer.Ordinal)
            .ToList();
        return new RepositoryResult(repository, distinct, seenFiles.Count, lines, [.. exceptions], System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}
