using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Steadfast.Analyzers.Tests.Meta;

/// <summary>Every analyzer and fixer the packages ship, found by reflection so a new rule cannot escape the meta-tests.</summary>
internal static class AnalyzerCatalog
{
    public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(RuleIdentifiers).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static readonly ImmutableArray<CodeFixProvider> Fixers = typeof(global::Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockFixer).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
        .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static readonly ImmutableArray<string> CatalogIds = typeof(RuleIdentifiers)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToImmutableArray();

    public static string RepositoryRoot { get; } = typeof(AnalyzerCatalog).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static IEnumerable<object[]> AnalyzerNames() => Analyzers.Select(a => new object[] { a.GetType().Name });

    public static DiagnosticAnalyzer ByName(string name) => Analyzers.Single(a => a.GetType().Name == name);
}
