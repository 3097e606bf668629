namespace Steadfast.Docs.Tests.Snippets;

/// <summary>A compile error, located in the Markdown file the snippet came from.</summary>
public sealed record SnippetError(string File, int Line, int Column, string Id, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: error {Id}: {Message}";
}
