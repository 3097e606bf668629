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
    private readonly IReadOnlyList<MetadataReference> _aspNetCore;
    private readonly IReadOnlyList<(string Name, MetadataReference Reference)> _libraries;

    private ReferenceSet(IReadOnlyList<MetadataReference> framework, IReadOnlyList<MetadataReference> aspNetCore, IReadOnlyList<(string, MetadataReference)> libraries)
    {
        _framework = framework;
        _aspNetCore = aspNetCore;
        _libraries = libraries;
    }

    public static ReferenceSet Create()
    {
        // shared/Microsoft.NETCore.App/<version>/ -> the dotnet root, then its packs/ folder.
        var dotnetRoot = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        List<MetadataReference> Pack(string pack)
        {
            var refFolder = NewestRefFolder(Path.Combine(dotnetRoot, "packs", pack))
                ?? throw new InvalidOperationException($"the SDK at {dotnetRoot} has no {pack} pack");
            return Directory.EnumerateFiles(refFolder, "*.dll").Order(StringComparer.Ordinal)
                .Select(dll => (MetadataReference)MetadataReference.CreateFromFile(dll)).ToList();
        }

        var libraries = LibraryAssemblies
            .Select(name => (name, Path: Path.Combine(AppContext.BaseDirectory, name + ".dll")))
            .Where(l => File.Exists(l.Path))
            .Select(l => (l.name, (MetadataReference)MetadataReference.CreateFromFile(l.Path)))
            .ToList();
        return new ReferenceSet(Pack("Microsoft.NETCore.App.Ref"), Pack("Microsoft.AspNetCore.App.Ref"), libraries);
    }

    /// <summary>
    /// The references for one project: ASP.NET Core only where the project (or one it references) is built on it, as
    /// in its owner's build — the rules read "references ASP.NET Core" as evidence of concurrent requests. Libraries
    /// the repository builds itself come from its own projects instead.
    /// </summary>
    public IEnumerable<MetadataReference> For(IReadOnlySet<string> assembliesBuiltFromSource, bool aspNetCore) =>
        _framework.Concat(aspNetCore ? _aspNetCore : []).Concat(_libraries.Where(l => !assembliesBuiltFromSource.Contains(l.Name)).Select(l => l.Reference));

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
