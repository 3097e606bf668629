namespace Steadfast.RealWorld.Fixes;

/// <summary>One target framework's build of a fixed project: the compile errors the fix added (none: it builds).</summary>
internal sealed record TargetBuild(string Target, string References, IReadOnlyList<string> NewErrors)
{
    public bool Builds => NewErrors.Count == 0;

    /// <summary>"net6.0:ok" or "netstandard2.0:2 errors".</summary>
    public string Summary => Builds ? $"{Target}:ok" : $"{Target}:{NewErrors.Count} error{(NewErrors.Count == 1 ? "" : "s")}";
}

/// <summary>
/// What one fix did to one real bug: the fix's title ("(none)" when no fix was offered), the target the fix ran in, the
/// build on every target the project declares, whether the rule still reports in the fixed code, and the diff.
/// </summary>
internal sealed record FixOutcome(
    string Repo,
    string Commit,
    string Path,
    int Line,
    string Rule,
    string Fix,
    string Context,
    IReadOnlyList<TargetBuild> Builds,
    bool StillReported,
    string Diff,
    string DiffHash,
    string? Problem)
{
    public const string NoFix = "(none)";

    public bool Offered => Fix != NoFix;

    public bool BuildsEverywhere => Offered && Problem is null && Builds.All(b => b.Builds);

    public string BuildSummary => !Offered ? "" : Problem ?? string.Join(' ', Builds.Select(b => b.Summary));

    public (string, string, int, string, string) Key => (Repo, Path, Line, Rule, Fix);
}
