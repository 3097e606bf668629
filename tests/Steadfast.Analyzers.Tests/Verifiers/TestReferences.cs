using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Steadfast.Analyzers.Tests.Verifiers;

/// <summary>
/// What every test source compiles against: .NET 8 reference assemblies, StackExchange.Redis from
/// NuGet, and (optionally) the Steadfast runtime — the references a real user project has.
/// </summary>
internal static class TestReferences
{
    public const string StackExchangeRedisVersion = "2.13.23";

    public static readonly ReferenceAssemblies Net80WithRedis = ReferenceAssemblies.Net.Net80.AddPackages(
        [new PackageIdentity("StackExchange.Redis", StackExchangeRedisVersion), new PackageIdentity("System.IO.Hashing", "10.0.2")]);

    /// <summary>Steadfast's and Steadfast.Redis's net8.0 builds, copied beside the tests by the project file.</summary>
    public static readonly ImmutableArray<MetadataReference> Steadfast =
    [
        MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "steadfast-net8.0", "Steadfast.dll")),
        MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "steadfast-net8.0", "Steadfast.Redis.dll")),
    ];
}
