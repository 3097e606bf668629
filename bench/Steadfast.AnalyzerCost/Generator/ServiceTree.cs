using System.Text;

namespace Steadfast.AnalyzerCost;

/// <summary>One generated source file: its path inside the tree and its text.</summary>
public sealed record GeneratedFile(string Path, string Source);

/// <summary>What a template writes into a file, and where the file lives.</summary>
public sealed record TemplateContext(string Namespace, string Noun, string Key, int Index, Random Random)
{
    public string Lower => Noun.ToLowerInvariant();
    public int Pick(params int[] values) => values[Random.Next(values.Length)];
}

/// <summary>A file template: the folder (layer) it belongs to, the main type's name, and the code.</summary>
public sealed record Template(string Layer, string Name, Func<TemplateContext, string> Write);

/// <summary>
/// Writes a large, realistic, deterministic tree of service-style C#: controllers, hubs, repositories, workers,
/// hosted-service-like loops, Redis use (safe and unsafe), locks, collections, async code, DTOs, validators and
/// mappers. Every file with a planted bug marks the line where the diagnostic is expected with
/// <c>// PLANTED SFxxxx</c>; everything else is code the rules must stay silent on.
/// </summary>
public static class ServiceTree
{
    public const int DefaultFiles = 2000;
    public const int DefaultSeed = 20250901;
    public const int DefaultPlantEvery = 12;

    private static readonly string[] Nouns =
    [
        "Order", "Customer", "Invoice", "Shipment", "Payment", "Product", "Account", "Ticket", "Booking",
        "Subscription", "Refund", "Basket", "Warehouse", "Supplier", "Review", "Coupon", "Delivery", "Quote",
        "Tenant", "Report",
    ];

    /// <summary>The usings every generated file starts with (no type name in them clashes with another).</summary>
    private const string Usings = """
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        using System.Diagnostics;
        using System.Linq;
        using System.Text;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.AspNetCore.SignalR;
        using Microsoft.Extensions.Hosting;
        using StackExchange.Redis;
        """;

    /// <summary>Minimal stand-ins for the framework types the code uses, under their real full names.</summary>
    public const string FrameworkStubs = """
        namespace Microsoft.AspNetCore.Mvc
        {
            public abstract class ControllerBase
            {
                public IActionResult Ok(object? value = null) => new StatusResult(200, value);
                public IActionResult NotFound() => new StatusResult(404, null);
                public IActionResult BadRequest(object? error = null) => new StatusResult(400, error);
                public IActionResult Conflict() => new StatusResult(409, null);
            }
            public interface IActionResult { int StatusCode { get; } }
            public sealed class StatusResult : IActionResult
            {
                public StatusResult(int statusCode, object? value) { StatusCode = statusCode; Value = value; }
                public int StatusCode { get; }
                public object? Value { get; }
            }
            [System.AttributeUsage(System.AttributeTargets.Class)] public sealed class ApiControllerAttribute : System.Attribute { }
            [System.AttributeUsage(System.AttributeTargets.Class)] public sealed class RouteAttribute : System.Attribute { public RouteAttribute(string template) { Template = template; } public string Template { get; } }
            [System.AttributeUsage(System.AttributeTargets.Method)] public sealed class HttpGetAttribute : System.Attribute { public HttpGetAttribute(string template = "") { Template = template; } public string Template { get; } }
            [System.AttributeUsage(System.AttributeTargets.Method)] public sealed class HttpPostAttribute : System.Attribute { public HttpPostAttribute(string template = "") { Template = template; } public string Template { get; } }
        }
        namespace Microsoft.AspNetCore.SignalR
        {
            public abstract class Hub
            {
                public string ConnectionId { get; set; } = "";
                public virtual System.Threading.Tasks.Task OnConnectedAsync() => System.Threading.Tasks.Task.CompletedTask;
                public virtual System.Threading.Tasks.Task OnDisconnectedAsync(System.Exception? exception) => System.Threading.Tasks.Task.CompletedTask;
            }
        }
        namespace Microsoft.Extensions.Hosting
        {
            public interface IHostedService
            {
                System.Threading.Tasks.Task StartAsync(System.Threading.CancellationToken cancellationToken);
                System.Threading.Tasks.Task StopAsync(System.Threading.CancellationToken cancellationToken);
            }
            public abstract class BackgroundService : IHostedService
            {
                protected abstract System.Threading.Tasks.Task ExecuteAsync(System.Threading.CancellationToken stoppingToken);
                public virtual System.Threading.Tasks.Task StartAsync(System.Threading.CancellationToken cancellationToken) { _ = ExecuteAsync(cancellationToken); return System.Threading.Tasks.Task.CompletedTask; }
                public virtual System.Threading.Tasks.Task StopAsync(System.Threading.CancellationToken cancellationToken) => System.Threading.Tasks.Task.CompletedTask;
            }
        }
        """;

