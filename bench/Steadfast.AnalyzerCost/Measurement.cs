using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Steadfast.AnalyzerCost;

/// <summary>
/// Builds src/Steadfast.Analyzers (Release), writes the tree, restores it, warms up with one build, then compiles
/// it <paramref name="runs"/> times in each configuration (interleaved a, b, c, a, b, c, …), every build a full
/// rebuild without the compiler server, with ReportAnalyzer on and a detailed log; then scores the Steadfast
/// warnings against the planted markers and writes the Markdown report.
/// </summary>
internal sealed partial class Measurement(string root, string output, int files, int seed, int plantEvery, int runs)
{
    private sealed record Config(string Key, string Title, string[] Properties);

    private sealed record Run(Config Config, int Index, double WallSeconds, double CscSeconds, Dictionary<string, double> AnalyzerSeconds,
        Dictionary<string, double> AssemblySeconds, double TotalAnalyzerSeconds, string Log);

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The commit the analyzers were built from, read before the build.</summary>
    private string _commit = "unknown";

    public async Task<int> RunAsync(string reportPath)
    {
        Directory.CreateDirectory(output);
        var analyzersArtifacts = Path.Combine(output, "artifacts");
        _commit = GitCommit(root);
        Console.WriteLine($"[1/5] building src/Steadfast.Analyzers (Release) into {analyzersArtifacts}");
        await Exec("dotnet", ["build", Path.Combine(root, "src", "Steadfast.Analyzers", "Steadfast.Analyzers.csproj"), "-c", "Release",
            "--artifacts-path", analyzersArtifacts, "-nologo", "-v:q"], root, check: true);
        var analyzerDll = Path.Combine(analyzersArtifacts, "bin", "Steadfast.Analyzers", "release", "Steadfast.Analyzers.dll");
        if (!File.Exists(analyzerDll))
            throw new FileNotFoundException("Steadfast.Analyzers.dll not found after the build", analyzerDll);

        var treeDir = Path.Combine(output, "tree");
        Console.WriteLine($"[2/5] generating {files} files (seed {seed}) into {treeDir}");
        var tree = ServiceTree.Generate(files, seed, plantEvery);
        ServiceTree.WriteProject(treeDir, tree);
        var planted = PlantedBugs.Find(tree);
        var known = PlantedBugs.FindKnownFalsePositives(tree);
        var lines = tree.Sum(f => f.Source.Count(ch => ch == '\n'));
        var project = Path.Combine(treeDir, ServiceTree.ProjectFileName);

        Console.WriteLine("[3/5] restoring the tree and warming up (one build, not measured)");
        await Exec("dotnet", ["restore", project, "-nologo", "-v:q"], treeDir, check: true);
        var sdk = (await Exec("dotnet", ["--version"], treeDir, check: true)).Trim();

        string[] common = ["-p:UseSharedCompilation=false", "-p:ReportAnalyzer=true"];
        string[] withSteadfast = [.. common, $"-p:SteadfastAnalyzers={analyzerDll}"];
        string[] withoutSteadfast = [.. common, "-p:SteadfastAnalyzers="];
        var configs = new[]
        {
            new Config("a", "analyzers off (`-p:RunAnalyzers=false`)", [.. withSteadfast, "-p:RunAnalyzers=false", "-p:EnableNETAnalyzers=false"]),
            new Config("b0", "the SDK's always-on analyzers only, no Steadfast (`-p:EnableNETAnalyzers=false`)", [.. withoutSteadfast, "-p:EnableNETAnalyzers=false"]),
            new Config("b", "Steadfast's analyzers (b0 + Steadfast)", [.. withSteadfast, "-p:EnableNETAnalyzers=false"]),
            new Config("d0", "NetAnalyzers at the SDK's default, no Steadfast", [.. withoutSteadfast, "-p:EnableNETAnalyzers=true"]),
            new Config("d", "NetAnalyzers at the SDK's default + Steadfast", [.. withSteadfast, "-p:EnableNETAnalyzers=true"]),
            new Config("c", "Steadfast + NetAnalyzers `AnalysisMode=All`", [.. withSteadfast, "-p:EnableNETAnalyzers=true", "-p:AnalysisMode=All"]),
        };
        await Build(project, treeDir, configs.Single(c => c.Key == "b"), "warmup");

        Console.WriteLine($"[4/5] measuring: {runs} run(s) of each configuration, interleaved");
        var results = new List<Run>();
        for (var r = 1; r <= runs; r++)
        {
            foreach (var config in configs)
            {
                var run = await Build(project, treeDir, config, r.ToString(Inv));
                Console.WriteLine($"      ({config.Key}) run {r}: {run.WallSeconds:F1} s wall, Csc {run.CscSeconds:F1} s, analyzers {run.TotalAnalyzerSeconds:F1} s");
                results.Add(run);
            }
        }

        Console.WriteLine("[5/5] scoring and writing the report");
        var lastB = results.Last(r => r.Config.Key == "b");
        var lastC = results.Last(r => r.Config.Key == "c");
        var reportedB = ParseWarnings(lastB.Log, treeDir);
        var reportedC = ParseWarnings(lastC.Log, treeDir);
        var score = PlantedBugs.Score(planted, known, reportedB);
        var scoreC = PlantedBugs.Score(planted, known, reportedC);
        var markdown = Report(tree, lines, planted, known, score, scoreC, results, configs, sdk);
        RealCode.ReportFile.ReplaceTreeReport(reportPath, markdown);
        Console.WriteLine($"report: {reportPath}");
        Console.WriteLine($"recall: {score.Found.Values.Sum()}/{score.Planted.Values.Sum()}; unplanted diagnostics: {score.Unplanted.Count} ({score.KnownFalsePositives.Count} known false positives, {score.UnexpectedFalsePositives.Count} unexpected)");
        return score.Missed.Count == 0 && score.UnexpectedFalsePositives.Count == 0 ? 0 : 2;
    }

