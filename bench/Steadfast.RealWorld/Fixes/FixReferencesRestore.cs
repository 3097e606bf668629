using System.Diagnostics;

namespace Steadfast.RealWorld.Fixes;

/// <summary>
/// Downloads the reference packages <see cref="TargetReferences"/> reads, once, with an ordinary <c>dotnet restore</c> of a
/// throw-away project of PackageDownload items into the package folder (run under the caller's build lock).
/// </summary>
internal static class FixReferencesRestore
{
    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <!-- Written by the real-world harness: downloads the reference assemblies the fix evaluation compiles against. -->
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
            <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
            <ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps>
          </PropertyGroup>
          <ItemGroup>
            <PackageDownload Include="NETStandard.Library" Version="[2.0.3]" />
            <PackageDownload Include="NETStandard.Library.Ref" Version="[2.1.0]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net40" Version="[1.0.0]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net45" Version="[1.0.2]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net461" Version="[1.0.3]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net462" Version="[1.0.3]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net471" Version="[1.0.2]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net472" Version="[1.0.3]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net48" Version="[1.0.3]" />
            <PackageDownload Include="Microsoft.NETFramework.ReferenceAssemblies.net481" Version="[1.0.3]" />
            <PackageDownload Include="Microsoft.NETCore.App.Ref" Version="[3.0.0];[3.1.0];[5.0.0];[6.0.36];[8.0.34];[9.0.23];[10.0.15]" />
            <PackageDownload Include="Microsoft.AspNetCore.App.Ref" Version="[3.0.1];[3.1.10];[5.0.0];[6.0.36];[8.0.34];[9.0.23];[10.0.15]" />
            <PackageDownload Include="StackExchange.Redis" Version="[1.2.6];[2.1.30];[2.5.61];[2.6.70];[2.6.90];[2.6.96];[2.7.27];[2.8.16];[2.13.17];[2.13.23]" />
          </ItemGroup>
        </Project>
        """;

    public static async Task EnsureAsync(TargetReferences references, string packageFolder)
    {
        if (references.IsRestored)
            return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(packageFolder))!;
        Directory.CreateDirectory(folder);
        var project = Path.Combine(folder, "restore.csproj");
        await File.WriteAllTextAsync(project, Project);
        Console.WriteLine($"restoring the reference packages into {packageFolder} …");
        using var process = Process.Start(new ProcessStartInfo("dotnet", ["restore", project, "--packages", packageFolder]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start dotnet restore");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 || !references.IsRestored)
            throw new InvalidOperationException($"dotnet restore {project} failed ({process.ExitCode})");
    }
}
