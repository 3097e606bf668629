using Steadfast.Docs.Tests.Snippets;

namespace Steadfast.Docs.Tests;

/// <summary>Every C# block of README.md and docs/ compiles (issue 17): one test case per block, named by file and line.</summary>
public sealed class DocsSnippetTests
{
    public static TheoryData<string, int> CompiledSnippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var snippet in RepositoryDocs.CompiledSnippets())
            data.Add(snippet.File, snippet.Line);
        return data;
    }

    [Theory]
    [MemberData(nameof(CompiledSnippets))]
    public void Snippet_compiles(string file, int line)
    {
        var snippet = RepositoryDocs.Snippets(file).Single(s => s.Line == line);

        var errors = SnippetCompiler.Default.Compile(snippet);

        Assert.True(errors.Count == 0,
            $"The C# block at {snippet.Location} does not compile (conventions: docs/snippets.md):\n" + string.Join('\n', errors));
    }

    [Fact]
    public void Every_page_with_CSharp_blocks_is_seen()
    {
        // Guards the enumeration itself: the README and each primitive's page have C# blocks, and they are all compiled
        // unless marked nocompile.
        string[] pages = ["README.md", "docs/getting-started.md", "docs/locks.md", "docs/queues.md", "docs/circuit-breakers.md", "docs/rate-limiting.md", "docs/redundancy.md", "docs/hosting.md", "docs/rules/SF1001.md", "docs/rules/SF4002.md"];
        var compiledFiles = RepositoryDocs.CompiledSnippets().Select(s => s.File).ToHashSet();

        Assert.All(pages, page => Assert.Contains(page, compiledFiles));
    }

    [Fact]
    public void Every_CSharp_block_of_the_docs_is_compiled()
    {
        // docs/snippets.md: nocompile is for a shape rather than a program, and there are none; a page that needs one
        // must first say why there.
        var uncompiled = RepositoryDocs.MarkdownFiles().SelectMany(RepositoryDocs.Snippets)
            .Where(s => s.IsCSharp && !s.IsCompiled).Select(s => s.File);

        Assert.Empty(uncompiled);
    }
}
