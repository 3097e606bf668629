using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Steadfast.AnalyzerCost.RealCode;

/// <summary>
/// Issue 14: what adding Steadfast.Analyzers costs a real code base's build, next to Roslynator.Analyzers. For each
/// code base: restore, one unmeasured warm-up build, then <c>rounds</c> rounds of four builds back to back — analyzers
/// off, the project as it is (base), base + Steadfast, base + Roslynator — with the order rotated by one each round.
/// Every build is a full rebuild with build servers off (<c>--disable-build-servers</c>, <c>-nodeReuse:false</c>,
/// <c>-p:UseSharedCompilation=false</c>), and the CPU of every process it started is counted. Each round gives the
/// ratios wall(+X) / wall(base) and CPU(+X) / CPU(base); the report gives their medians. Then one serial compile
/// (<c>/parallel-</c>) of the project with each addition attributes the analyzer time rule by rule.
/// The extra analyzers are added by path through <c>CustomAfterMicrosoftCommonTargets</c>, so the checkout is never edited.
/// </summary>
internal sealed partial class RealCodeMeasurement(string root, string output, IReadOnlyList<CodeBase> codeBases, int rounds)
{
    internal sealed record Config(string Key, string Title);

    internal sealed record Build(Config Config, int Round, double Wall, double Cpu, double SteadfastSeconds, double RoslynatorSeconds);

    internal sealed record SerialRun(Config Config, double Seconds, Dictionary<string, double> PerAnalyzer, Dictionary<string, double> PerAssembly);

    internal sealed record CodeBaseResult(CodeBase CodeBase, int Files, List<Build> Builds, List<SerialRun> Serial, string LoadBefore, string LoadAfter);

    public const string RoslynatorVersion = "5.0.1";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly Config[] Configs =
    [
        new("off", "analyzers off (`-p:RunAnalyzers=false`)"),
        new("base", "the project as it is (its own analyzers)"),
        new("steadfast", "base + Steadfast.Analyzers"),
        new("roslynator", $"base + Roslynator.Analyzers {RoslynatorVersion}"),
    ];

    public async Task<int> RunAsync(string reportPath)
    {
        MeasuredProcess.BecomeSubreaper();
        Directory.CreateDirectory(output);
        var commit = Measurement.GitCommit(root);
        Console.WriteLine($"[1/4] building src/Steadfast.Analyzers (Release) from {commit}");
        var analyzersArtifacts = Path.Combine(output, "artifacts");
        await Measurement.Exec("dotnet", ["build", Path.Combine(root, "src", "Steadfast.Analyzers", "Steadfast.Analyzers.csproj"), "-c", "Release",
            "--artifacts-path", analyzersArtifacts, "-nologo", "-v:q"], root, check: true);
        var steadfast = Path.Combine(analyzersArtifacts, "bin", "Steadfast.Analyzers", "release", "Steadfast.Analyzers.dll");
        if (!File.Exists(steadfast))
            throw new FileNotFoundException("Steadfast.Analyzers.dll not found after the build", steadfast);

        Console.WriteLine($"[2/4] restoring Roslynator.Analyzers {RoslynatorVersion}");
        var roslynator = await RestoreRoslynator();
        var targets = new Dictionary<string, string>
        {
            ["off"] = WriteTargets("none", []),
            ["base"] = WriteTargets("none", []),
            ["steadfast"] = WriteTargets("steadfast", [steadfast]),
            ["roslynator"] = WriteTargets("roslynator", roslynator),
        };

        var results = new List<CodeBaseResult>();
        foreach (var codeBase in codeBases)
        {
            if (!File.Exists(codeBase.ProjectPath))
                throw new FileNotFoundException($"{codeBase.Name}: no checkout at {codeBase.Checkout} (run bench/realcode/checkout.sh)", codeBase.ProjectPath);
            results.Add(await MeasureCodeBase(codeBase, targets));
        }

        Console.WriteLine("[4/4] writing the report");
        var section = Report(results, commit, await Measurement.Exec("dotnet", ["--version"], root, check: true));
        ReportFile.ReplaceSection(reportPath, section);
        Console.WriteLine($"report: {reportPath}");
        foreach (var r in results)
        {
            foreach (var c in new[] { "steadfast", "roslynator" })
                Console.WriteLine($"{r.CodeBase.Name} +{c}: wall × base {Ratio(r, c, b => b.Wall):F3}, CPU × base {Ratio(r, c, b => b.Cpu):F3}");
        }

        return 0;
    }