    /// <summary>
    /// Generates <paramref name="files"/> service files (plus one file of framework stand-ins). Every
    /// <paramref name="plantEvery"/>-th file holds a planted bug, cycling through all the planted templates.
    /// </summary>
    public static IReadOnlyList<GeneratedFile> Generate(int files = DefaultFiles, int seed = DefaultSeed, int plantEvery = DefaultPlantEvery)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(files);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(plantEvery);
        var random = new Random(seed);
        var result = new List<GeneratedFile>(files + 1) { new("Framework/FrameworkStubs.cs", FrameworkStubs + "\n") };
        var planted = 0;
        for (var i = 0; i < files; i++)
        {
            var noun = Nouns[random.Next(Nouns.Length)];
            Template template;
            if (i % plantEvery == plantEvery / 2)
                template = PlantedTemplates.All[planted++ % PlantedTemplates.All.Length];
            else
                template = CleanTemplates.All[random.Next(CleanTemplates.All.Length)];
            var ns = $"Contoso.{noun}s.{template.Layer}";
            var context = new TemplateContext(ns, noun, $"{noun.ToLowerInvariant()}:{i}", i, new Random(random.Next()));
            var source = new StringBuilder();
            source.Append(Usings).Append('\n').Append('\n');
            source.Append("namespace ").Append(ns).Append(";\n\n");
            source.Append(template.Write(context).TrimEnd()).Append('\n');
            Padding.Append(source, context);
            result.Add(new GeneratedFile($"{noun}s/{template.Layer}/{noun}{template.Name}{i}.cs", source.ToString()));
        }

        return result;
    }

    /// <summary>Writes the tree as a standalone project (no central package management, no repository props).</summary>
    public static void WriteProject(string directory, IReadOnlyList<GeneratedFile> files)
    {
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        foreach (var file in files)
        {
            var full = Path.Combine(directory, file.Path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, file.Source);
        }

        // Empty Directory.* files stop MSBuild from walking up into whatever encloses the output folder.
        File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "Directory.Packages.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(directory, "NuGet.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>

            """);
        File.WriteAllText(Path.Combine(directory, ProjectFileName), ProjectFile);
    }

    public const string ProjectFileName = "ServiceTree.csproj";

    /// <summary>
    /// The generated project. <c>SteadfastAnalyzers</c> names Steadfast.Analyzers.dll; when set, it is loaded as an analyzer.
    /// Versions are the ones Directory.Packages.props pins.
    /// </summary>
    public const string ProjectFile = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <OutputType>Library</OutputType>
            <Nullable>enable</Nullable>
            <ImplicitUsings>disable</ImplicitUsings>
            <LangVersion>latest</LangVersion>
            <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
            <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
            <GenerateDocumentationFile>false</GenerateDocumentationFile>
            <EnableNETAnalyzers Condition="'$(EnableNETAnalyzers)' == ''">false</EnableNETAnalyzers>
            <SteadfastAnalyzers Condition="'$(SteadfastAnalyzers)' == ''"></SteadfastAnalyzers>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="StackExchange.Redis" Version="2.13.23" />
            <PackageReference Include="System.IO.Hashing" Version="10.0.2" />
          </ItemGroup>
          <ItemGroup Condition="'$(SteadfastAnalyzers)' != ''">
            <Analyzer Include="$(SteadfastAnalyzers)" />
          </ItemGroup>
        </Project>

        """;
}
