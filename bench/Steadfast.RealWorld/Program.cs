using System.Globalization;
using Steadfast.RealWorld.Analysis;
using Steadfast.RealWorld.Compile;
using Steadfast.RealWorld.Data;
using Steadfast.RealWorld.Fixes;
using Steadfast.RealWorld.Scoring;

namespace Steadfast.RealWorld;

/// <summary>
/// <c>analyze [--src DIR] [--only OWNER/NAME,...]</c>: analyse the checked-out set, write bench/realworld/diagnostics.tsv
/// and sizes.tsv, then the report. <c>report</c>: rescore the last run against the verdicts and instances.
/// </summary>
internal static class Program
{
    private const string DefaultSource = "/work/realworld/src";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" || args[0] is not ("analyze" or "report" or "fixes" or "fixes-report"))
        {
            Console.WriteLine("""
                usage:
                  analyze [--src /work/realworld/src] [--only owner/name,...]   run the analyzers over the checkouts, then report
                  report                                                       rescore diagnostics.tsv against verdicts and instances
                  fixes [--src DIR] [--only owner/name,...] [--diffs DIR]      apply every fix to every judged real bug, build each target,
                                                                               write bench/realworld/fix-verdicts.tsv and bench/realworld-fixes.md
                  fixes-report                                                 rewrite bench/realworld-fixes.md from fix-verdicts.tsv
                The checkouts come from bench/realworld/checkout.sh (see bench/realworld/README.md).
                """);
            return args.Length == 0 ? 1 : 0;
        }

        var options = Options(args.Skip(1).ToArray());
        var root = RepositoryRoot();
        var setFolder = Path.Combine(root, "bench", "realworld");
        var set = RealWorldSet.Load(setFolder);
        var diagnosticsFile = Path.Combine(setFolder, "diagnostics.tsv");
        var sizesFile = Path.Combine(setFolder, "sizes.tsv");

        if (args[0] is "fixes" or "fixes-report")
            return await FixesAsync(args[0] == "fixes", set, options, root, diagnosticsFile);

        if (args[0] == "analyze")
        {
            var only = options.TryGetValue("only", out var o) ? o.Split(',').ToHashSet(StringComparer.Ordinal) : null;
            var source = options.GetValueOrDefault("src") ?? DefaultSource;
            var failed = await AnalyzeAsync(set, source, only, diagnosticsFile, sizesFile);
            if (failed)
                return 2;
        }