    private async Task<CodeBaseResult> MeasureCodeBase(CodeBase codeBase, Dictionary<string, string> targets)
    {
        var projectDir = Path.GetDirectoryName(codeBase.ProjectPath)!;
        var logs = Path.Combine(output, codeBase.Name);
        Directory.CreateDirectory(logs);
        var loadBefore = Measurement.LoadAverage();
        Console.WriteLine($"[3/4] {codeBase.Name}: restoring {codeBase.Project}, one warm-up build, then {rounds} rounds of {Configs.Length} builds");
        // The package feed may serve a newer patch than a project pins (NU1603), which the code bases treat as an error.
        await Measurement.Exec("dotnet", ["restore", codeBase.ProjectPath, "-nologo", "-v:q", "--disable-build-servers", "-p:TreatWarningsAsErrors=false"], projectDir, check: true);
        await RunBuild(codeBase, Configs[1], targets, Path.Combine(logs, "warmup.log"));

        var builds = new List<Build>();
        var files = 0;
        for (var round = 1; round <= rounds; round++)
        {
            for (var i = 0; i < Configs.Length; i++)
            {
                var config = Configs[(i + round - 1) % Configs.Length];
                var log = Path.Combine(logs, $"{config.Key}-{round}.log");
                var cost = await RunBuild(codeBase, config, targets, log);
                var text = await File.ReadAllTextAsync(log);
                var assemblies = AnalyzerTimesPerAssembly(text);
                files = Math.Max(files, CompiledFiles(text));
                var build = new Build(config, round, cost.WallSeconds, cost.CpuSeconds,
                    assemblies.Where(a => a.Key.StartsWith("Steadfast.", StringComparison.Ordinal)).Sum(a => a.Value),
                    assemblies.Where(a => a.Key.StartsWith("Roslynator", StringComparison.Ordinal)).Sum(a => a.Value));
                builds.Add(build);
                Console.WriteLine($"      round {round} {config.Key,-10}: {cost.WallSeconds,6:F1} s wall, {cost.CpuSeconds,6:F1} s CPU; own time Steadfast {build.SteadfastSeconds:F2} s, Roslynator {build.RoslynatorSeconds:F2} s; load {Measurement.LoadAverage()}");
            }
        }

        var serial = new List<SerialRun>();
        foreach (var config in Configs.Where(c => c.Key is "steadfast" or "roslynator"))
        {
            var log = Path.Combine(logs, $"{config.Key}-{rounds}.log");
            serial.Add(await Serial(codeBase, config, await File.ReadAllTextAsync(log)));
        }

        return new CodeBaseResult(codeBase, files, builds, serial, loadBefore, Measurement.LoadAverage());
    }

    private static async Task<ProcessCost> RunBuild(CodeBase codeBase, Config config, Dictionary<string, string> targets, string log)
    {
        List<string> args =
        [
            "build", codeBase.ProjectPath, "-c", "Release", "-f", codeBase.Framework, "--no-restore", "--no-incremental",
            "--disable-build-servers", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-p:ReportAnalyzer=true",
            // The code bases build with warnings as errors; an added analyzer's warnings must not stop the build.
            "-p:TreatWarningsAsErrors=false", "-p:CodeAnalysisTreatWarningsAsErrors=false",
            $"-p:CustomAfterMicrosoftCommonTargets={targets[config.Key]}", "-nologo", "-v:q", "-clp:ErrorsOnly",
            $"-flp:logfile={log};verbosity=detailed",
        ];
        if (config.Key == "off")
            args.Add("-p:RunAnalyzers=false");
        var cost = await MeasuredProcess.RunAsync("dotnet", args, Path.GetDirectoryName(codeBase.ProjectPath)!);
        if (cost.ExitCode != 0)
            throw new InvalidOperationException($"{codeBase.Name} ({config.Key}) build failed ({cost.ExitCode}); log {log}:\n{cost.Output}");
        return cost;
    }

