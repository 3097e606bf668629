using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CSharp;

namespace Steadfast.RealWorld.Fixes;

internal enum FrameworkFamily
{
    NetFramework,
    NetStandard,
    NetCore,
}

/// <summary>
/// One target framework a project declares (<c>net472</c>, <c>netstandard2.0</c>, <c>netcoreapp3.1</c>, <c>net8.0</c>):
/// its <c>#if</c> symbols and the C# version the SDK picks for it when the project sets no LangVersion.
/// </summary>
internal sealed partial record TargetFramework(string Moniker, FrameworkFamily Family, Version Version) : IComparable<TargetFramework>
{
    private static readonly Version[] FrameworkVersions =
        [.. new[] { "2.0", "3.0", "3.5", "4.0", "4.5", "4.5.1", "4.5.2", "4.6", "4.6.1", "4.6.2", "4.7", "4.7.1", "4.7.2", "4.8", "4.8.1" }.Select(Version.Parse)];

    private static readonly Version[] StandardVersions =
        [.. new[] { "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.0", "2.1" }.Select(Version.Parse)];

    private static readonly Version[] CoreAppVersions =
        [.. new[] { "1.0", "1.1", "2.0", "2.1", "2.2", "3.0", "3.1" }.Select(Version.Parse)];

    /// <summary>net4x, netstandard, netcoreapp, netN.0 — with an OS suffix (<c>-windows</c>) or odd spellings (<c>net80</c>, <c>net8</c>) read as the SDK reads them.</summary>
    public static TargetFramework? Parse(string text)
    {
        var moniker = text.Trim().TrimStart('.').ToLowerInvariant();
        var dash = moniker.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
            moniker = moniker[..dash];
        var match = MonikerPattern().Match(moniker);
        if (!match.Success)
            return null;
        var digits = match.Groups["version"].Value;
        var family = match.Groups["family"].Value switch
        {
            "netstandard" => FrameworkFamily.NetStandard,
            "netcoreapp" => FrameworkFamily.NetCore,
            _ => FrameworkFamily.NetFramework,
        };
        string Dotted(string d) => d.Length == 1 ? d + ".0" : string.Join('.', d.ToCharArray());
        Version version;
        if (digits.Contains('.', StringComparison.Ordinal))
            version = Version.Parse(digits);
        else if (family != FrameworkFamily.NetFramework || digits[0] is '2' or '3' or '4')
            version = Version.Parse(Dotted(digits));
        else // net5, net8, net80, net10: .NET 5 and later without the dot
            version = new Version(int.Parse(digits[0] == '1' && digits.Length >= 2 ? digits[..2] : digits[..1], CultureInfo.InvariantCulture), 0);

        // net5.0 and later are .NET (Core); "net" followed by 4.x, 3.5, 2.0 is .NET Framework.
        if (family == FrameworkFamily.NetFramework && version.Major >= 5)
            family = FrameworkFamily.NetCore;
        var canonical = family switch
        {
            FrameworkFamily.NetStandard => $"netstandard{version.Major}.{version.Minor}",
            FrameworkFamily.NetCore when version.Major < 5 => $"netcoreapp{version.Major}.{version.Minor}",
            FrameworkFamily.NetCore => $"net{version.Major}.{version.Minor}",
            _ => "net" + version.ToString().Replace(".", "", StringComparison.Ordinal),
        };
        return new TargetFramework(canonical, family, version);
    }

    /// <summary>Oldest first: .NET Framework, then .NET Standard, then .NET (Core) — the first is the one with the fewest APIs.</summary>
    public int CompareTo(TargetFramework? other) =>
        other is null ? 1 : Family != other.Family ? Family.CompareTo(other.Family) : Version.CompareTo(other.Version);

    public IEnumerable<string> PreprocessorSymbols()
    {
        string Symbol(Version v) => v.Build > 0 ? $"{v.Major}{v.Minor}{v.Build}" : $"{v.Major}{v.Minor}";
        string Underscored(Version v) => $"{v.Major}_{v.Minor}";
        yield return "RELEASE";
        yield return "TRACE";
        switch (Family)
        {
            case FrameworkFamily.NetFramework:
                yield return "NETFRAMEWORK";
                yield return "NET" + Symbol(Version);
                foreach (var v in FrameworkVersions.Where(v => v <= Version))
                    yield return $"NET{Symbol(v)}_OR_GREATER";
                break;
            case FrameworkFamily.NetStandard:
                yield return "NETSTANDARD";
                yield return "NETSTANDARD" + Underscored(Version);
                foreach (var v in StandardVersions.Where(v => v <= Version))
                    yield return $"NETSTANDARD{Underscored(v)}_OR_GREATER";
                break;
            default:
                yield return "NETCOREAPP";
                foreach (var v in CoreAppVersions.Where(v => v <= Version))
                    yield return $"NETCOREAPP{Underscored(v)}_OR_GREATER";
                if (Version.Major < 5)
                {
                    yield return "NETCOREAPP" + Underscored(Version);
                    break;
                }

                yield return "NET";
                yield return $"NET{Underscored(Version)}";
                for (var major = 5; major <= Version.Major; major++)
                    yield return $"NET{major}_0_OR_GREATER";
                break;
        }
    }

    /// <summary>The SDK's default C# version for this target (used when the project sets no LangVersion).</summary>
    public LanguageVersion DefaultLanguageVersion => Family switch
    {
        FrameworkFamily.NetFramework => LanguageVersion.CSharp7_3,
        FrameworkFamily.NetStandard => Version >= new Version(2, 1) ? LanguageVersion.CSharp8 : LanguageVersion.CSharp7_3,
        _ => Version.Major switch
        {
            < 3 => LanguageVersion.CSharp7_3,
            < 5 => LanguageVersion.CSharp8,
            5 => LanguageVersion.CSharp9,
            6 => LanguageVersion.CSharp10,
            7 => LanguageVersion.CSharp11,
            8 => LanguageVersion.CSharp12,
            9 => LanguageVersion.CSharp13,
            _ => LanguageVersion.CSharp14,
        },
    };

    public override string ToString() => Moniker;

    [GeneratedRegex(@"^(?<family>netstandard|netcoreapp|net)(?<version>\d+(\.\d+)*)$")]
    private static partial Regex MonikerPattern();
}
