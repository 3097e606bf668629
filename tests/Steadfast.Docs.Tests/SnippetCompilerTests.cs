using Steadfast.Docs.Tests.Snippets;

namespace Steadfast.Docs.Tests;

/// <summary>The compile test can fail, and says where: broken snippets here, never in the docs.</summary>
public sealed class SnippetCompilerTests
{
    private static CodeSnippet OnlySnippet(string markdown) => Assert.Single(MarkdownSnippetReader.Read("docs/example.md", markdown));

    [Fact]
    public void A_broken_snippet_fails_with_the_markdown_file_line_and_error()
    {
        var snippet = OnlySnippet("Intro.\n\n```csharp\nvar lease = TimeSpan.FromSeconds(30);\nint seconds = lease;\n```\n");

        var error = Assert.Single(SnippetCompiler.Default.Compile(snippet));

        Assert.Equal(("docs/example.md", 5, "CS0029"), (error.File, error.Line, error.Id));
        Assert.StartsWith("docs/example.md:5:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_call_to_a_member_Steadfast_does_not_have_fails()
    {
        var snippet = OnlySnippet("```csharp\nawait using var handle = await locks.AcquireAsync(\"orders:42\");\nhandle.Renew();\n```\n");

        var error = Assert.Single(SnippetCompiler.Default.Compile(snippet));

        Assert.Equal(("docs/example.md", 3, "CS1061"), (error.File, error.Line, error.Id));
    }

    [Fact]
    public void A_fragment_binds_the_prelude_and_the_library_namespaces()
    {
        var snippet = OnlySnippet("""
            ```csharp
            await using var handle = await locks.AcquireAsync("orders:42", new LockOptions { Lease = TimeSpan.FromSeconds(30) }, ct);
            var writer = new RedisFencedWriter(db);
            await writer.TrySetAsync("orders:42:state", "shipped", handle.FencingToken);
            ```
            """);

        Assert.Empty(SnippetCompiler.Default.Compile(snippet));
    }

    [Fact]
    public void A_snippet_that_writes_usings_must_write_all_it_needs()
    {
        var snippet = OnlySnippet("""
            ```csharp
            using StackExchange.Redis;

            var options = new LockOptions { Lease = TimeSpan.FromSeconds(30) };
            ```
            """);

        var error = Assert.Single(SnippetCompiler.Default.Compile(snippet));

        Assert.Equal(("docs/example.md", 4, "CS0246"), (error.File, error.Line, error.Id));
    }

    [Fact]
    public void Type_declarations_alone_compile_as_a_library()
    {
        var snippet = OnlySnippet("```csharp\npublic sealed class OrderWorker(IDistributedLockProvider locks)\n{\n    public Task RunAsync(CancellationToken ct) => locks.AcquireAsync(\"x\", cancellationToken: ct).AsTask();\n}\n```\n");

        Assert.Empty(SnippetCompiler.Default.Compile(snippet));
    }
}
