using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace Steadfast.RealWorld.Fixes;

/// <summary>
/// Reference assemblies for one target framework, from the NuGet packages restore-fix-references downloads into
/// <c>/work/realworld/fix-packages/nuget</c>: .NET Framework (Microsoft.NETFramework.ReferenceAssemblies.net4x),
/// .NET Standard (NETStandard.Library 2.0.3, NETStandard.Library.Ref 2.1.0), .NET (Microsoft.NETCore.App.Ref and
/// Microsoft.AspNetCore.App.Ref), and StackExchange.Redis at the version a project pins. A version that is not served is
/// replaced by the nearest older one that is (never a newer one: a fix that builds against fewer APIs builds against
/// more); each substitution is named in <see cref="Describe"/>.
/// </summary>
internal sealed class TargetReferences
{
    public const string DefaultPackageFolder = "/work/realworld/fix-packages/nuget";

    // The versions restore-fix-references.csproj downloads.
    private static readonly (Version Framework, string Package, string Version)[] FrameworkPacks =
    [
        (new(4, 0), "microsoft.netframework.referenceassemblies.net40", "1.0.0"),
        (new(4, 5), "microsoft.netframework.referenceassemblies.net45", "1.0.2"),
        (new(4, 6, 1), "microsoft.netframework.referenceassemblies.net461", "1.0.3"),
        (new(4, 6, 2), "microsoft.netframework.referenceassemblies.net462", "1.0.3"),
        (new(4, 7, 1), "microsoft.netframework.referenceassemblies.net471", "1.0.2"),
        (new(4, 7, 2), "microsoft.netframework.referenceassemblies.net472", "1.0.3"),
        (new(4, 8), "microsoft.netframework.referenceassemblies.net48", "1.0.3"),
        (new(4, 8, 1), "microsoft.netframework.referenceassemblies.net481", "1.0.3"),
    ];

    private static readonly (Version Core, string Version, string? AspNet)[] CorePacks =
    [
        (new(3, 0), "3.0.0", "3.0.1"),
        (new(3, 1), "3.1.0", "3.1.10"),
        (new(5, 0), "5.0.0", "5.0.0"),
        (new(6, 0), "6.0.36", "6.0.36"),
        (new(8, 0), "8.0.34", "8.0.34"),
        (new(9, 0), "9.0.23", "9.0.23"),
        (new(10, 0), "10.0.15", "10.0.15"),
    ];

    private static readonly Version[] RedisVersions =
        [.. new[] { "1.2.6", "2.1.30", "2.5.61", "2.6.70", "2.6.90", "2.6.96", "2.7.27", "2.8.16", "2.13.17", "2.13.23" }.Select(Version.Parse)];

    private readonly string _packages;
    private readonly IReadOnlyList<(string Name, MetadataReference Reference)> _libraries;
    private readonly ConcurrentDictionary<string, IReadOnlyList<MetadataReference>> _cache = new(StringComparer.Ordinal);

    public TargetReferences(string packageFolder)
    {
        _packages = packageFolder;
        // Newtonsoft.Json and System.IO.Hashing as in the analyze run (they rarely matter to a fix; both sides of a compare get them).
        _libraries = new[] { "Newtonsoft.Json", "System.IO.Hashing" }
            .Select(name => (name, Path: Path.Combine(AppContext.BaseDirectory, name + ".dll")))
            .Where(l => File.Exists(l.Path))
            .Select(l => (l.name, (MetadataReference)MetadataReference.CreateFromFile(l.Path)))
            .ToList();
    }

    /// <summary>Whether the restore step has run (the folder holds the packages).</summary>
    public bool IsRestored => Directory.Exists(Path.Combine(_packages, "netstandard.library", "2.0.3"));

    /// <summary>"net7.0 → Microsoft.NETCore.App.Ref 6.0.36, StackExchange.Redis 2.1.30 (pinned 2.2.4)".</summary>
    public string Describe(TargetFramework target, Version redis)
    {
        var (package, version, _) = FrameworkFolder(target);
        return $"{target} → {package} {version}, StackExchange.Redis {ServedRedis(redis)}";
    }

    public IReadOnlyList<MetadataReference> For(TargetFramework target, bool aspNetCore, Version redis, IReadOnlySet<string> builtFromSource)
    {
        var key = $"{target}|{aspNetCore}|{redis}|{string.Join(',', builtFromSource.Order(StringComparer.Ordinal))}";
        return _cache.GetOrAdd(key, _ =>
        {
            var (package, version, folder) = FrameworkFolder(target);
            var dlls = Dlls(folder).ToList();
            if (aspNetCore && AspNetFolder(target) is { } aspNet)
                dlls.AddRange(Dlls(aspNet));
            if (!builtFromSource.Contains("StackExchange.Redis"))
                dlls.Add(RedisAssembly(target, ServedRedis(redis)));
            var references = dlls.Select(d => (MetadataReference)MetadataReference.CreateFromFile(d)).ToList();
            references.AddRange(_libraries.Where(l => !builtFromSource.Contains(l.Name)).Select(l => l.Reference));
            if (references.Count < 10)
                throw new InvalidOperationException($"{package} {version}: no reference assemblies under {folder}; run the restore step");
            return references;
        });
    }

