namespace Steadfast.AnalyzerCost.RealCode;

/// <summary>
/// bench/analyzer-cost.md holds two generated parts: the generated tree's report (the <c>measure</c> command) and the
/// real code bases' section (the <c>realcode</c> command), between markers. Each command rewrites only its own part.
/// </summary>
internal static class ReportFile
{
    private const string Begin = "<!-- realcode:begin (written by the realcode command) -->";
    private const string End = "<!-- realcode:end -->";

    /// <summary>Writes the real code bases' section, keeping the rest of the file.</summary>
    public static void ReplaceSection(string path, string section)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "";
        var (before, _, after) = Split(text);
        Write(path, before.TrimEnd() + "\n\n" + Begin + "\n\n" + section.TrimEnd() + "\n\n" + End + "\n" + after);
    }

    /// <summary>Writes the generated tree's report, keeping the real code bases' section if the file has one.</summary>
    public static void ReplaceTreeReport(string path, string treeReport)
    {
        var existing = File.Exists(path) ? Split(File.ReadAllText(path)).Section : null;
        Write(path, existing == null ? treeReport : treeReport.TrimEnd() + "\n\n" + Begin + existing + End + "\n");
    }

    private static (string Before, string? Section, string After) Split(string text)
    {
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
            return (text, null, "");
        return (text[..begin], text[(begin + Begin.Length)..end], text[(end + End.Length)..].TrimStart('\n'));
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