    /// <summary>Prints what the report would read from one build log (checks the parsers against a real log).</summary>
    public static void PrintLog(string logPath, string treeDir)
    {
        var text = File.ReadAllText(logPath);
        var (perAnalyzer, perAssembly, total) = ParseAnalyzerTimes(text);
        Console.WriteLine($"total analyzers {total} s; Csc {CscTime().Matches(text).LastOrDefault()?.Groups["ms"].Value} ms");
        foreach (var (k, v) in perAssembly) Console.WriteLine($"  assembly {k}: {v}");
        foreach (var (k, v) in perAnalyzer) Console.WriteLine($"  {RuleOf(k)} {v}");
        var warnings = ParseWarnings(text, treeDir);
        Console.WriteLine($"{warnings.Count} SF warnings; first: {warnings.FirstOrDefault()}");
    }

    private async Task<Run> Build(string project, string treeDir, Config config, string label)
    {
        var log = Path.Combine(output, $"build-{config.Key}-{label}.log");
        var watch = Stopwatch.StartNew();
        await Exec("dotnet", ["build", project, "-c", "Release", "--no-restore", "--no-incremental", "-nologo", "-v:q", "-clp:ErrorsOnly",
            $"-flp:logfile={log};verbosity=detailed;performancesummary", .. config.Properties], treeDir, check: true);
        watch.Stop();
        var text = await File.ReadAllTextAsync(log);
        var (perAnalyzer, perAssembly, total) = ParseAnalyzerTimes(text);
        var csc = CscTime().Matches(text).Select(m => double.Parse(m.Groups["ms"].Value, Inv) / 1000).DefaultIfEmpty(double.NaN).Last();
        return new Run(config, label == "warmup" ? 0 : int.Parse(label, Inv), watch.Elapsed.TotalSeconds, csc, perAnalyzer, perAssembly, total, text);
    }

    [GeneratedRegex(@"^\s*(?<ms>\d+) ms\s+Csc\s+\d+ calls", RegexOptions.Multiline)]
    private static partial Regex CscTime();

    [GeneratedRegex(@"Total analyzer execution time: (?<s>[\d.]+) seconds")]
    private static partial Regex TotalAnalyzerTime();

    [GeneratedRegex(@"^\s*(?<s><?[\d.]+)\s+(?<pct><?\d+)(?<indent>\s+)(?<name>\S.*?)\s*$")]
    private static partial Regex AnalyzerLine();

    [GeneratedRegex(@"^(?:\s*\d+>)?(?<file>[^\s(][^(]*)\((?<line>\d+),(?<col>\d+)(?:,\d+,\d+)?\): warning (?<id>SF\d{4}): (?<msg>.*?)(?: \[[^\]]*\])?\s*$", RegexOptions.Multiline)]
    private static partial Regex Warning();

