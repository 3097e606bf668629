using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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

    /// <summary>StackExchange.Redis 2.1.30 (.NET Standard 2.0 build): before ListMove (2.6.45). Downloaded by the project file.</summary>
    public static readonly ImmutableArray<MetadataReference> Redis2130 =
        [MetadataReference.CreateFromFile(Path.Combine(AppContext.BaseDirectory, "redis-2.1.30", "StackExchange.Redis.dll"))];

    /// <summary>.NET 6 reference assemblies (the 6.0 servicing pack NuGet serves): no System.Threading.Lock, C# 10.</summary>
    public static readonly ReferenceAssemblies Net60 =
        new("net6.0", new PackageIdentity("Microsoft.NETCore.App.Ref", "6.0.36"), Path.Combine("ref", "net6.0"));
}

/// <summary>An older project a fix may run in: its reference assemblies, its C# version, and extra references (an old StackExchange.Redis).</summary>
public sealed record FixTarget(ReferenceAssemblies ReferenceAssemblies, LanguageVersion LanguageVersion, ImmutableArray<MetadataReference> AdditionalReferences)
{
    /// <summary>netstandard2.0 with C# 7.3 (the SDK's default there) and StackExchange.Redis 2.1.30.</summary>
    public static FixTarget NetStandard20WithRedis21 { get; } = new(ReferenceAssemblies.NetStandard.NetStandard20, LanguageVersion.CSharp7_3, TestReferences.Redis2130);

    /// <summary>net6.0 with C# 10 and StackExchange.Redis 2.1.30.</summary>
    public static FixTarget Net60WithRedis21 { get; } = new(TestReferences.Net60, LanguageVersion.CSharp10, TestReferences.Redis2130);

    /// <summary>net472 with C# 7.3 and StackExchange.Redis 2.1.30.</summary>
    public static FixTarget Net472WithRedis21 { get; } = new(ReferenceAssemblies.NetFramework.Net472.Default, LanguageVersion.CSharp7_3, TestReferences.Redis2130);
}
