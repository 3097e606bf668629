namespace Steadfast.Docs.Tests.Snippets;

/// <summary>One fenced code block of a Markdown file.</summary>
/// <param name="File">The Markdown file, relative to the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the block's first code line (the line after the opening fence).</param>
/// <param name="Language">The info string's first word (<c>csharp</c>, <c>bash</c>, …), empty when there is none.</param>
/// <param name="Options">The info string's other words (<c>nocompile</c>, …).</param>
/// <param name="Code">The block's text, with the fence's indentation removed.</param>
public sealed record CodeSnippet(string File, int Line, string Language, IReadOnlyList<string> Options, string Code)
{
    /// <summary>The info string word that keeps a C# block out of the compile test (documented in docs/snippets.md).</summary>
    public const string NoCompile = "nocompile";

    public bool IsCSharp => Language is "csharp" or "cs" or "c#" or "C#";

    public bool IsCompiled => IsCSharp && !Options.Contains(NoCompile, StringComparer.OrdinalIgnoreCase);

    public string Location => $"{File}:{Line}";

    public override string ToString() => Location;
}
