using System.Text.RegularExpressions;

namespace Steadfast.RealWorld.Compile;

/// <summary>
/// One project of a repository as the harness compiles it: the .cs files under its folder (minus bin/obj and nested
/// projects' folders), its project references, and the few settings that change how code binds (implicit and global
/// usings, nullable, the web SDK). Read from the .csproj text; nothing is evaluated or restored.
/// </summary>
internal sealed partial class SourceProject
{
    public required string ProjectFile { get; init; }
    public required string Folder { get; init; }
    public required string AssemblyName { get; init; }
    public List<string> Sources { get; } = [];
    public List<string> ProjectReferences { get; } = [];
    public List<string> GlobalUsings { get; } = [];
    public bool NullableEnabled { get; init; }

    /// <summary>Built on ASP.NET Core: the web SDK, or a reference to Microsoft.AspNetCore.* (loose files are given the benefit).</summary>
    public bool UsesAspNetCore { get; init; }

    /// <summary>Projects under the repository, each .cs file in exactly one; files outside every project form one loose project.</summary>
    public static List<SourceProject> Discover(string repositoryRoot)
    {
        var projectFiles = Directory.EnumerateFiles(repositoryRoot, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !IsBuildOutput(p)).OrderBy(p => p, StringComparer.Ordinal).ToList();
        var projects = projectFiles.Select(Read).ToList();

        // The deepest project folder that contains a file owns it (projects side by side in one folder share it: the first wins).
        var owners = projects.GroupBy(p => p.Folder).Select(g => g.First())
            .OrderByDescending(p => p.Folder.Length).ToList();
        var loose = new SourceProject
        {
            ProjectFile = Path.Combine(repositoryRoot, "(loose files)"),
            Folder = repositoryRoot,
            AssemblyName = "LooseFiles",
            UsesAspNetCore = true,
        };
        foreach (var file in Directory.EnumerateFiles(repositoryRoot, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (IsBuildOutput(file))
                continue;
            var owner = owners.FirstOrDefault(p => file.StartsWith(p.Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)) ?? loose;
            owner.Sources.Add(file);
        }

        if (loose.Sources.Count > 0)
        {
            loose.GlobalUsings.AddRange(ImplicitUsings.Default);
            projects.Add(loose);
        }

        return projects.Where(p => p.Sources.Count > 0 || projects.Any(q => q.ProjectReferences.Contains(p.ProjectFile))).ToList();
    }

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git" or "node_modules");

    private static SourceProject Read(string projectFile)
    {
        var text = File.ReadAllText(projectFile);
        var folder = Path.GetDirectoryName(projectFile)!;
        // Settings usually set once for the whole repository in Directory.Build.props above the project.
        // Each file's own relative imports come with it (<Import Project="../../platform/Directory.Build.props" />, a
        // Directory.Build.props importing .\Common.props): ImplicitUsings and Nullable are often set there.
        var inherited = string.Concat(AncestorBuildProps(folder).Select(WithImports));
        var settings = inherited + WithImports(projectFile);
        var project = new SourceProject
        {
            ProjectFile = projectFile,
            Folder = folder,
            AssemblyName = Property(text, "AssemblyName") ?? Path.GetFileNameWithoutExtension(projectFile),
            NullableEnabled = string.Equals(Property(settings, "Nullable"), "enable", StringComparison.OrdinalIgnoreCase),
            UsesAspNetCore = settings.Contains("Microsoft.NET.Sdk.Web", StringComparison.OrdinalIgnoreCase)
                || settings.Contains("Microsoft.NET.Sdk.Razor", StringComparison.OrdinalIgnoreCase)
                || settings.Contains("Microsoft.NET.Sdk.BlazorWebAssembly", StringComparison.OrdinalIgnoreCase)
                || settings.Contains("\"Microsoft.AspNetCore", StringComparison.OrdinalIgnoreCase),
        };

        foreach (Match reference in ProjectReferencePattern().Matches(text))
        {
            var relative = reference.Groups[1].Value.Replace('\\', Path.DirectorySeparatorChar);
            project.ProjectReferences.Add(Path.GetFullPath(Path.Combine(folder, relative)));
        }

        var implicitUsings = Property(settings, "ImplicitUsings");
        if (implicitUsings is "enable" or "true")
        {
            var sdk = SdkPattern().Match(text).Groups[1].Value;
            project.GlobalUsings.AddRange(sdk switch
            {
                "Microsoft.NET.Sdk.Web" => ImplicitUsings.Web,
                "Microsoft.NET.Sdk.Worker" => ImplicitUsings.Worker,
                _ => ImplicitUsings.Default,
            });
        }

        foreach (Match usingItem in UsingItemPattern().Matches(settings))
        {
            if (!usingItem.Value.Contains("Static=\"true\"", StringComparison.OrdinalIgnoreCase) &&
                !usingItem.Value.Contains("Alias=", StringComparison.OrdinalIgnoreCase))
                project.GlobalUsings.Add(usingItem.Groups[1].Value);
        }

        return project;
    }

    private static string WithImports(string file)
    {
        var text = File.ReadAllText(file);
        return string.Concat(ImportedProps(Path.GetDirectoryName(file)!, text).Select(File.ReadAllText)) + text;
    }

    private static IEnumerable<string> ImportedProps(string folder, string projectText)
    {
        foreach (Match import in ImportPattern().Matches(projectText))
        {
            var relative = import.Groups[1].Value;
            if (relative.Contains('$') || !relative.EndsWith(".props", StringComparison.OrdinalIgnoreCase))
                continue; // MSBuild's own targets, or a path built from properties this reader does not evaluate
            var path = Path.GetFullPath(Path.Combine(folder, relative.Replace('\\', Path.DirectorySeparatorChar)));
            if (File.Exists(path))
                yield return path;
        }
    }

    private static IEnumerable<string> AncestorBuildProps(string folder)
    {
        for (var dir = new DirectoryInfo(folder); dir != null; dir = dir.Parent)
        {
            var props = Path.Combine(dir.FullName, "Directory.Build.props");
            if (File.Exists(props))
                yield return props;
            if (File.Exists(Path.Combine(dir.FullName, ".steadfast-commit")))
                yield break; // the checkout's root
        }
    }

    private static string? Property(string text, string name)
    {
        var match = Regex.Match(text, $"<{name}>\\s*([^<]*?)\\s*</{name}>", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex("<ProjectReference\\s+Include\\s*=\\s*\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ProjectReferencePattern();

    [GeneratedRegex("<Import\\s+Project\\s*=\\s*\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ImportPattern();

    [GeneratedRegex("<Project\\s+Sdk\\s*=\\s*\"([^\"/]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SdkPattern();

    [GeneratedRegex("<Using\\s+Include\\s*=\\s*\"([^\"]+)\"[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex UsingItemPattern();

    /// <summary>The global usings the .NET SDKs generate when ImplicitUsings is on.</summary>
    private static class ImplicitUsings
    {
        public static readonly string[] Default =
        [
            "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading",
            "System.Threading.Tasks",
        ];

        public static readonly string[] Worker =
        [
            .. Default, "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
            "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
        ];

        public static readonly string[] Web =
        [
            .. Worker, "System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting",
            "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing",
        ];
    }
}
