using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers.Tests.Meta;

/// <summary>Keeps descriptors, docs, release tracking and fixers consistent with the rule catalog.</summary>
public sealed class RuleCatalogTests
{
    private static IEnumerable<DiagnosticDescriptor> Descriptors =>
        AnalyzerCatalog.Analyzers.SelectMany(a => a.SupportedDiagnostics).Distinct();

    [Fact]
    public void CatalogHasTheThirteenFixedIds() =>
        Assert.Equal(
            ["SF1001", "SF1002", "SF1003", "SF1004", "SF1005", "SF2001", "SF2002", "SF2003", "SF3001", "SF3002", "SF3003", "SF4001", "SF4002"],
            AnalyzerCatalog.CatalogIds.Order());

    [Fact]
    public void EveryDescriptorIsInTheCatalog_WithItsFamilyAndWarningSeverity()
    {
        Assert.NotEmpty(Descriptors);
        foreach (var descriptor in Descriptors)
        {
            Assert.Contains(descriptor.Id, AnalyzerCatalog.CatalogIds);
            var expectedCategory = descriptor.Id[2] switch
            {
                '1' => "Steadfast.Locks",
                '2' => "Steadfast.Queues",
                '3' => "Steadfast.SharedState",
                _ => "Steadfast.Resilience",
            };
            Assert.Equal(expectedCategory, descriptor.Category);
            Assert.Equal(DiagnosticSeverity.Warning, descriptor.DefaultSeverity);
            Assert.True(descriptor.IsEnabledByDefault);
        }
    }

    [Fact]
    public void EveryHelpLinkPointsAtAnExistingDocsPage()
    {
        foreach (var descriptor in Descriptors)
        {
            Assert.Equal($"https://github.com/steadfast-dotnet/steadfast/blob/main/docs/rules/{descriptor.Id}.md", descriptor.HelpLinkUri);
            var page = Path.Combine(AnalyzerCatalog.RepositoryRoot, "docs", "rules", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"missing {page}");
            Assert.StartsWith($"# {descriptor.Id}", File.ReadAllText(page));
        }
    }

    [Fact]
    public void EveryShippedRuleIsInReleaseTracking()
    {
        var unshipped = File.ReadAllText(Path.Combine(AnalyzerCatalog.RepositoryRoot, "src", "Steadfast.Analyzers", "AnalyzerReleases.Unshipped.md"));
        var shipped = File.ReadAllText(Path.Combine(AnalyzerCatalog.RepositoryRoot, "src", "Steadfast.Analyzers", "AnalyzerReleases.Shipped.md"));
        foreach (var descriptor in Descriptors)
            Assert.True(unshipped.Contains(descriptor.Id + " ") || shipped.Contains(descriptor.Id + " "), descriptor.Id);
    }

    [Fact]
    public void EveryFixerFixesCatalogRules_WithAFixAllProvider()
    {
        Assert.NotEmpty(AnalyzerCatalog.Fixers);
        var reported = Descriptors.Select(d => d.Id).ToHashSet();
        foreach (var fixer in AnalyzerCatalog.Fixers)
        {
            Assert.NotNull(fixer.GetFixAllProvider());
            Assert.All(fixer.FixableDiagnosticIds, id => Assert.Contains(id, reported));
        }
    }

    [Fact]
    public void OneRulePerFile_NamedAfterItsId()
    {
        var analyzersDir = Path.Combine(AnalyzerCatalog.RepositoryRoot, "src", "Steadfast.Analyzers");
        foreach (var analyzer in AnalyzerCatalog.Analyzers)
        {
            var name = analyzer.GetType().Name;
            Assert.Matches("^SF[0-9]{4}[A-Za-z]+Analyzer$", name);
            Assert.Single(Directory.GetFiles(analyzersDir, name + ".cs", SearchOption.AllDirectories));
            Assert.All(analyzer.SupportedDiagnostics, d => Assert.StartsWith(d.Id, name));
        }
    }

    [Fact]
    public void ReadmeRuleTableLinksEveryRulePage()
    {
        var readme = File.ReadAllText(Path.Combine(AnalyzerCatalog.RepositoryRoot, "README.md"));
        foreach (var id in AnalyzerCatalog.CatalogIds)
            Assert.Contains($"(docs/rules/{id}.md)", readme);
    }
}