    /// <summary>
    /// Re-runs the project's own compile from a build log with <c>/parallel-</c>: one thread, so ReportAnalyzer's
    /// per-analyzer times add up to the time the analyzers took instead of summing overlapping threads.
    /// </summary>
    private async Task<SerialRun> Serial(CodeBase codeBase, Config config, string log)
    {
        var assemblyName = Path.GetFileNameWithoutExtension(codeBase.Project);
        var command = CscCommand().Matches(log).Select(m => m.Groups["cmd"].Value.TrimEnd())
            .LastOrDefault(c => c.Contains($"{assemblyName}.dll", StringComparison.Ordinal) && c.Contains("/reportanalyzer", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{codeBase.Name}: no csc command line for {assemblyName} in the {config.Key} log");
        var projectDir = Path.GetDirectoryName(codeBase.ProjectPath)!;
        Console.WriteLine($"      serial compile ({config.Key}) of {assemblyName}");
        // The arguments go through a response file: csc reads it with the quoting MSBuild wrote (defines carry ';').
        var match = CscExecutable().Match(command);
        var rsp = Path.Combine(output, codeBase.Name, $"serial-{config.Key}.rsp");
        await File.WriteAllTextAsync(rsp, command[match.Length..]);
        List<string> args = match.Groups["dll"].Success ? ["exec", match.Groups["dll"].Value, $"@{rsp}", "/parallel-"] : [$"@{rsp}", "/parallel-"];
        var cost = await MeasuredProcess.RunAsync(match.Groups["dll"].Success ? match.Groups["host"].Value : match.Groups["exe"].Value, args, projectDir);
        await File.WriteAllTextAsync(Path.Combine(output, codeBase.Name, $"serial-{config.Key}.log"), cost.Output);
        var (perAnalyzer, perAssembly, _) = Measurement.ParseAnalyzerTimes(cost.Output);
        return new SerialRun(config, cost.WallSeconds, perAnalyzer, perAssembly);
    }

    // MSBuild logs the compiler's command line as the csc apphost or `dotnet exec csc.dll`, then the arguments.
    [GeneratedRegex(@"(?<cmd>(?:\S*dotnet(?:\.exe)? exec ""[^""]*csc\.dll""|\S*[/\\]csc(?:\.exe)?) /noconfig .*)$", RegexOptions.Multiline)]
    private static partial Regex CscCommand();

    [GeneratedRegex(@"^(?:(?<host>\S*dotnet(?:\.exe)?) exec ""(?<dll>[^""]*csc\.dll)""|(?<exe>\S*[/\\]csc(?:\.exe)?))")]
    private static partial Regex CscExecutable();

    private static Dictionary<string, double> AnalyzerTimesPerAssembly(string log)
    {
        // Each compilation prints its own table; add them up per assembly.
        var total = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var chunk in log.Split("Total analyzer execution time:").Skip(1))
        {
            var (_, perAssembly, _) = Measurement.ParseAnalyzerTimes("Total analyzer execution time:" + chunk);
            foreach (var (k, v) in perAssembly)
                total[k] = total.GetValueOrDefault(k) + v;
        }

        return total;
    }

    /// <summary>The number of C# files handed to the compiler, over all compilations of the build.</summary>
    private static int CompiledFiles(string log) =>
        CscCommand().Matches(log).Sum(m => Regex.Matches(m.Groups["cmd"].Value, @"\S+\.cs\b(?!proj)").Count);

    private async Task<string[]> RestoreRoslynator()
    {
        var dir = Path.Combine(output, "roslynator-restore");
        Directory.CreateDirectory(dir);
        var packages = Path.Combine(dir, "packages");
        await File.WriteAllTextAsync(Path.Combine(dir, "RoslynatorRestore.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <RestorePackagesPath>{packages}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Roslynator.Analyzers" Version="{RoslynatorVersion}" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "Directory.Build.props"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(dir, "Directory.Build.targets"), "<Project />");
        await File.WriteAllTextAsync(Path.Combine(dir, "Directory.Packages.props"), "<Project />");
        await Measurement.Exec("dotnet", ["restore", "RoslynatorRestore.csproj", "-nologo", "-v:q"], dir, check: true);
        var analyzers = Path.Combine(packages, "roslynator.analyzers", RoslynatorVersion, "analyzers", "dotnet");
        // The package ships one folder per Roslyn version it supports; the SDK's compiler takes the newest.
        var newest = Directory.GetDirectories(analyzers, "roslyn*").OrderBy(d => Version.Parse(Path.GetFileName(d)[6..])).Last();
        return Directory.GetFiles(Path.Combine(newest, "cs"), "*.dll");
    }

    private string WriteTargets(string name, string[] analyzers)
    {
        var path = Path.Combine(output, $"add-{name}.targets");
        var items = string.Concat(analyzers.Select(a => $"\n    <Analyzer Include=\"{a}\" />"));
        File.WriteAllText(path, $"""
            <Project>
              <!-- Written by Steadfast.AnalyzerCost: the analyzers this configuration adds to every compilation of the build. -->
              <ItemGroup>{items}
              </ItemGroup>
            </Project>
            """);
        return path;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToArray();
        if (v.Length == 0)
            return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>The median over rounds of value(config) / value(base) within the same round.</summary>
    private static double Ratio(CodeBaseResult r, string config, Func<Build, double> value) =>
        Median(r.Builds.GroupBy(b => b.Round).Select(g => value(g.Single(b => b.Config.Key == config)) / value(g.Single(b => b.Config.Key == "base"))));

    private string Report(List<CodeBaseResult> results, string commit, string sdk)
    {
        var md = new StringBuilder();
        string F(double v, string format = "F3") => double.IsNaN(v) ? "n/a" : v.ToString(format, Inv);
        md.AppendLine("## Real code bases (issue 14)");
        md.AppendLine();
        md.AppendLine("Generated by `dotnet run -c Release --project bench/Steadfast.AnalyzerCost -- realcode --out /tmp/cost-real` — do not edit by hand.");
        md.AppendLine("The checkouts come from bench/realcode/checkout.sh (see bench/realcode/README.md). Target: Steadfast's wall and CPU ≤ 1.03 × base");
        md.AppendLine("on each code base, and below Roslynator's in the same rounds.");
        md.AppendLine();
        md.AppendLine($"- date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}; {Environment.ProcessorCount} logical cores ({Measurement.CpuModel()}); .NET SDK {sdk.Trim()}; Steadfast.Analyzers from commit {commit}");
        md.AppendLine($"- {rounds} paired rounds per code base: off / base / +Steadfast / +Roslynator built back to back, the order rotated by one each round,");
        md.AppendLine("  after one unmeasured warm-up build. Each build: `dotnet build -c Release -f FRAMEWORK --no-restore --no-incremental --disable-build-servers");
        md.AppendLine("  -nodeReuse:false -p:UseSharedCompilation=false -p:ReportAnalyzer=true -p:TreatWarningsAsErrors=false`; the added analyzers come in by path through");
        md.AppendLine("  `-p:CustomAfterMicrosoftCommonTargets` (every compilation of the build, as a package in Directory.Build.props would).");
        md.AppendLine($"- wall: the `dotnet build` process; CPU: user + system time of every process of the build (this tool is the child subreaper and reaps them all{(MeasuredProcess.CountsWholeTree ? "" : " — **not available here: only waited-for children count**")}).");
        md.AppendLine("- × base: the median over rounds of the round's build time divided by the same round's base build time.");
        md.AppendLine("- own reported time: ReportAnalyzer's time for the added analyzer assembly, summed over the build's compilations (median); it adds up");
        md.AppendLine("  callbacks on all threads and leaves out work the compiler does on an analyzer's behalf (binding, operation trees).");
        md.AppendLine();
        md.AppendLine("| code base | added to the build | wall × base | CPU × base | own reported time (s) | target met | wall s per round | CPU s per round |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | --- | --- | --- |");
        foreach (var r in results)
        {
            var cb = r.CodeBase;
            var name = $"{cb.Name} @ {cb.Commit[..7]}, `{cb.Project}` {cb.Framework} ({r.Files:N0} files)";
            foreach (var c in Configs)
            {
                var own = c.Key switch
                {
                    "steadfast" => F(Median(r.Builds.Where(b => b.Config.Key == c.Key).Select(b => b.SteadfastSeconds)), "F2"),
                    "roslynator" => F(Median(r.Builds.Where(b => b.Config.Key == c.Key).Select(b => b.RoslynatorSeconds)), "F2"),
                    _ => "",
                };
                var wall = Ratio(r, c.Key, b => b.Wall);
                var cpu = Ratio(r, c.Key, b => b.Cpu);
                var met = c.Key != "steadfast" ? "" :
                    wall <= 1.03 && cpu <= 1.03 && wall < Ratio(r, "roslynator", b => b.Wall) && cpu < Ratio(r, "roslynator", b => b.Cpu) ? "yes" : "**no**";
                var runs = r.Builds.Where(b => b.Config.Key == c.Key).OrderBy(b => b.Round).ToList();
                md.AppendLine($"| {name} | {c.Title} | {F(wall)} | {F(cpu)} | {own} | {met} | {string.Join(", ", runs.Select(b => b.Wall.ToString("F1", Inv)))} | {string.Join(", ", runs.Select(b => b.Cpu.ToString("F1", Inv)))} |");
                name = "";
            }
        }

        md.AppendLine();
        md.AppendLine("Load average (1, 5, 15 min) before and after: " + string.Join("; ", results.Select(r => $"{r.CodeBase.Name} {r.LoadBefore} → {r.LoadAfter}")) + ".");
        md.AppendLine();
        md.AppendLine("### Per rule, serial compile (`/parallel-`, ReportAnalyzer)");
        md.AppendLine();
        md.AppendLine("The last round's compile of the project itself (not its references), re-run from the build log's csc command line with");
        md.AppendLine("`/parallel-`: one thread, so the analyzers' times are not summed over overlapping threads. This explains where time goes; the gate is the table above.");
        md.AppendLine();
        foreach (var r in results)
        {
            var s = r.Serial.Single(x => x.Config.Key == "steadfast");
            var ros = r.Serial.Single(x => x.Config.Key == "roslynator");
            var steadfastTotal = s.PerAssembly.Where(a => a.Key.StartsWith("Steadfast.", StringComparison.Ordinal)).Sum(a => a.Value);
            var roslynatorTotal = ros.PerAssembly.Where(a => a.Key.StartsWith("Roslynator", StringComparison.Ordinal)).Sum(a => a.Value);
            md.AppendLine($"**{r.CodeBase.Name}**: serial compile {F(s.Seconds, "F1")} s with Steadfast (its analyzers {F(steadfastTotal, "F2")} s), {F(ros.Seconds, "F1")} s with Roslynator (its analyzers {F(roslynatorTotal, "F2")} s).");
            md.AppendLine();
            md.AppendLine("| rule | analyzer | time (s) |");
            md.AppendLine("| --- | --- | ---: |");
            foreach (var (analyzer, seconds) in s.PerAnalyzer.Where(a => a.Key.StartsWith("Steadfast.", StringComparison.Ordinal)).OrderByDescending(a => a.Value))
            {
                var type = analyzer.Split(' ')[0];
                var rule = Regex.Match(type, @"SF\d{4}").Value;
                md.AppendLine($"| {rule} | `{type[(type.LastIndexOf('.') + 1)..]}` | {F(seconds, "F3")} |");
            }

            md.AppendLine();
            var others = s.PerAssembly.Where(a => !a.Key.StartsWith("Steadfast.", StringComparison.Ordinal)).OrderByDescending(a => a.Value).Take(6);
            md.AppendLine($"The project's own analyzers in the same compile: {string.Join("; ", others.Select(o => $"{o.Key} {F(o.Value, "F2")} s"))}.");
            md.AppendLine();
        }

        return md.ToString();
    }
}
