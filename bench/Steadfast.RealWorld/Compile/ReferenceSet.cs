using Microsoft.CodeAnalysis;

namespace Steadfast.RealWorld.Compile;

/// <summary>
/// What every project is compiled against: the .NET and ASP.NET Core reference packs of the SDK running this tool,
/// and a few libraries the repositories commonly use (StackExchange.Redis above all: the lock and queue rules key on
/// it). A library is left out for a repository that builds an assembly of the same name from source.
/// </summary>
internal sealed class ReferenceSet
{
    private static readonly string[] LibraryAssemblies =
        ["StackExchange.Redis", "Pipelines.Sockets.Unofficial", "Newtonsoft.Json", "System.IO.Hashing"];

    private readonly IReadOnlyList<MetadataReference> _framework;
    private readonly IReadOnlyList<(string Name, MetadataReference Reference)> _libraries;

    private ReferenceSet(IReadOnlyList<MetadataReference> framework, IReadOnlyList<(string, MetadataReference)> libraries)
    {
        _framework = framework;
        _libraries = libraries;
    }

    public static ReferenceSet Create()
    {
        // shared/Microsoft.NETCore.App/<version>/ -> the dotnet root, then its packs/ folder.
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var framework = new List<MetadataReference>();
        foreach (var pack in new[] { "Microsoft.NETCore.App.Ref", "Microsoft.AspNetCore.App.Ref" })
        {
            var refFolder = NewestRefFolder(Path.Combine(dotnetRoot, "packs", pack))
                ?? throw new InvalidOperationException($"the SDK at {dotnetRoot} has no {pack} pack");
            framework.AddRange(Directory.EnumerateFiles(refFolder, "*.dll").Order(StringComparer.Ordinal)
                .Select(dll => MetadataReference.CreateFromFile(dll)));
        }

        var libraries = LibraryAssemblies
            .Select(name => (name, Path: Path.Combine(AppContext.BaseDirectory, name + ".dll")))
            .Where(l => File.Exists(l.Path))
            .Select(l => (l.name, (MetadataReference)MetadataReference.CreateFromFile(l.Path)))
            .ToList();
        return new ReferenceSet(framework, libraries);
    }

    /// <summary>The references for one repository: libraries it builds itself come from its own projects instead.</summary>
    public IEnumerable<MetadataReference> For(IReadOnlySet<string> assembliesBuiltFromSource) =>
        _framework.Concat(_libraries.Where(l => !assembliesBuiltFromSource.Contains(l.Name)).Select(l => l.Reference));

    private static string? NewestRefFolder(string packFolder)
    {
        if (!Directory.Exists(packFolder))
            return null;
        return Directory.EnumerateDirectories(packFolder)
            .Select(v => (Version: Version.TryParse(Path.GetFileName(v).Split('-')[0], out var parsed) ? parsed : new Version(0, 0), Folder: v))
            .OrderByDescending(v => v.Version)
            .Select(v => Directory.EnumerateDirectories(Path.Combine(v.Folder, "ref")).OrderByDescending(f => f, StringComparer.Ordinal).FirstOrDefault())
            .FirstOrDefault(f => f != null);
    }
}
