using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Steadfast.RealWorld.Compile;

/// <summary>A project compiled in memory, and whether its diagnostics count (it lies under the repository's analysed paths).</summary>
internal sealed record CompiledProject(SourceProject Project, CSharpCompilation Compilation, bool IsAnalyzed);

/// <summary>
/// Compiles a checked-out repository in memory, one compilation per project in project-reference order (a referenced
/// project is a compilation reference, so its types bind as they do in the owner's build). Nothing is emitted. Only the
/// projects under the analysed paths, and the projects they reference, are compiled.
/// </summary>
internal static class RepositoryCompiler
{
    // The newest target's symbols: multi-targeted code is read on its modern branch.
    private static readonly string[] PreprocessorSymbols =
    [
        "NET", "NETCOREAPP", "NET10_0", "RELEASE", "TRACE",
        .. Enumerable.Range(5, 6).Select(v => $"NET{v}_0_OR_GREATER"),
        "NETCOREAPP3_1_OR_GREATER", "NETCOREAPP3_0_OR_GREATER", "NETCOREAPP2_1_OR_GREATER", "NETCOREAPP2_0_OR_GREATER",
        "NETCOREAPP1_0_OR_GREATER", "NETSTANDARD2_1_OR_GREATER", "NETSTANDARD2_0_OR_GREATER",
    ];

    public static IEnumerable<CompiledProject> Compile(string root, IReadOnlyList<string> analysedPaths, ReferenceSet references, CancellationToken cancellationToken)
    {
        var projects = SourceProject.Discover(root);
        var byFile = projects.ToDictionary(p => p.ProjectFile, StringComparer.Ordinal);
        var analysedFolders = analysedPaths.Select(p => p == "." ? root : Path.GetFullPath(Path.Combine(root, p))).ToList();
        // A project is analysed when it lies under an analysed path, or an analysed path (a folder of a big project) lies in
        // it; which of its files count is then decided per file (IsAnalysedFile).
        bool IsAnalyzed(SourceProject p) => analysedFolders.Any(f => IsUnder(p.Folder, f) || IsUnder(f, p.Folder)
                                                                    || (p.AssemblyName == "LooseFiles" && p.Sources.Any(s => s.StartsWith(f, StringComparison.Ordinal))));

        var needed = new HashSet<SourceProject>();
        void Need(SourceProject p)
        {
            if (!needed.Add(p))
                return;
            foreach (var reference in p.ProjectReferences)
                if (byFile.TryGetValue(reference, out var dependency))
                    Need(dependency);
        }

        foreach (var project in projects.Where(IsAnalyzed))
            Need(project);

        var fromSource = needed.Select(p => p.AssemblyName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var withAspNetCore = references.For(fromSource, aspNetCore: true).ToList();
        var withoutAspNetCore = references.For(fromSource, aspNetCore: false).ToList();
        var aspNetCoreMemo = new Dictionary<SourceProject, bool>();
        bool UsesAspNetCore(SourceProject p, int depth = 0)
        {
            if (aspNetCoreMemo.TryGetValue(p, out var known))
                return known;
            var uses = p.UsesAspNetCore || (depth < 20 && p.ProjectReferences.Any(r => byFile.TryGetValue(r, out var d) && UsesAspNetCore(d, depth + 1)));
            aspNetCoreMemo[p] = uses;
            return uses;
        }

        var compiled = new Dictionary<SourceProject, CSharpCompilation>();
        var visiting = new HashSet<SourceProject>();

        CSharpCompilation Build(SourceProject project)
        {
            if (compiled.TryGetValue(project, out var done))
                return done;
            visiting.Add(project);
            var projectReferences = new List<MetadataReference>();
            foreach (var reference in project.ProjectReferences)
            {
                // A reference cycle (rare, and a broken build for its owner too) is cut rather than followed.
                if (byFile.TryGetValue(reference, out var dependency) && !visiting.Contains(dependency))
                    projectReferences.Add(Build(dependency).ToMetadataReference());
            }

            visiting.Remove(project);
            var compilation = CSharpCompilation.Create(
                project.AssemblyName,
                Parse(project, cancellationToken),
                (UsesAspNetCore(project) ? withAspNetCore : withoutAspNetCore).Concat(projectReferences),
                new CSharpCompilationOptions(
                    OutputKind.DynamicallyLinkedLibrary,
                    allowUnsafe: true,
                    nullableContextOptions: project.NullableEnabled ? NullableContextOptions.Enable : NullableContextOptions.Disable,
                    concurrentBuild: true));
            compiled[project] = compilation;
            return compilation;
        }

        foreach (var project in projects.Where(needed.Contains))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new CompiledProject(project, Build(project), IsAnalyzed(project));
        }
    }

    /// <summary>Whether a source file lies under one of the repository's analysed paths: only its findings and lines count.</summary>
    public static bool IsAnalysedFile(string root, IReadOnlyList<string> analysedPaths, string file) =>
        analysedPaths.Any(p => p == "." || IsUnder(Path.GetFullPath(file), Path.GetFullPath(Path.Combine(root, p))));

    private static bool IsUnder(string path, string folder) =>
        path == folder || path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static IEnumerable<SyntaxTree> Parse(SourceProject project, CancellationToken cancellationToken)
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Parse, SourceCodeKind.Regular, PreprocessorSymbols);
        foreach (var file in project.Sources)
        {
            using var stream = File.OpenRead(file);
            var text = SourceText.From(stream, throwIfBinaryDetected: false, canBeEmbedded: false);
            yield return CSharpSyntaxTree.ParseText(text, options, file, cancellationToken);
        }

        if (project.GlobalUsings.Count > 0)
        {
            var usings = string.Concat(project.GlobalUsings.Distinct(StringComparer.Ordinal).Select(u => $"global using global::{u};\n"));
            yield return CSharpSyntaxTree.ParseText(usings, options, Path.Combine(project.Folder, "obj", "GlobalUsings.g.cs"), cancellationToken: cancellationToken);
        }
    }
}
