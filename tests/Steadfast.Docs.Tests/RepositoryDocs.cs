using System.Reflection;
using Steadfast.Docs.Tests.Snippets;

namespace Steadfast.Docs.Tests;

/// <summary>The Markdown the project publishes: README.md and every page under docs/.</summary>
internal static class RepositoryDocs
{
    public static string Root { get; } = typeof(RepositoryDocs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static IEnumerable<string> MarkdownFiles()
    {
        yield return "README.md";
        foreach (var path in Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            yield return Path.GetRelativePath(Root, path).Replace('\\', '/');
    }

    public static IReadOnlyList<CodeSnippet> Snippets(string file) =>
        MarkdownSnippetReader.Read(file, File.ReadAllText(Path.Combine(Root, file)));

    public static IEnumerable<CodeSnippet> CompiledSnippets() =>
        MarkdownFiles().SelectMany(Snippets).Where(s => s.IsCompiled);
}
