using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Steadfast.Packaging.Tests;

/// <summary>
/// Packs Steadfast, Steadfast.Redis and Steadfast.Analyzers into a temporary feed, checks what is inside,
/// then builds fresh consuming projects against that feed and asserts the analyzer warning reaches the
/// build output with its ID, file and line.
/// </summary>
public sealed class PackAndConsumeTests : IClassFixture<PackAndConsumeTests.PackedFeed>
{
    private readonly PackedFeed _feed;

    public PackAndConsumeTests(PackedFeed feed) => _feed = feed;

    [Fact]
    public void SteadfastPackage_HasBothRuntimesAndTheAnalyzersOnce()
    {
        var entries = _feed.Entries("Steadfast");
        Assert.Contains("lib/net8.0/Steadfast.dll", entries);
        Assert.Contains("lib/net10.0/Steadfast.dll", entries);
        Assert.Single(entries, e => e == "analyzers/dotnet/cs/Steadfast.Analyzers.dll");
        Assert.Single(entries, e => e == "analyzers/dotnet/cs/Steadfast.Analyzers.CodeFixes.dll");
        Assert.DoesNotContain(entries, e => e.Contains("Microsoft.CodeAnalysis", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(_feed.Dependencies("Steadfast"), d => d.Id.StartsWith("Steadfast", StringComparison.Ordinal));
    }

    [Fact]
    public void RedisPackage_DependsOnSteadfastOfTheSameVersion_AndStackExchangeRedis()
    {
        var entries = _feed.Entries("Steadfast.Redis");
        Assert.Contains("lib/net8.0/Steadfast.Redis.dll", entries);
        Assert.Contains("lib/net10.0/Steadfast.Redis.dll", entries);
        var dependencies = _feed.Dependencies("Steadfast.Redis");
        Assert.Contains(dependencies, d => d.Id == "StackExchange.Redis");
        // Steadfast.Redis uses Steadfast's internals, so it must get the very Steadfast it was built with: an exact range,
        // in every target framework's group, never an open "x.y.z or newer".
        var steadfast = dependencies.Where(d => d.Id == "Steadfast").Select(d => d.Version).Distinct().ToList();
        Assert.Equal([$"[{_feed.Version}]"], steadfast);
    }

    [Fact]
    public async Task ConsumingProject_PairingSteadfastRedisWithAnotherSteadfast_IsWarnedAtRestore()
    {
        // A newer Steadfast next to this Steadfast.Redis: the pairing that would fail at run time with MissingMethodException.
        var newer = _feed.Version.Replace("0.1.0-", "0.1.1-", StringComparison.Ordinal);
        var (packCode, packLog) = await DotNetCli.RunAsync(PackedFeed.RepositoryRoot, null,
            "pack", "src/Steadfast/Steadfast.csproj", "-c", "Release", "-o", _feed.Feed, "-nodeReuse:false",
            "--artifacts-path", Path.Combine(_feed.Root, "artifacts-newer"), $"-p:PackageVersion={newer}");
        Assert.True(packCode == 0, packLog);

        var project = Directory.CreateDirectory(Path.Combine(_feed.Root, "consumer-mismatch")).FullName;
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Steadfast.Redis" Version="{_feed.Version}" />
                <PackageReference Include="Steadfast" Version="{newer}" />
              </ItemGroup>
            </Project>
            """);

        var (exitCode, output) = await DotNetCli.RunAsync(project, _feed.ConsumerEnvironment, "restore", "--configfile", _feed.NuGetConfig);

        Assert.True(exitCode == 0, output);
        Assert.Matches(new Regex($@"warning NU1608: .*Steadfast\.Redis {Regex.Escape(_feed.Version)} requires Steadfast \(= {Regex.Escape(_feed.Version)}\) but version Steadfast {Regex.Escape(newer)} was resolved"), output);
    }

    [Theory]
    [InlineData("Steadfast.Hosting", new[] { "Steadfast", "Steadfast.Redis" })]
    [InlineData("Steadfast.Hosting.AspNetCore", new[] { "Steadfast.Hosting" })]
    [InlineData("Steadfast.OpenTelemetry", new[] { "Steadfast", "Steadfast.Redis" })]
    public void HostingPackages_HaveBothRuntimes_AndDependOnTheirSiblingsOfTheSameVersion(string id, string[] siblings)
    {
        var entries = _feed.Entries(id);
        Assert.Contains($"lib/net8.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        var dependencies = _feed.Dependencies(id);
        foreach (var sibling in siblings)
        {
            Assert.Contains(dependencies, d => d.Id == sibling && d.Version.Contains(_feed.Version, StringComparison.Ordinal));
        }

        // ASP.NET Core stays out of every package but the one that needs it.
        Assert.Equal(id == "Steadfast.Hosting.AspNetCore", _feed.NuspecValue(id, "frameworkReferences") is not null);
    }

    [Fact]
    public void AnalyzersPackage_IsADevelopmentDependency_WithOnlyAnalyzers()
    {
        var entries = _feed.Entries("Steadfast.Analyzers");
        Assert.Contains("analyzers/dotnet/cs/Steadfast.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Steadfast.Analyzers.CodeFixes.dll", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));
        Assert.Equal("true", _feed.NuspecValue("Steadfast.Analyzers", "developmentDependency"));
        Assert.Empty(_feed.Dependencies("Steadfast.Analyzers"));
    }

    [Theory]
    [InlineData("Steadfast", "")]
    [InlineData("Steadfast.Redis", "")]
    [InlineData("Steadfast.Hosting", "")]
    [InlineData("Steadfast.Analyzers", " PrivateAssets=\"all\"")]
    public async Task ConsumingProject_GetsTheBuildWarningWithIdFileAndLine(string package, string referenceAttributes)
    {
        var project = Directory.CreateDirectory(Path.Combine(_feed.Root, "consumer-" + package)).FullName;
        File.WriteAllText(Path.Combine(project, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{package}" Version="{_feed.Version}"{referenceAttributes} />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            var start = DateTime.Now;
            Thread.Sleep(10);
            var end = DateTime.Now;
            Console.WriteLine(end - start < TimeSpan.FromSeconds(2) ? "switch successful" : "switch failed");
            """);

        var (exitCode, output) = await DotNetCli.RunAsync(project, _feed.ConsumerEnvironment, "build", "-nodeReuse:false", "--configfile", _feed.NuGetConfig);

        Assert.True(exitCode == 0, output);
        Assert.Matches(new Regex(@"Program\.cs\(4,19\): warning SF4002: 'end - start' measures elapsed time with the wall clock"), output);
    }

    /// <summary>Packs once per test run into a temporary feed with a version no cache can have seen.</summary>
    public sealed class PackedFeed : IAsyncLifetime
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("steadfast-pack-").FullName;
        public string Version { get; } = $"0.1.0-pkgtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        public string Feed => Path.Combine(Root, "feed");
        public string NuGetConfig => Path.Combine(Root, "nuget.config");
        public Dictionary<string, string> ConsumerEnvironment { get; } = new();

        public static string RepositoryRoot => typeof(PackedFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RepositoryRoot").Value!;

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Feed);
            // Packages land in a private folder (our test version never pollutes the user's cache);
            // everything else comes from the machine's cache first, then nuget.org.
            var packages = Path.Combine(Root, "packages");
            var globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            File.WriteAllText(NuGetConfig, $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{Feed}" />
                    <add key="machine-cache" value="{globalPackages}" />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                  </packageSources>
                </configuration>
                """);
            ConsumerEnvironment["NUGET_PACKAGES"] = packages;

            foreach (var project in new[]
            {
                "src/Steadfast.Redis/Steadfast.Redis.csproj", "src/Steadfast.Analyzers.Package/Steadfast.Analyzers.Package.csproj",
                "src/Steadfast.Hosting/Steadfast.Hosting.csproj", "src/Steadfast.Hosting.AspNetCore/Steadfast.Hosting.AspNetCore.csproj",
                "src/Steadfast.OpenTelemetry/Steadfast.OpenTelemetry.csproj",
            })
            {
                // A separate artifacts path: packing must not rewrite the bin/obj folders other test projects run from.
                var (exitCode, output) = await DotNetCli.RunAsync(RepositoryRoot, null,
                    "pack", project, "-c", "Release", "-o", Feed, "-nodeReuse:false",
                    "--artifacts-path", Path.Combine(Root, "artifacts"),
                    $"-p:PackageVersion={Version}");
                Assert.True(exitCode == 0, output);
            }

            // Packing Steadfast.Redis packs its dependency only as a reference; pack Steadfast itself too.
            var (code, log) = await DotNetCli.RunAsync(RepositoryRoot, null,
                "pack", "src/Steadfast/Steadfast.csproj", "-c", "Release", "-o", Feed, "-nodeReuse:false",
                "--artifacts-path", Path.Combine(Root, "artifacts"), $"-p:PackageVersion={Version}");
            Assert.True(code == 0, log);
        }

        public Task DisposeAsync()
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A build server may still hold a file for a moment; the OS temp cleaner gets the rest.
            }

            return Task.CompletedTask;
        }

        public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

        public IReadOnlyList<string> Entries(string id)
        {
            using var zip = ZipFile.OpenRead(PackagePath(id));
            return zip.Entries.Select(e => e.FullName).ToList();
        }

        private XDocument Nuspec(string id)
        {
            using var zip = ZipFile.OpenRead(PackagePath(id));
            using var stream = zip.Entries.Single(e => e.FullName == id + ".nuspec").Open();
            return XDocument.Load(stream);
        }

        public string? NuspecValue(string id, string element) =>
            Nuspec(id).Descendants().FirstOrDefault(e => e.Name.LocalName == element)?.Value;

        public IReadOnlyList<(string Id, string Version)> Dependencies(string id) =>
            Nuspec(id).Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!))
                .Distinct()
                .ToList();
    }
}
