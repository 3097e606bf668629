namespace Steadfast.RealWorld.Data;

/// <summary>Tab-separated files with a header line; '#' lines are comments. Columns are read by header name.</summary>
internal static class Tsv
{
    public static IEnumerable<Dictionary<string, string>> Read(string path)
    {
        if (!File.Exists(path))
            yield break;

        string[]? header = null;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var cells = line.Split('\t');
            if (header is null)
            {
                header = cells;
                continue;
            }

            if (cells.Length < header.Length)
                throw new FormatException($"{path}:{lineNumber}: {cells.Length} columns, the header has {header.Length}");
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++)
                row[header[i]] = cells[i].Trim();
            yield return row;
        }
    }

    public static void Write(string path, IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new StreamWriter(path);
        writer.Write(string.Join('\t', header));
        writer.Write('\n');
        foreach (var row in rows)
        {
            writer.Write(string.Join('\t', row.Select(Clean)));
            writer.Write('\n');
        }
    }

    private static string Clean(string cell) => cell.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
}