    /// <summary>ReportAnalyzer's table: assemblies at one indent, their analyzers one step deeper, "(IDs)" after the type name.</summary>
    internal static (Dictionary<string, double> PerAnalyzer, Dictionary<string, double> PerAssembly, double Total) ParseAnalyzerTimes(string log)
    {
        var perAnalyzer = new Dictionary<string, double>(StringComparer.Ordinal);
        var perAssembly = new Dictionary<string, double>(StringComparer.Ordinal);
        var lines = log.Split('\n');
        var start = Array.FindIndex(lines, l => TotalAnalyzerTime().IsMatch(l));
        if (start < 0)
            return (perAnalyzer, perAssembly, 0);
        var total = double.Parse(TotalAnalyzerTime().Match(lines[start]).Groups["s"].Value, Inv);
        int? assemblyIndent = null;
        for (var i = start + 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Contains("Total generator execution time", StringComparison.Ordinal) || line.Contains("NOTE:", StringComparison.Ordinal))
                break;
            var m = AnalyzerLine().Match(line);
            if (!m.Success || line.Contains("Time (s)", StringComparison.Ordinal))
                continue;
            var seconds = m.Groups["s"].Value.StartsWith('<') ? 0 : double.Parse(m.Groups["s"].Value, Inv);
            var indent = m.Groups["name"].Index;
            assemblyIndent ??= indent;
            var name = m.Groups["name"].Value;
            if (indent <= assemblyIndent)
                perAssembly[name.Split(',')[0]] = seconds;
            else
                perAnalyzer[name] = seconds;
        }

