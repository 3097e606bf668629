using Steadfast.Docs.Tests.Snippets;

namespace Steadfast.Docs.Tests;

public sealed class MarkdownSnippetReaderTests
{
    [Fact]
    public void Reads_each_fenced_block_with_its_language_options_and_first_code_line()
    {
        const string markdown = """
            # Title

            ```csharp
            var a = 1;
            ```

            Text.

            ```bash
            ls
            ```

            ~~~csharp nocompile
            this is not C#
            ~~~
            """;

        var snippets = MarkdownSnippetReader.Read("docs/x.md", markdown);

        Assert.Equal(3, snippets.Count);
        Assert.Equal(("csharp", 4, "var a = 1;\n", true), (snippets[0].Language, snippets[0].Line, snippets[0].Code, snippets[0].IsCompiled));
        Assert.Equal(("bash", 10, false), (snippets[1].Language, snippets[1].Line, snippets[1].IsCompiled));
        Assert.Equal(("csharp", 14, false), (snippets[2].Language, snippets[2].Line, snippets[2].IsCompiled));
        Assert.Equal(["nocompile"], snippets[2].Options);
    }

    [Fact]
    public void A_block_inside_a_list_item_loses_the_items_indentation()
    {
        const string markdown = "- step one:\n\n  ```csharp\n  if (true)\n      return;\n  ```\n";

        var snippet = Assert.Single(MarkdownSnippetReader.Read("a.md", markdown));

        Assert.Equal("if (true)\n    return;\n", snippet.Code);
        Assert.Equal(4, snippet.Line);
    }

    [Fact]
    public void A_longer_fence_is_closed_only_by_a_fence_at_least_as_long()
    {
        const string markdown = "````markdown\n```csharp\nx\n```\n````\n";

        var snippet = Assert.Single(MarkdownSnippetReader.Read("a.md", markdown));

        Assert.Equal("markdown", snippet.Language);
        Assert.Equal("```csharp\nx\n```\n", snippet.Code);
    }

    [Fact]
    public void An_unclosed_block_is_an_error_naming_the_file_and_line()
    {
        var error = Assert.Throws<FormatException>(() => MarkdownSnippetReader.Read("docs/broken.md", "text\n\n```csharp\nvar a = 1;\n"));

        Assert.StartsWith("docs/broken.md:3:", error.Message, StringComparison.Ordinal);
    }
}