        var findings = ReadFindings(diagnosticsFile);
        var sizes = ReadSizes(sizesFile);
        var card = new Scorecard(set, findings);
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "realworld.md"), Report.Render(set, card, sizes));
        PrintSummary(card);
        return 0;
    }

    private static async Task<bool> AnalyzeAsync(RealWorldSet set, string source, IReadOnlySet<string>? only, string diagnosticsFile, string sizesFile)
    {
        var references = ReferenceSet.Create();
        // A partial run keeps the other repositories' last results.
        var findings = ReadFindings(diagnosticsFile).Where(f => only != null && !only.Contains(f.Repo)).ToList();
        var sizes = ReadSizes(sizesFile).Where(s => only != null && !only.Contains(s.Repo)).ToList();
        var failed = false;
        foreach (var repository in set.Repositories.Where(r => only == null || only.Contains(r.Name)))
        {
            var checkout = Path.Combine(source, repository.FolderName);
            var marker = Path.Combine(checkout, ".steadfast-commit");
            if (!File.Exists(marker) || File.ReadAllText(marker).Trim() != repository.Commit)
            {
                Console.Error.WriteLine($"{repository.Name}: not checked out at {repository.Commit[..10]} under {source} (run bench/realworld/checkout.sh)");
                failed = true;
                continue;
            }

            var result = await RepositoryAnalyzer.AnalyzeAsync(repository, checkout, references, CancellationToken.None);
            findings.AddRange(result.Findings);
            sizes.Add(new RepositorySize(repository.Name, repository.Commit, result.Files, result.Lines, result.Findings.Count, result.AnalyzerExceptions.Count, result.Elapsed.TotalSeconds));
            Console.WriteLine(FormattableString.Invariant($"{repository.Name}: {result.Files} files, {result.Lines:N0} lines, {result.Findings.Count} diagnostics, {result.Elapsed.TotalSeconds:0.0} s"));
            foreach (var exception in result.AnalyzerExceptions)
            {
                Console.Error.WriteLine($"  AD0001 {exception}");
                failed = true;
            }
        }

        Tsv.Write(diagnosticsFile, ["repo", "commit", "path", "line", "column", "rule", "message"],
            findings.OrderBy(f => f.Repo, StringComparer.Ordinal).ThenBy(f => f.Path, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column).ThenBy(f => f.Rule, StringComparer.Ordinal)
                .Select(f => new[] { f.Repo, f.Commit, f.Path, Int(f.Line), Int(f.Column), f.Rule, f.Message }));
        Tsv.Write(sizesFile, ["repo", "commit", "files", "lines", "diagnostics", "analyzer_exceptions", "seconds"],
            sizes.OrderBy(s => s.Repo, StringComparer.Ordinal)
                .Select(s => new[] { s.Repo, s.Commit, Int(s.Files), Int(s.Lines), Int(s.Diagnostics), Int(s.AnalyzerExceptions), s.Seconds.ToString("0.0", CultureInfo.InvariantCulture) }));
        return failed;
    }

    private const string DefaultDiffs = "/work/realworld/fixes";

    /// <summary>
    /// The fix evaluation (issue 18): every judged real bug that the last analyze run still reports, each offered fix applied
    /// and built for every target; verdicts already written are kept while the fix's diff is unchanged.
    /// </summary>
    private static async Task<int> FixesAsync(bool run, RealWorldSet set, Dictionary<string, string> options, string root, string diagnosticsFile)
    {
        var verdictsFile = Path.Combine(root, "bench", "realworld", "fix-verdicts.tsv");
        var rows = FixVerdictFile.Read(verdictsFile);
        if (run)
        {
            var only = options.TryGetValue("only", out var o) ? o.Split(',').ToHashSet(StringComparer.Ordinal) : null;
            var source = options.GetValueOrDefault("src") ?? DefaultSource;
            var diffs = options.GetValueOrDefault("diffs") ?? DefaultDiffs;
            var references = new TargetReferences(TargetReferences.DefaultPackageFolder);
            await FixReferencesRestore.EnsureAsync(references, TargetReferences.DefaultPackageFolder);
            var evaluator = new FixEvaluator(references, diffs);
            var realBugs = set.Verdicts.Where(v => v.IsTrue).Select(v => v.Key).ToHashSet();
            var findings = ReadFindings(diagnosticsFile).Where(f => realBugs.Contains(f.Key)).ToList();
            var outcomes = new List<FixOutcome>();
            var evaluated = new HashSet<string>(StringComparer.Ordinal);
            foreach (var repository in set.Repositories.Where(r => only == null || only.Contains(r.Name)))
            {
                var bugs = findings.Where(f => f.Repo == repository.Name).ToList();
                evaluated.Add(repository.Name);
                if (bugs.Count == 0)
                    continue;
                var checkout = Path.Combine(source, repository.FolderName);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var result = await evaluator.EvaluateAsync(repository, checkout, bugs, CancellationToken.None);
                outcomes.AddRange(result);
                Console.WriteLine(FormattableString.Invariant(
                    $"{repository.Name}: {bugs.Count} real bugs, {result.Count(r => r.Offered)} fixes, {result.Count(r => r.BuildsEverywhere)} build on every target, {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0} s"));
            }

            rows = FixVerdictFile.Merge(rows, outcomes, evaluated);
            FixVerdictFile.Write(verdictsFile, rows);
            rows = FixVerdictFile.Read(verdictsFile);
        }

        await File.WriteAllTextAsync(Path.Combine(root, "bench", "realworld-fixes.md"), FixReport.Render(rows));
        Console.WriteLine();
        Console.WriteLine(FixScore.Heading);
        foreach (var score in FixReport.Scores(rows))
            Console.WriteLine(score.Line);
        return 0;
    }

    private static void PrintSummary(Scorecard card)
    {
        Console.WriteLine();
        Console.WriteLine("rule     diags   TP   FP  unjudged  precision  instances  found  recall");
        foreach (var score in Scorecard.Rules.Select(card.Score).Append(card.Total))
        {
            Console.WriteLine(FormattableString.Invariant(
                $"{score.Rule,-8} {score.Diagnostics,5} {score.TruePositives,4} {score.FalsePositives,4} {score.Unjudged,9} {Report.Percent(score.Precision),10} {score.Instances,10} {score.Found,6} {Report.Percent(score.Recall),7}"));
        }

        var unjudged = card.Unjudged.ToList();
        if (unjudged.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"{unjudged.Count} diagnostics not judged yet (add a row for each to bench/realworld/verdicts.tsv):");
            foreach (var (finding, _) in unjudged)
                Console.WriteLine($"  {finding.Rule} {finding.Repo} {finding.Path}:{finding.Line}  {finding.Message}");
        }

        if (card.Missed.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"{card.Missed.Count} known bugs not found:");
            foreach (var missed in card.Missed)
                Console.WriteLine($"  {missed.Rule} {missed.Repo} {missed.Path}:{missed.Lines}  {missed.Pattern}");
        }
    }

    private static List<Finding> ReadFindings(string file) =>
        Tsv.Read(file).Select(r => new Finding(r["repo"], r["commit"], r["path"], ParseInt(r["line"]), ParseInt(r["column"]), r["rule"], r["message"])).ToList();

    private static List<RepositorySize> ReadSizes(string file) =>
        Tsv.Read(file).Select(r => new RepositorySize(r["repo"], r["commit"], ParseInt(r["files"]), ParseInt(r["lines"]), ParseInt(r["diagnostics"]),
            ParseInt(r["analyzer_exceptions"]), double.Parse(r["seconds"], CultureInfo.InvariantCulture))).ToList();

    private static Dictionary<string, string> Options(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected '--name value', got '{args[i]}'");
            result[args[i][2..]] = args[++i];
        }

        return result;
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int ParseInt(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>The repository this tool was built from (recorded at build time).</summary>
    private static string RepositoryRoot() =>
        typeof(Program).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().First(a => a.Key == "RepositoryRoot").Value!;
}
