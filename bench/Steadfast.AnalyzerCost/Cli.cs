using System.Globalization;

namespace Steadfast.AnalyzerCost;

/// <summary>
/// <c>generate --out DIR [--files N] [--seed S] [--plant-every K]</c> writes the tree;
/// <c>measure --out DIR [--runs R] [--files N] [--seed S] [--report PATH]</c> builds the analyzers, writes the tree,
/// compiles it six ways (with and without Steadfast, analyzers off to NetAnalyzers All) and writes the Markdown report (bench/analyzer-cost.md by default).
/// </summary>
internal static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("""
                usage:
                  generate --out DIR [--files 2000] [--seed 20250901] [--plant-every 12]
                  measure  --out DIR [--runs 3] [--files 2000] [--seed 20250901] [--report bench/analyzer-cost.md]
                  realcode --out DIR [--rounds 5] [--only NAME] [--root /work/realcode] [--report bench/analyzer-cost.md]
                  realcode --out DIR --checkout DIR --project PATH.csproj [--name NAME] [--framework net10.0] [--rounds 5]
                """);
            return args.Length == 0 ? 1 : 0;
        }

        if (args[0] == "parse-log" && args.Length == 3)
        {
            Measurement.PrintLog(args[1], args[2]);
            return 0;
        }

        var options = Parse(args.Skip(1).ToArray());
        if (args[0] == "realcode")
            return await RealCodeAsync(options);

        var output = Path.GetFullPath(options.GetValueOrDefault("out") ?? throw new ArgumentException("--out DIR is required"));
        var files = Int(options, "files", ServiceTree.DefaultFiles);
        var seed = Int(options, "seed", ServiceTree.DefaultSeed);
        var plantEvery = Int(options, "plant-every", ServiceTree.DefaultPlantEvery);
        switch (args[0])
        {
            case "generate":
            {
                var tree = ServiceTree.Generate(files, seed, plantEvery);
                ServiceTree.WriteProject(output, tree);
                var planted = PlantedBugs.Find(tree);
                Console.WriteLine($"{tree.Count} files, {tree.Sum(f => f.Source.Count(ch => ch == '\n')):N0} lines, {planted.Count} planted bugs -> {output}");
                return 0;
            }

            case "measure":
            {
                var root = RepositoryRoot();
                var report = options.GetValueOrDefault("report") ?? Path.Combine(root, "bench", "analyzer-cost.md");
                var measurement = new Measurement(root, output, files, seed, plantEvery, Int(options, "runs", 3));
                return await measurement.RunAsync(Path.GetFullPath(report));
            }

            default:
                Console.Error.WriteLine($"unknown command '{args[0]}'");
                return 1;
        }
    }

    /// <summary>The real-code-base mode (issue 14): the two pinned code bases, or one checkout and project given on the command line.</summary>
    private static async Task<int> RealCodeAsync(Dictionary<string, string> options)
    {
        var root = RepositoryRoot();
        var output = Path.GetFullPath(options.GetValueOrDefault("out") ?? throw new ArgumentException("--out DIR is required"));
        var report = Path.GetFullPath(options.GetValueOrDefault("report") ?? Path.Combine(root, "bench", "analyzer-cost.md"));
        IReadOnlyList<RealCode.CodeBase> codeBases;
        if (options.TryGetValue("checkout", out var checkout))
        {
            var project = options.GetValueOrDefault("project") ?? throw new ArgumentException("--project PATH.csproj (relative to --checkout) is required with --checkout");
            var full = Path.GetFullPath(checkout);
            codeBases = [new RealCode.CodeBase(options.GetValueOrDefault("name") ?? Path.GetFileName(full), "(given)", "unknown", full, project, options.GetValueOrDefault("framework") ?? "net10.0")];
        }
        else
        {
            codeBases = RealCode.CodeBase.Known(options.GetValueOrDefault("root") ?? RealCode.CodeBase.DefaultRoot)
                .Where(c => !options.TryGetValue("only", out var only) || string.Equals(c.Name, only, StringComparison.OrdinalIgnoreCase)).ToList();
            if (codeBases.Count == 0)
                throw new ArgumentException("--only names no known code base (StackExchange.Redis, Polly)");
        }

        var rounds = Int(options, "rounds", 5);
        if (rounds < 1)
            throw new ArgumentException("--rounds must be at least 1");
        return await new RealCode.RealCodeMeasurement(root, output, codeBases, rounds).RunAsync(report);
    }

    private static Dictionary<string, string> Parse(string[] args)
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

    private static int Int(Dictionary<string, string> options, string name, int fallback) =>
        options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The repository this tool was built from (recorded at build time), or the nearest folder above with Analyzers.sln.</summary>
    private static string RepositoryRoot()
    {
        var recorded = typeof(Cli).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (!string.IsNullOrEmpty(recorded) && File.Exists(Path.Combine(recorded, "Analyzers.sln")))
            return Path.GetFullPath(recorded);
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Analyzers.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException("Run from inside the repository (no Analyzers.sln found above the current directory).");
    }
}