        return (perAnalyzer, perAssembly, total);
    }

    private static List<ReportedDiagnostic> ParseWarnings(string log, string treeDir)
    {
        var result = new List<ReportedDiagnostic>();
        var seen = new HashSet<(string, int, string, string)>();
        foreach (Match m in Warning().Matches(log))
        {
            var path = PlantedBugs.Normalize(Path.GetRelativePath(treeDir, m.Groups["file"].Value.Trim()));
            var d = new ReportedDiagnostic(path, int.Parse(m.Groups["line"].Value, Inv), m.Groups["id"].Value, m.Groups["msg"].Value);
            if (seen.Add((d.Path, d.Line, d.Rule, d.Message)))
                result.Add(d);
        }

        return result;
    }

    private static string RuleOf(string analyzer)
    {
        var m = Regex.Match(analyzer, @"\.(SF\d{4})[A-Za-z]*Analyzer\b");
        return m.Success ? m.Groups[1].Value : analyzer;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0)
            return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private string Report(IReadOnlyList<GeneratedFile> tree, int lines, IReadOnlyList<PlantedBug> planted, IReadOnlyList<KnownFalsePositive> known,
        ScoreCard score, ScoreCard scoreC, List<Run> results, Config[] configs, string sdk)
    {
        var md = new StringBuilder();
        string P(double fraction) => double.IsNaN(fraction) ? "n/a" : (fraction * 100).ToString("F2", Inv) + " %";
        string S(double seconds) => double.IsNaN(seconds) ? "n/a" : seconds.ToString("F2", Inv);
        var runsOf = configs.ToDictionary(c => c.Key, c => results.Where(r => r.Config.Key == c.Key).ToList());
        var wall = configs.ToDictionary(c => c.Key, c => Median(runsOf[c.Key].Select(r => r.WallSeconds)));
        var csc = configs.ToDictionary(c => c.Key, c => Median(runsOf[c.Key].Select(r => r.CscSeconds)));

        md.AppendLine("# Analyzer cost at scale");
        md.AppendLine();
        md.AppendLine("Generated by `dotnet run -c Release --project bench/Steadfast.AnalyzerCost -- measure --out /tmp/cost` — do not edit by hand.");
        md.AppendLine("Issue 9: Steadfast's rules together should add under 3 % to the compile of a large service code base, each rule under 0.5 %;");
        md.AppendLine("every planted bug found, nothing else flagged.");
        md.AppendLine();
        md.AppendLine("## Machine");
        md.AppendLine();
        md.AppendLine($"- date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
        md.AppendLine($"- OS: {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        md.AppendLine($"- CPU: {CpuModel()} — {Environment.ProcessorCount} logical cores; load average before the run: {LoadAverage()}");
        md.AppendLine($"- memory: {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):F0} GiB");
        md.AppendLine($"- .NET SDK: {sdk}; analyzers built from commit {_commit}");
        md.AppendLine();
        md.AppendLine("## Tree");
        md.AppendLine();
        md.AppendLine($"- {tree.Count:N0} files, {lines:N0} lines (seed {seed}, one file in {plantEvery} with a planted bug), {planted.Count} planted bugs, net10.0, StackExchange.Redis 2.13.23");
        md.AppendLine("- controllers and SignalR hubs (framework stand-ins under their real names), Redis repositories and caches, safe and unsafe Redis locks,");
        md.AppendLine("  Monitor/SemaphoreSlim/ReaderWriterLockSlim sections, hosted-service loops, stream and list consumers, channels, parallel code,");
        md.AppendLine("  retrying clients, timing code, DTOs, records, validators and mappers");
        md.AppendLine();
        md.AppendLine("## Method");
        md.AppendLine();
        md.AppendLine($"Each build is a full rebuild (`--no-incremental`, no restore) of the tree with `-p:UseSharedCompilation=false` (a fresh compiler");
        md.AppendLine($"process, as on a CI agent), `-p:ReportAnalyzer=true` and a detailed file log. After the restore, one unmeasured warm-up build; then");
        md.AppendLine($"{runs} run(s) of each configuration, interleaved (a, b0, b, d0, d, c, a, …) so load drifts hit all of them alike. Medians are reported.");
        md.AppendLine();
        md.AppendLine("- (a) analyzers off: `-p:RunAnalyzers=false` (source generators still run; the compiler builds no analyzer driver at all)");
        md.AppendLine("- (b0) the SDK's always-on interop/regex analyzers only: `-p:EnableNETAnalyzers=false`, no Steadfast — the analyzer driver runs");
        md.AppendLine("- (b) (b0) plus Steadfast.Analyzers.dll as an `<Analyzer>` item");
        md.AppendLine("- (d0) a default net10.0 project: NetAnalyzers on at the SDK's default `AnalysisMode`, no Steadfast");
        md.AppendLine("- (d) (d0) plus Steadfast — what adding the package costs a typical project");
        md.AppendLine("- (c) Steadfast's analyzers plus NetAnalyzers: `-p:EnableNETAnalyzers=true -p:AnalysisMode=All`");
        md.AppendLine();
        md.AppendLine("Three views of the cost: the wall-clock of the whole build against a baseline without Steadfast — (d) − (d0) for a default");
        md.AppendLine("project, (b) − (b0) with only the SDK's always-on analyzers, (b) − (a) against a build that runs no analyzer driver at all");
        md.AppendLine("(this one charges Steadfast with the driver's own fixed cost: semantic models and operation trees for every method) — and");
        md.AppendLine("ReportAnalyzer's execution time per analyzer over the build's wall-clock and over the Csc task's time. ReportAnalyzer times add up");
        md.AppendLine("the time spent in each analyzer's callbacks on all threads (analysis runs concurrently), so they bound a rule's cost rather than");
        md.AppendLine("measure the delay it adds.");
        md.AppendLine();
        md.AppendLine("## Build times");
        md.AppendLine();
        md.AppendLine("| configuration | wall-clock (s), median | Csc task (s), median | all analyzers, ReportAnalyzer (s) | runs (wall s) |");
        md.AppendLine("| --- | ---: | ---: | ---: | --- |");
        foreach (var c in configs)
        {
            md.AppendLine($"| ({c.Key}) {c.Title} | {S(wall[c.Key])} | {S(csc[c.Key])} | {S(Median(runsOf[c.Key].Select(r => r.TotalAnalyzerSeconds)))} | {string.Join(", ", runsOf[c.Key].Select(r => r.WallSeconds.ToString("F1", Inv)))} |");
        }

        md.AppendLine();
        // How much longer configuration `with` took than `without`, as a fraction of `without`.
        static double Over(Dictionary<string, double> times, string with, string without) => (times[with] - times[without]) / times[without];
        var overheadB = Over(wall, "b", "a");
        var overheadC = Over(wall, "c", "a");
        var cscOverheadB = Over(csc, "b", "a");
        var overheadD = Over(wall, "d", "d0");
        var overheadB0 = Over(wall, "b", "b0");
        md.AppendLine($"- Steadfast's wall-clock overhead in a default net10.0 project, (d) − (d0) over (d0): **{P(overheadD)}** (Csc task: {P(Over(csc, "d", "d0"))}); target < 3 %");
        md.AppendLine($"- with only the SDK's always-on analyzers, (b) − (b0) over (b0): **{P(overheadB0)}** (Csc task: {P(Over(csc, "b", "b0"))})");
        md.AppendLine($"- against no analyzer driver at all, (b) − (a) over (a): {P(overheadB)} (Csc task: {P(cscOverheadB)}); the driver alone, (b0) − (a) over (a): {P(Over(wall, "b0", "a"))}");
        if (overheadD < 0 || overheadB0 < 0 || overheadB < 0 || cscOverheadB < 0)
            md.AppendLine($"  - negative: the load on this machine (load average {LoadAverage()} at the end of the run) varied more between builds than Steadfast costs, so this figure says nothing beyond that; the ReportAnalyzer view below does not depend on the load of other builds in the same way. Re-run on a quiet machine with more `--runs`.");
        md.AppendLine($"- Steadfast + NetAnalyzers All, (c) − (a) over (a): {P(overheadC)}");
        md.AppendLine();

        md.AppendLine("## Per rule (ReportAnalyzer, configuration b)");
        md.AppendLine();
        md.AppendLine("| rule | analyzer | time (s), median | share of build wall-clock | share of Csc | budget (< 0.5 %) | time in (d) (s) | share of (d) wall-clock | time in (c) (s) | share of (c) wall-clock |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
        var steadfast = runsOf["b"].SelectMany(r => r.AnalyzerSeconds.Keys).Where(k => k.StartsWith("Steadfast.", StringComparison.Ordinal)).Distinct()
            .Select(k => (Name: k, Rule: RuleOf(k), B: Median(runsOf["b"].Select(r => r.AnalyzerSeconds.GetValueOrDefault(k, double.NaN))),
                D: Median(runsOf["d"].Select(r => r.AnalyzerSeconds.GetValueOrDefault(k, double.NaN))),
                C: Median(runsOf["c"].Select(r => r.AnalyzerSeconds.GetValueOrDefault(k, double.NaN)))))
            .OrderByDescending(x => x.B).ToList();
        foreach (var a in steadfast)
        {
            var share = a.B / wall["b"];
            var type = a.Name.Split(' ')[0];
            md.AppendLine($"| {a.Rule} | `{type[(type.LastIndexOf('.') + 1)..]}` | {S(a.B)} | {P(share)} | {P(a.B / csc["b"])} | {(share < 0.005 ? "within" : "**over**")} | {S(a.D)} | {P(a.D / wall["d"])} | {S(a.C)} | {P(a.C / wall["c"])} |");
        }

        var totalB = Median(runsOf["b"].Select(r => r.AssemblySeconds.GetValueOrDefault("Steadfast.Analyzers", double.NaN)));
        var totalC = Median(runsOf["c"].Select(r => r.AssemblySeconds.GetValueOrDefault("Steadfast.Analyzers", double.NaN)));
        var totalD = Median(runsOf["d"].Select(r => r.AssemblySeconds.GetValueOrDefault("Steadfast.Analyzers", double.NaN)));
        md.AppendLine($"| **all** | Steadfast.Analyzers | **{S(totalB)}** | **{P(totalB / wall["b"])}** | {P(totalB / csc["b"])} | total budget < 3 %: {(totalB / wall["b"] < 0.03 ? "within" : "**over**")} | {S(totalD)} | {P(totalD / wall["d"])} | {S(totalC)} | {P(totalC / wall["c"])} |");
        md.AppendLine();
        md.AppendLine("Other analyzer assemblies (ReportAnalyzer, median s):");
        md.AppendLine();
        foreach (var c in configs.Where(c => c.Key != "a"))
        {
            var others = runsOf[c.Key].SelectMany(r => r.AssemblySeconds.Keys).Where(k => k != "Steadfast.Analyzers").Distinct()
                .Select(k => (k, Median(runsOf[c.Key].Select(r => r.AssemblySeconds.GetValueOrDefault(k, double.NaN))))).OrderByDescending(x => x.Item2);
            md.AppendLine($"- ({c.Key}): {string.Join("; ", others.Select(o => $"{o.k} {S(o.Item2)}"))}");
        }

        md.AppendLine();
        md.AppendLine("## Recall and precision (configuration b; configuration c agrees: " + (scoreC.Found.Values.Sum() == score.Found.Values.Sum() && scoreC.Unplanted.Count == score.Unplanted.Count ? "yes" : "**no**") + ")");
        md.AppendLine();
        md.AppendLine("| rule | planted | found | recall | diagnostics not on a planted line |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var rule in score.Rules)
            md.AppendLine($"| {rule} | {score.Planted[rule]} | {score.Found[rule]} | {P(score.Recall(rule))} | {score.Unplanted.Count(u => u.Rule == rule)} |");
        md.AppendLine($"| **all** | {score.Planted.Values.Sum()} | {score.Found.Values.Sum()} | {P((double)score.Found.Values.Sum() / score.Planted.Values.Sum())} | {score.Unplanted.Count} |");
        md.AppendLine();
        if (score.Missed.Count > 0)
        {
            md.AppendLine("### Missed planted bugs");
            md.AppendLine();
            foreach (var m in score.Missed.Take(40))
                md.AppendLine($"- {m.Rule} `{m.Path}:{m.Line}`: `{LineOf(tree, m.Path, m.Line)}`");
            md.AppendLine();
        }

        md.AppendLine($"### False positives: {score.Unplanted.Count}");
        md.AppendLine();
        if (score.Unplanted.Count == 0)
        {
            md.AppendLine("None.");
        }
        else
        {
            foreach (var group in score.KnownFalsePositives.GroupBy(k => (k.Rule, Why: known.First(x => x.Path == PlantedBugs.Normalize(k.Path) && x.Line == k.Line && x.Rule == k.Rule).Why)))
            {
                var first = group.First();
                md.AppendLine($"- **{group.Key.Rule}**, {group.Count()} times (known, marked `// KNOWN FP {group.Key.Rule}` in the generator): {group.Key.Why}.");
                md.AppendLine($"  e.g. `{first.Path}:{first.Line}`: `{LineOf(tree, first.Path, first.Line).Split("//")[0].Trim()}` — \"{first.Message}\"");
                md.AppendLine();
                md.AppendLine("  ```csharp");
                foreach (var l in Snippet(tree, first.Path, first.Line))
                    md.AppendLine("  " + l);
                md.AppendLine("  ```");
            }

            foreach (var u in score.UnexpectedFalsePositives.Take(40))
                md.AppendLine($"- **{u.Rule}** (unexpected) `{u.Path}:{u.Line}`: `{LineOf(tree, u.Path, u.Line)}` — \"{u.Message}\"");
        }

        md.AppendLine();
        return md.ToString();
    }

    private static string LineOf(IReadOnlyList<GeneratedFile> tree, string path, int line)
    {
        var file = tree.FirstOrDefault(f => PlantedBugs.Normalize(f.Path) == PlantedBugs.Normalize(path));
        var lines = file?.Source.Split('\n');
        return lines != null && line - 1 < lines.Length ? lines[line - 1].Trim() : "?";
    }

    /// <summary>The member around a line: from the nearest line above that opens a member of the class to the line after.</summary>
    private static IEnumerable<string> Snippet(IReadOnlyList<GeneratedFile> tree, string path, int line)
    {
        var lines = tree.First(f => PlantedBugs.Normalize(f.Path) == PlantedBugs.Normalize(path)).Source.Split('\n');
        var start = line - 1;
        while (start > 0 && !lines[start].StartsWith("    public ", StringComparison.Ordinal))
            start--;
        var end = Math.Min(lines.Length - 1, line + 1);
        for (var i = start; i <= end; i++)
            yield return lines[i].Replace("`", "'", StringComparison.Ordinal);
    }

    internal static string CpuModel()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return model?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    internal static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    internal static string GitCommit(string root)
    {
        try
        {
            var psi = new ProcessStartInfo("git", ["rev-parse", "--short", "HEAD"]) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var sha = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    internal static async Task<string> Exec(string file, string[] args, string workingDirectory, bool check)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await stdout + await stderr;
        if (check && process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}:\n{text}");
        return text;
    }
}
