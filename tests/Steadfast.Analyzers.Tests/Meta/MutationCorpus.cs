using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.Tests.Meta;

/// <summary>
/// C# sources to torture the analyzers with: every test source of the rule tests (the multi-line raw
/// strings in tests/Steadfast.Analyzers.Tests, markup removed) and every file of the samples — and
/// mutations of them the way an IDE sees code mid-typing.
/// </summary>
internal static class MutationCorpus
{
    private static readonly Regex Markup = new(@"\[\||\|\]|\{\|#\d+:|\|\}|\{\|[A-Z]{2}\d{4}:", RegexOptions.Compiled);

    /// <summary>Complete sources: the rule tests' inputs and expected outputs, and the sample apps.</summary>
    public static IReadOnlyList<string> Sources { get; } = Load();

    private static List<string> Load()
    {
        var root = AnalyzerCatalog.RepositoryRoot;
        var sources = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "tests", "Steadfast.Analyzers.Tests"), "*Tests.cs", SearchOption.AllDirectories))
        {
            var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file));
            foreach (var literal in tree.GetRoot().DescendantNodes().OfType<LiteralExpressionSyntax>())
            {
                if (!literal.Token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
                    continue;
                var text = Markup.Replace(literal.Token.ValueText, "");
                if (text.Contains("class ", StringComparison.Ordinal) || text.Contains("using ", StringComparison.Ordinal))
                    sources.Add(text);
            }
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "samples"), "*.cs", SearchOption.AllDirectories))
        {
            if (!file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                sources.Add("using System; using System.Linq; using System.Threading; using System.Threading.Tasks; using System.Collections.Generic;\n" + File.ReadAllText(file));
            }
        }

        return sources.Distinct().ToList();
    }

    /// <summary>
    /// Deterministic mutations of a source: truncated at several points, a token deleted, a token
    /// duplicated, a closing brace or parenthesis removed, an opening brace added.
    /// </summary>
    public static IEnumerable<(string Kind, string Text)> Mutate(string source, Random random, int perKind)
    {
        var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
        if (tokens.Count == 0)
            yield break;

        for (var i = 0; i < perKind; i++)
        {
            yield return ("truncate", source[..random.Next(source.Length)]);

            var deleted = tokens[random.Next(tokens.Count)];
            yield return ("delete-token", source.Remove(deleted.SpanStart, deleted.Span.Length));

            var duplicated = tokens[random.Next(tokens.Count)];
            yield return ("duplicate-token", source.Insert(duplicated.Span.End, " " + duplicated.Text));

            var closers = tokens.Where(t => t.IsKind(SyntaxKind.CloseBraceToken) || t.IsKind(SyntaxKind.CloseParenToken)).ToList();
            if (closers.Count > 0)
            {
                var closer = closers[random.Next(closers.Count)];
                yield return ("unbalance-close", source.Remove(closer.SpanStart, closer.Span.Length));
            }

            var anchor = tokens[random.Next(tokens.Count)];
            yield return ("unbalance-open", source.Insert(anchor.SpanStart, "{ "));
        }
    }
}