    private static IEnumerable<string> Dlls(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.dll").Concat(Directory.Exists(Path.Combine(folder, "Facades")) ? Directory.EnumerateFiles(Path.Combine(folder, "Facades"), "*.dll") : [])
                .Order(StringComparer.Ordinal)
            : [];

    private (string Package, string Version, string Folder) FrameworkFolder(TargetFramework target)
    {
        switch (target.Family)
        {
            case FrameworkFamily.NetFramework:
            {
                var pack = FrameworkPacks.LastOrDefault(p => p.Framework <= target.Version);
                if (pack.Package is null)
                    pack = FrameworkPacks[0];
                var v = pack.Framework;
                var name = $"v{v.Major}.{v.Minor}" + (v.Build > 0 ? $".{v.Build}" : "");
                return (pack.Package, pack.Version, Path.Combine(_packages, pack.Package, pack.Version, "build", ".NETFramework", name));
            }

            case FrameworkFamily.NetStandard when target.Version >= new Version(2, 1):
                return ("netstandard.library.ref", "2.1.0", Path.Combine(_packages, "netstandard.library.ref", "2.1.0", "ref", "netstandard2.1"));
            case FrameworkFamily.NetStandard:
                return NetStandard20();
            default:
            {
                // .NET Core 2.x has no reference pack served: .NET Standard 2.0 is its nearest older API set.
                var pack = CorePacks.LastOrDefault(p => p.Core <= target.Version);
                if (pack.Version is null)
                    return NetStandard20();
                var folder = Path.Combine(_packages, "microsoft.netcore.app.ref", pack.Version, "ref", CoreMoniker(pack.Core));
                return ("microsoft.netcore.app.ref", pack.Version, folder);
            }
        }

        (string, string, string) NetStandard20() =>
            ("netstandard.library", "2.0.3", Path.Combine(_packages, "netstandard.library", "2.0.3", "build", "netstandard2.0", "ref"));
    }

    private string? AspNetFolder(TargetFramework target)
    {
        if (target.Family != FrameworkFamily.NetCore)
            return null;
        var pack = CorePacks.LastOrDefault(p => p.Core <= target.Version);
        return pack.AspNet is null ? null : Path.Combine(_packages, "microsoft.aspnetcore.app.ref", pack.AspNet, "ref", CoreMoniker(pack.Core));
    }

    private static string CoreMoniker(Version core) => core.Major < 5 ? $"netcoreapp{core.Major}.{core.Minor}" : $"net{core.Major}.{core.Minor}";

    /// <summary>The newest served version not newer than the pin; within another major version, the oldest served one above it.</summary>
    public static Version ServedRedis(Version pinned)
    {
        var older = RedisVersions.LastOrDefault(v => v <= pinned);
        return older != null && older.Major == pinned.Major ? older : RedisVersions.FirstOrDefault(v => v >= pinned) ?? RedisVersions[^1];
    }

    private string RedisAssembly(TargetFramework target, Version version)
    {
        var lib = Path.Combine(_packages, "stackexchange.redis", version.ToString(), "lib");
        var folders = Directory.Exists(lib) ? Directory.EnumerateDirectories(lib).Select(Path.GetFileName).OfType<string>().ToList() : [];
        var best = folders
            .Select(f => (Folder: f, Framework: TargetFramework.Parse(f)))
            .Where(f => f.Framework != null && IsCompatible(target, f.Framework))
            .OrderByDescending(f => f.Framework!.Family == target.Family)
            .ThenByDescending(f => f.Framework!.Version)
            .Select(f => f.Folder)
            .FirstOrDefault()
            // No compatible build (a net45 project on StackExchange.Redis 2.x would not restore): its .NET Standard one.
            ?? folders.Where(f => f.StartsWith("netstandard", StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"StackExchange.Redis {version} is not under {lib}; run the restore step");
        return Path.Combine(lib, best, "StackExchange.Redis.dll");
    }

    /// <summary>Whether a package built for <paramref name="library"/> can be used by <paramref name="target"/>.</summary>
    private static bool IsCompatible(TargetFramework target, TargetFramework library) => (target.Family, library.Family) switch
    {
        (var t, var l) when t == l => library.Version <= target.Version,
        (FrameworkFamily.NetFramework, FrameworkFamily.NetStandard) => library.Version <= new Version(2, 0) && target.Version >= new Version(4, 6, 1),
        (FrameworkFamily.NetCore, FrameworkFamily.NetStandard) => library.Version <= (target.Version.Major >= 3 ? new Version(2, 1) : new Version(2, 0)),
        _ => false,
    };
}
