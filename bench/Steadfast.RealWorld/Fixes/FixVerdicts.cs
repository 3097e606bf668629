using System.Globalization;
using Steadfast.RealWorld.Data;

namespace Steadfast.RealWorld.Fixes;

/// <summary>
/// One row of bench/realworld/fix-verdicts.tsv: a fix (or "(none)") for a real bug, how it built on each target, and the
/// verdict read from its diff — <c>fixed</c> (the bug is gone), <c>partial</c> (part of it is), <c>wrong</c> (the bug
/// stays, or a new one comes), <c>none</c> (no fix offered), <c>unjudged</c> (new, or its diff changed since it was judged).
/// </summary>
internal sealed record FixVerdict(
    string Repo, string Commit, string Path, int Line, string Rule, string Fix, string Context, string Builds, bool StillReported,
    string DiffHash, string Verdict, string Reason)
{
    public static readonly string[] Verdicts = ["fixed", "partial", "wrong", "none", "unjudged"];

    public bool Offered => Fix != FixOutcome.NoFix;

    /// <summary>Builds on every target (no target lists errors, and the fix ran).</summary>
    public bool BuildsEverywhere => Offered && Builds.Length > 0 && Builds.Split(' ').All(b => b.EndsWith(":ok", StringComparison.Ordinal));

    public (string, string, int, string, string) Key => (Repo, Path, Line, Rule, Fix);
}

internal static class FixVerdictFile
{
    private static readonly string[] Header = ["repo", "commit", "path", "line", "rule", "fix", "ran_in", "builds", "still_reported", "diff", "verdict", "reason"];

    public static List<FixVerdict> Read(string file) =>
        Tsv.Read(file).Select(r => new FixVerdict(r["repo"], r["commit"], r["path"], int.Parse(r["line"], CultureInfo.InvariantCulture), r["rule"], r["fix"],
            r["ran_in"], r["builds"], r["still_reported"] == "yes", r["diff"], Check(r["verdict"]), r["reason"])).ToList();

    public static void Write(string file, IEnumerable<FixVerdict> rows) =>
        Tsv.Write(file, Header, rows
            .OrderBy(v => v.Rule, StringComparer.Ordinal).ThenBy(v => v.Repo, StringComparer.Ordinal).ThenBy(v => v.Path, StringComparer.Ordinal)
            .ThenBy(v => v.Line).ThenBy(v => v.Fix, StringComparer.Ordinal)
            .Select(v => new[]
            {
                v.Repo, v.Commit, v.Path, v.Line.ToString(CultureInfo.InvariantCulture), v.Rule, v.Fix, v.Context, v.Builds,
                v.StillReported ? "yes" : "no", v.DiffHash, v.Verdict, v.Reason,
            }));

    /// <summary>
    /// The run's outcomes with the verdicts already written: a verdict is kept while the fix's diff is the one judged;
    /// a changed diff is judged again (its old verdict stays in the reason, marked stale). Rows of repositories this run
    /// did not evaluate are kept as they are.
    /// </summary>
    public static List<FixVerdict> Merge(IReadOnlyList<FixVerdict> previous, IReadOnlyList<FixOutcome> outcomes, IReadOnlySet<string> evaluatedRepositories)
    {
        var byKey = previous.GroupBy(v => v.Key).ToDictionary(g => g.Key, g => g.First());
        var merged = previous.Where(v => !evaluatedRepositories.Contains(v.Repo)).ToList();
        foreach (var outcome in outcomes.GroupBy(o => o.Key).Select(g => g.First()))
        {
            byKey.TryGetValue(outcome.Key, out var old);
            string verdict;
            string reason;
            if (!outcome.Offered)
                (verdict, reason) = ("none", old?.Reason ?? "");
            else if (old != null && old.DiffHash == outcome.DiffHash && old.Verdict != "unjudged")
                (verdict, reason) = (old.Verdict, old.Reason);
            else if (old != null && old.Verdict != "unjudged")
                (verdict, reason) = ("unjudged", $"STALE (was {old.Verdict}): {StripStale(old.Reason)}");
            else
                (verdict, reason) = ("unjudged", old?.Reason ?? "");
            merged.Add(new FixVerdict(outcome.Repo, outcome.Commit, outcome.Path, outcome.Line, outcome.Rule, outcome.Fix, outcome.Context,
                outcome.BuildSummary, outcome.StillReported, outcome.DiffHash, verdict, reason));
        }

        return merged;
    }

    private static string StripStale(string reason) =>
        reason.StartsWith("STALE", StringComparison.Ordinal) && reason.IndexOf("): ", StringComparison.Ordinal) is var i and > 0 ? reason[(i + 3)..] : reason;

    private static string Check(string verdict) =>
        FixVerdict.Verdicts.Contains(verdict) ? verdict : throw new FormatException($"fix verdict must be one of {string.Join('/', FixVerdict.Verdicts)}, not '{verdict}'");
}
