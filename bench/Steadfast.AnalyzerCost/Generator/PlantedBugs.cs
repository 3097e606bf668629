using System.Text.RegularExpressions;

namespace Steadfast.AnalyzerCost;

/// <summary>A planted bug: the file, the 1-based line marked <c>// PLANTED SFxxxx</c>, and the rule.</summary>
public sealed record PlantedBug(string Path, int Line, string Rule);

/// <summary>
/// A line of clean code that a rule flags although it is not the bug the rule describes, marked
/// <c>// KNOWN FP SFxxxx: why</c> so the report lists it as the rule's false positive instead of hiding it.
/// </summary>
public sealed record KnownFalsePositive(string Path, int Line, string Rule, string Why);

/// <summary>A Steadfast diagnostic as a build or a compilation reported it.</summary>
public sealed record ReportedDiagnostic(string Path, int Line, string Rule, string Message);

/// <summary>Recall per rule and every diagnostic that is not on a planted line.</summary>
public sealed class ScoreCard
{
    public required IReadOnlyList<string> Rules { get; init; }
    public required IReadOnlyDictionary<string, int> Planted { get; init; }
    public required IReadOnlyDictionary<string, int> Found { get; init; }
    public required IReadOnlyList<PlantedBug> Missed { get; init; }
    /// <summary>Every diagnostic not on a planted line: false positives, known or not.</summary>
    public required IReadOnlyList<ReportedDiagnostic> Unplanted { get; init; }

    /// <summary>The unplanted diagnostics on lines marked as a known false positive of that rule.</summary>
    public required IReadOnlyList<ReportedDiagnostic> KnownFalsePositives { get; init; }

    /// <summary>The unplanted diagnostics nobody expected: a generator mistake or a new false positive.</summary>
    public required IReadOnlyList<ReportedDiagnostic> UnexpectedFalsePositives { get; init; }

    /// <summary>Known false positives that no longer occur (the rule was fixed: remove the marker).</summary>
    public required IReadOnlyList<KnownFalsePositive> KnownFalsePositivesGone { get; init; }

    public double Recall(string rule) => Planted.TryGetValue(rule, out var p) && p > 0 ? (double)Found.GetValueOrDefault(rule) / p : double.NaN;

    public bool Perfect => Missed.Count == 0 && Unplanted.Count == 0;

    /// <summary>Full recall, and nothing flagged beyond the marked known false positives (all of which still occur).</summary>
    public bool AsExpected => Missed.Count == 0 && UnexpectedFalsePositives.Count == 0 && KnownFalsePositivesGone.Count == 0;
}

public static partial class PlantedBugs
{
    /// <summary>The thirteen rule IDs of the catalog.</summary>
    public static readonly IReadOnlyList<string> Rules =
    [
        "SF1001", "SF1002", "SF1003", "SF1004", "SF1005", "SF2001", "SF2002", "SF2003",
        "SF3001", "SF3002", "SF3003", "SF4001", "SF4002",
    ];

    [GeneratedRegex(@"//\s*PLANTED\s+(?<ids>SF\d{4}(?:[\s,]+SF\d{4})*)")]
    private static partial Regex Marker();

    [GeneratedRegex(@"//\s*KNOWN FP\s+(?<id>SF\d{4}):?\s*(?<why>.*)$")]
    private static partial Regex KnownFalsePositiveMarker();

    [GeneratedRegex(@"SF\d{4}")]
    private static partial Regex RuleId();

    public static IReadOnlyList<PlantedBug> Find(IEnumerable<GeneratedFile> files)
    {
        var result = new List<PlantedBug>();
        foreach (var file in files)
        {
            var lines = file.Source.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var m = Marker().Match(lines[i]);
                if (!m.Success)
                    continue;
                foreach (Match id in RuleId().Matches(m.Groups["ids"].Value))
                    result.Add(new PlantedBug(Normalize(file.Path), i + 1, id.Value));
            }
        }

        return result;
    }

    public static IReadOnlyList<KnownFalsePositive> FindKnownFalsePositives(IEnumerable<GeneratedFile> files)
    {
        var result = new List<KnownFalsePositive>();
        foreach (var file in files)
        {
            var lines = file.Source.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var m = KnownFalsePositiveMarker().Match(lines[i]);
                if (m.Success)
                    result.Add(new KnownFalsePositive(Normalize(file.Path), i + 1, m.Groups["id"].Value, m.Groups["why"].Value.Trim()));
            }
        }

        return result;
    }

    /// <summary>Paths compare with forward slashes, relative to the tree's root.</summary>
    public static string Normalize(string path) => path.Replace('\\', '/').TrimStart('/');

    public static ScoreCard Score(IReadOnlyList<PlantedBug> planted, IReadOnlyList<KnownFalsePositive> known, IEnumerable<ReportedDiagnostic> reported)
    {
        var knownKeys = known.Select(k => (k.Path, k.Line, k.Rule)).ToHashSet();
        var expected = planted.Select(p => (p.Path, p.Line, p.Rule)).ToHashSet();
        var seen = new HashSet<(string, int, string)>();
        var unplanted = new List<ReportedDiagnostic>();
        foreach (var d in reported)
        {
            var key = (Normalize(d.Path), d.Line, d.Rule);
            if (expected.Contains(key))
                seen.Add(key);
            else if (!unplanted.Any(u => (Normalize(u.Path), u.Line, u.Rule) == key))
                unplanted.Add(d);
        }

        var knownSeen = unplanted.Select(u => (Normalize(u.Path), u.Line, u.Rule)).Where(knownKeys.Contains).ToHashSet();
        return new ScoreCard
        {
            KnownFalsePositives = unplanted.Where(u => knownKeys.Contains((Normalize(u.Path), u.Line, u.Rule))).ToList(),
            UnexpectedFalsePositives = unplanted.Where(u => !knownKeys.Contains((Normalize(u.Path), u.Line, u.Rule))).ToList(),
            KnownFalsePositivesGone = known.Where(k => !knownSeen.Contains((k.Path, k.Line, k.Rule))).ToList(),
            Rules = Rules,
            Planted = Rules.ToDictionary(r => r, r => planted.Count(p => p.Rule == r)),
            Found = Rules.ToDictionary(r => r, r => planted.Count(p => p.Rule == r && seen.Contains((p.Path, p.Line, p.Rule)))),
            Missed = planted.Where(p => !seen.Contains((p.Path, p.Line, p.Rule))).ToList(),
            Unplanted = unplanted,
        };
    }
}
