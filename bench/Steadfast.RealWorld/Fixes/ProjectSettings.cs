using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;
using Steadfast.RealWorld.Compile;

namespace Steadfast.RealWorld.Fixes;

/// <summary>
/// What a project builds for, read from its project file and the Directory.Build.props / Directory.Packages.props above
/// it (text only, nothing evaluated): its target frameworks, its LangVersion, and the StackExchange.Redis version it pins.
/// Simple <c>$(Property)</c> references are expanded; conditions are ignored (the first value written wins).
/// </summary>
internal sealed partial record ProjectSettings(
    IReadOnlyList<TargetFramework> Targets,
    bool TargetsGuessed,
    string? LangVersion,
    Version RedisVersion,
    string RedisPinSource)
{
    /// <summary>Used for a project that names no StackExchange.Redis version anywhere in its repository (the harness's own).</summary>
    public static readonly Version DefaultRedisVersion = new(2, 13, 23);

    /// <summary>Used for a project that names no target at all (loose files): what the analyze run compiles against.</summary>
    private static readonly TargetFramework DefaultTarget = TargetFramework.Parse("net10.0")!;

    public LanguageVersion LanguageVersionFor(TargetFramework target)
    {
        if (LangVersion is null || LangVersion.Equals("default", StringComparison.OrdinalIgnoreCase))
            return target.DefaultLanguageVersion;
        return LanguageVersionFacts.TryParse(LangVersion, out var parsed) ? parsed.MapSpecifiedToEffectiveVersion() : target.DefaultLanguageVersion;
    }

    public static ProjectSettings Read(SourceProject project, string repositoryRoot)
    {
        if (!File.Exists(project.ProjectFile))
            return new ProjectSettings([DefaultTarget], true, null, RepositoryRedisPin(repositoryRoot) ?? DefaultRedisVersion, "default");

        var own = File.ReadAllText(project.ProjectFile);
        var ancestors = Ancestors(project.Folder, repositoryRoot).ToList();
        var buildProps = ancestors.Select(d => Path.Combine(d, "Directory.Build.props")).Where(File.Exists).Select(File.ReadAllText).ToList();
        var packageProps = ancestors.Select(d => Path.Combine(d, "Directory.Packages.props")).Where(File.Exists).Select(File.ReadAllText).ToList();
        var properties = Properties([.. buildProps.AsEnumerable().Reverse(), own]);
        string? Get(string name)
        {
            var value = Property(own, name) ?? buildProps.Select(p => Property(p, name)).FirstOrDefault(v => v != null);
            return value is null ? null : Expand(value, properties);
        }

        var targetText = Get("TargetFrameworks") ?? Get("TargetFramework");
        var legacy = Get("TargetFrameworkVersion"); // old-style projects: v4.6.1
        if (targetText is null && legacy is not null)
            targetText = "net" + legacy.TrimStart('v').Replace(".", "", StringComparison.Ordinal);
        var targets = (targetText ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(TargetFramework.Parse).OfType<TargetFramework>().Distinct().Order().ToList();
        var guessed = targets.Count == 0;
        if (guessed)
            targets.Add(DefaultTarget);

        var (redis, source) = RedisPin(own, packageProps, properties) is { } pinned ? (pinned, "project")
            : RepositoryRedisPin(repositoryRoot) is { } repositoryPin ? (repositoryPin, "repository")
            : (DefaultRedisVersion, "default");
        return new ProjectSettings(targets, guessed, Get("LangVersion"), redis, source);
    }

    private static Version? RedisPin(string projectText, IReadOnlyList<string> packageProps, IReadOnlyDictionary<string, string> properties)
    {
        var reference = RedisReferencePattern().Match(projectText);
        if (!reference.Success)
            return null;
        var version = reference.Groups["version"].Success ? reference.Groups["version"].Value : null;
        version ??= packageProps.Select(p => RedisPackageVersionPattern().Match(p)).FirstOrDefault(m => m.Success)?.Groups["version"].Value;
        return version is null ? null : ParseVersion(Expand(version, properties));
    }

    /// <summary>The lowest StackExchange.Redis version any project or props file of the repository names.</summary>
    private static Version? RepositoryRedisPin(string repositoryRoot) =>
        Directory.EnumerateFiles(repositoryRoot, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal))
            .SelectMany(f => RedisAnyVersionPattern().Matches(File.ReadAllText(f)))
            .Select(m => ParseVersion(m.Groups["version"].Value))
            .OfType<Version>()
            .Order()
            .FirstOrDefault();

    /// <summary>"2.6.90", "[2.0.513,)", "2.*": the lowest version the range allows.</summary>
    private static Version? ParseVersion(string text)
    {
        var match = Regex.Match(text, @"(\d+)(\.\d+)?(\.\d+)?");
        if (!match.Success)
            return null;
        var parts = match.Value.Split('.').Select(int.Parse).Concat([0, 0]).Take(3).ToArray();
        return new Version(parts[0], parts[1], parts[2]);
    }

    private static IEnumerable<string> Ancestors(string folder, string repositoryRoot)
    {
        for (var dir = new DirectoryInfo(folder); dir != null; dir = dir.Parent)
        {
            yield return dir.FullName;
            if (string.Equals(dir.FullName.TrimEnd('/'), repositoryRoot.TrimEnd('/'), StringComparison.Ordinal))
                yield break;
        }
    }

    private static Dictionary<string, string> Properties(IEnumerable<string> texts)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var text in texts)
        {
            foreach (Match match in PropertyPattern().Matches(text))
                result.TryAdd(match.Groups[1].Value, match.Groups[2].Value.Trim());
        }

        return result;
    }

    private static string Expand(string value, IReadOnlyDictionary<string, string> properties)
    {
        for (var i = 0; i < 5 && value.Contains("$(", StringComparison.Ordinal); i++)
            value = ReferencePattern().Replace(value, m => properties.TryGetValue(m.Groups[1].Value, out var v) && !v.Contains("$(" + m.Groups[1].Value + ")", StringComparison.Ordinal) ? v : "");
        return value;
    }

    private static string? Property(string text, string name)
    {
        var match = Regex.Match(text, $"<{name}(\\s[^>]*)?>\\s*([^<]*?)\\s*</{name}>", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[2].Value : null;
    }

    [GeneratedRegex(@"<([A-Za-z_][\w.]*)(?:\s[^>]*)?>([^<]*)</\1>")]
    private static partial Regex PropertyPattern();

    [GeneratedRegex(@"\$\(([\w.]+)\)")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"<PackageReference\s+Include\s*=\s*""StackExchange\.Redis(?:\.StrongName)?""(?:[^>]*?\bVersion(?:Override)?\s*=\s*""(?<version>[^""]+)"")?[^>]*?(?:/>|>(?:\s*<Version>(?<version>[^<]+)</Version>)?)", RegexOptions.IgnoreCase)]
    private static partial Regex RedisReferencePattern();

    [GeneratedRegex(@"<PackageVersion\s+Include\s*=\s*""StackExchange\.Redis""[^>]*?\bVersion\s*=\s*""(?<version>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex RedisPackageVersionPattern();

    [GeneratedRegex(@"Include\s*=\s*""StackExchange\.Redis(?:\.StrongName)?""[^>]*?\bVersion\s*=\s*""(?<version>[^""$]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex RedisAnyVersionPattern();
}
