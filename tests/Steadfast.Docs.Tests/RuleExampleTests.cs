using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;
using Steadfast.Docs.Tests.Snippets;

namespace Steadfast.Docs.Tests;

/// <summary>
/// The examples of each analyzer rule's page (docs/rules/SFxxxx.md) say what the rule does: a line marked
/// <c>// SFxxxx</c> gets that diagnostic, and no other line of the page's blocks does (the fixed code, the
/// suppressed code).
/// </summary>
public sealed class RuleExampleTests
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers =
        [.. typeof(Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)];

    public static TheoryData<string, int> RuleSnippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var snippet in RepositoryDocs.CompiledSnippets().Where(s => s.File.StartsWith("docs/rules/SF", StringComparison.Ordinal)))
            data.Add(snippet.File, snippet.Line);
        return data;
    }

    [Theory]
    [MemberData(nameof(RuleSnippets))]
    public async Task Exactly_the_marked_lines_get_the_pages_rule(string file, int line)
    {
        var snippet = RepositoryDocs.Snippets(file).Single(s => s.Line == line);
        var rule = Path.GetFileNameWithoutExtension(file);
        var marked = snippet.Code.Split('\n')
            .Select((text, index) => (text, Line: snippet.Line + index))
            .Where(l => l.text.Contains("// " + rule, StringComparison.Ordinal))
            .Select(l => l.Line)
            .ToList();

        var reported = (await SnippetCompiler.Default.AnalyzeAsync(snippet, Analyzers))
            .Where(d => d.Id == rule).Select(d => d.Line).Distinct().Order().ToList();

        Assert.True(marked.SequenceEqual(reported),
            $"{snippet.Location}: lines marked '// {rule}': [{string.Join(", ", marked)}]; {rule} reported on: [{string.Join(", ", reported)}].");
    }

    [Fact]
    public void Every_rule_page_has_a_flagged_example()
    {
        var flagged = RepositoryDocs.CompiledSnippets()
            .Where(s => s.File.StartsWith("docs/rules/SF", StringComparison.Ordinal))
            .Where(s => s.Code.Contains("// " + Path.GetFileNameWithoutExtension(s.File), StringComparison.Ordinal))
            .Select(s => s.File).ToHashSet();
        var pages = Directory.EnumerateFiles(Path.Combine(RepositoryDocs.Root, "docs", "rules"), "SF*.md")
            .Select(p => "docs/rules/" + Path.GetFileName(p));

        Assert.All(pages, page => Assert.Contains(page, flagged));
    }
}
