using System.Globalization;

namespace Steadfast.RealWorld.Data;

/// <summary>A repository of the set: where it is pinned, what kind of code it is, which folders are analysed.</summary>
internal sealed record Repository(string Name, string Commit, string Kind, IReadOnlyList<string> Paths, string Why)
{
    /// <summary>The folder the checkout script extracts it to: OWNER+NAME.</summary>
    public string FolderName => Name.Replace('/', '+');

    /// <summary>The well-kept libraries of the field, held to at most one false positive per 20k lines.</summary>
    public bool IsCareful => Kind == "careful-library";
}

/// <summary>One diagnostic the harness printed: where, which rule, what it said.</summary>
internal sealed record Finding(string Repo, string Commit, string Path, int Line, int Column, string Rule, string Message)
{
    public (string, string, int, string) Key => (Repo, Path, Line, Rule);
}

/// <summary>A judged diagnostic: TP (a real bug) or FP, with the reason in our words.</summary>
internal sealed record Verdict(string Repo, string Commit, string Path, int Line, string Rule, bool IsTrue, string Reason)
{
    public (string, string, int, string) Key => (Repo, Path, Line, Rule);
}

/// <summary>A real bug found by reading code (not by running the analyzers): recall is measured over these.</summary>
internal sealed record BugInstance(string Repo, string Commit, string Path, int FirstLine, int LastLine, string Rule, string Pattern, string Reason)
{
    public bool IsFoundBy(Finding finding) =>
        finding.Repo == Repo && finding.Path == Path && finding.Rule == Rule &&
        finding.Line >= FirstLine && finding.Line <= LastLine;

    public string Lines => FirstLine == LastLine
        ? FirstLine.ToString(CultureInfo.InvariantCulture)
        : $"{FirstLine}-{LastLine}";
}

/// <summary>The committed facts under bench/realworld: repos.tsv, verdicts.tsv, instances.tsv.</summary>
internal sealed class RealWorldSet
{
    public const string ReposFile = "repos.tsv";
    public const string VerdictsFile = "verdicts.tsv";
    public const string InstancesFile = "instances.tsv";

    public required IReadOnlyList<Repository> Repositories { get; init; }
    public required IReadOnlyList<Verdict> Verdicts { get; init; }
    public required IReadOnlyList<BugInstance> Instances { get; init; }

    public static RealWorldSet Load(string folder) => new()
    {
        Repositories = Tsv.Read(Path.Combine(folder, ReposFile)).Select(r => new Repository(
            r["repo"], r["commit"], r["kind"],
            r["paths"].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            r["why"])).ToList(),
        Verdicts = Tsv.Read(Path.Combine(folder, VerdictsFile)).Select(r => new Verdict(
            r["repo"], r["commit"], r["path"], Int(r["line"]), r["rule"],
            r["verdict"] switch
            {
                "TP" => true,
                "FP" => false,
                var other => throw new FormatException($"verdict must be TP or FP, not '{other}'"),
            },
            r["reason"])).ToList(),
        Instances = Tsv.Read(Path.Combine(folder, InstancesFile)).Select(r =>
        {
            var lines = r["lines"].Split('-');
            return new BugInstance(r["repo"], r["commit"], r["path"], Int(lines[0]), Int(lines[^1]), r["rule"], r["pattern"], r["reason"]);
        }).ToList(),
    };

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
