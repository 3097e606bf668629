using System.Text;
using System.Text.RegularExpressions;

namespace Steadfast.Docs.Tests.Snippets;

/// <summary>
/// Finds the fenced code blocks of a Markdown text (CommonMark fences: three or more backticks or tildes, indented by at
/// most three spaces, or inside a list item; closed by a fence of the same character at least as long).
/// </summary>
public static partial class MarkdownSnippetReader
{
    [GeneratedRegex(@"^(?<indent>\s*)(?<fence>`{3,}|~{3,})\s*(?<info>[^`]*)$")]
    private static partial Regex OpeningFence();

    public static IReadOnlyList<CodeSnippet> Read(string file, string markdown)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(markdown);

        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        var snippets = new List<CodeSnippet>();
        for (var i = 0; i < lines.Length; i++)
        {
            var opening = OpeningFence().Match(lines[i]);
            if (!opening.Success)
                continue;

            var indent = opening.Groups["indent"].Value.Length;
            var fence = opening.Groups["fence"].Value;
            var info = opening.Groups["info"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var firstCodeLine = i + 1;
            var closing = FindClosingFence(lines, firstCodeLine, fence);
            if (closing < 0)
                throw new FormatException($"{file}:{i + 1}: the code block opened here is never closed (expected a line of {fence}).");

            var code = new StringBuilder();
            for (var j = firstCodeLine; j < closing; j++)
                code.Append(Unindent(lines[j], indent)).Append('\n');

            snippets.Add(new CodeSnippet(file, firstCodeLine + 1, info.FirstOrDefault() ?? "", info.Skip(1).ToList(), code.ToString()));
            i = closing;
        }

        return snippets;
    }

    private static int FindClosingFence(string[] lines, int from, string fence)
    {
        for (var j = from; j < lines.Length; j++)
        {
            var trimmed = lines[j].Trim();
            if (trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]))
                return j;
        }

        return -1;
    }

    // A fence inside a list item is indented; its code lines carry the same indentation, which is not part of the code.
    private static string Unindent(string line, int indent)
    {
        var removable = 0;
        while (removable < indent && removable < line.Length && line[removable] == ' ')
            removable++;
        return line[removable..];
    }
}
