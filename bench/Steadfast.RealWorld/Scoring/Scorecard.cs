using Steadfast.RealWorld.Data;

namespace Steadfast.RealWorld.Scoring;

/// <summary>Precision over the judged diagnostics and recall over the known bugs, for one rule or a group of rules.</summary>
internal sealed record RuleScore(string Rule, int Diagnostics, int TruePositives, int FalsePositives, int Unjudged, int Instances, int Found)
{
    public double? Precision => TruePositives + FalsePositives == 0 ? null : (double)TruePositives / (TruePositives + FalsePositives);
    public double? Recall => Instances == 0 ? null : (double)Found / Instances;
}

/// <summary>A repository's size and what the harness saw in it.</summary>
internal sealed record RepositorySize(string Repo, string Commit, int Files, int Lines, int Diagnostics, int AnalyzerExceptions, double Seconds);

/// <summary>Scores the current findings against the committed verdicts and instances.</summary>
internal sealed class Scorecard
{
    public static readonly string[] Rules =
    [
        "SF1001", "SF1002", "SF1003", "SF1004", "SF1005", "SF2001", "SF2002", "SF2003",
        "SF3001", "SF3002", "SF3003", "SF4001", "SF4002",
    ];

    public static readonly (string Name, string Prefix)[] Families =
        [("Locks (SF1xxx)", "SF1"), ("Queues (SF2xxx)", "SF2"), ("Shared state (SF3xxx)", "SF3"), ("Resilience (SF4xxx)", "SF4")];

    public Scorecard(RealWorldSet set, IReadOnlyList<Finding> findings)
    {
        var inSet = set.Repositories.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        Findings = findings.Where(f => inSet.Contains(f.Repo)).ToList();
        Instances = set.Instances.Where(i => inSet.Contains(i.Repo)).ToList();
        var verdicts = set.Verdicts.GroupBy(v => v.Key).ToDictionary(g => g.Key, g => g.Last());
        Judged = Findings.Select(f => (Finding: f, Verdict: verdicts.GetValueOrDefault(f.Key))).ToList();
        Missed = Instances.Where(i => !Findings.Any(i.IsFoundBy)).ToList();
    }

    public IReadOnlyList<Finding> Findings { get; }
    public IReadOnlyList<BugInstance> Instances { get; }
    public IReadOnlyList<(Finding Finding, Verdict? Verdict)> Judged { get; }
    public IReadOnlyList<BugInstance> Missed { get; }

    public IEnumerable<(Finding Finding, Verdict? Verdict)> Unjudged => Judged.Where(j => j.Verdict is null);

    public RuleScore Score(string label, Func<string, bool> includesRule)
    {
        var judged = Judged.Where(j => includesRule(j.Finding.Rule)).ToList();
        var instances = Instances.Where(i => includesRule(i.Rule)).ToList();
        return new RuleScore(
            label,
            judged.Count,
            judged.Count(j => j.Verdict?.IsTrue == true),
            judged.Count(j => j.Verdict?.IsTrue == false),
            judged.Count(j => j.Verdict is null),
            instances.Count,
            instances.Count(i => !Missed.Contains(i)));
    }

    public RuleScore Score(string rule) => Score(rule, r => r == rule);

    public RuleScore Total => Score("all rules", _ => true);

    /// <summary>False positives in the given repositories (the careful libraries' budget is one per 20k lines).</summary>
    public int FalsePositivesIn(IReadOnlySet<string> repos) =>
        Judged.Count(j => j.Verdict?.IsTrue == false && repos.Contains(j.Finding.Repo));
}
