using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Steadfast.Docs.Tests.Snippets;

/// <summary>
/// Compiles one C# snippet the way docs/snippets.md describes: its own text as a file of top-level statements (or of
/// type declarations), beside the prelude (Prelude/Ambient.cs: the reader's own objects, such as <c>ct</c>, <c>redis</c>
/// or <c>payments</c>) and the usings of an ASP.NET Core project. A snippet that writes no using directive also gets the
/// Steadfast and StackExchange.Redis namespaces; one that writes any is expected to write all it needs.
/// Nothing is emitted: the compiler's errors are the result, each at its Markdown file and line.
/// </summary>
public sealed class SnippetCompiler
{
    /// <summary>The implicit usings of a Microsoft.NET.Sdk.Web project: what every service project starts with.</summary>
    public static readonly IReadOnlyList<string> ProjectUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    /// <summary>Added for snippets that write no using directive of their own.</summary>
    public static readonly IReadOnlyList<string> LibraryUsings =
    [
        "StackExchange.Redis", "System.Threading.RateLimiting", "Steadfast.CircuitBreakers", "Steadfast.Locks",
        "Steadfast.Queues", "Steadfast.Redundancy", "Steadfast.Retry", "Steadfast.Redis.RateLimiting",
        "Steadfast.Hosting", "Steadfast.Hosting.AspNetCore",
        // The third-party replicas of the redundancy examples.
        "Npgsql", "Grpc.Net.Client",
        // What the analyzer rules' examples (docs/rules) use: stopwatches, concurrent collections, a SignalR hub.
        "System.Diagnostics", "System.Collections.Concurrent", "Microsoft.AspNetCore.SignalR",
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<IReadOnlyList<MetadataReference>> LazyReferences = new(LoadReferences);

    private static readonly Lazy<SyntaxTree> Prelude = new(() =>
        CSharpSyntaxTree.ParseText(ReadPrelude("Prelude/Ambient.cs"), ParseOptions, path: "tests/Steadfast.Docs.Tests/Prelude/Ambient.cs"));

    public static SnippetCompiler Default { get; } = new();

    public IReadOnlyList<SnippetError> Compile(CodeSnippet snippet) =>
        CreateCompilation(snippet).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(ToError)
            .ToList();

    /// <summary>
    /// The diagnostics <paramref name="analyzers"/> report on the snippet (those a <c>#pragma</c> suppresses left out),
    /// each as its id and the Markdown line it starts on.
    /// </summary>
    public async Task<IReadOnlyList<(string Id, int Line)>> AnalyzeAsync(CodeSnippet snippet, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var diagnostics = await CreateCompilation(snippet).WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().ConfigureAwait(false);
        return diagnostics
            .Where(d => d.Location.GetMappedLineSpan().Path == snippet.File)
            .Select(d => (d.Id, d.Location.GetMappedLineSpan().StartLinePosition.Line + 1))
            .ToList();
    }

    private static CSharpCompilation CreateCompilation(CodeSnippet snippet)
    {
        ArgumentNullException.ThrowIfNull(snippet);
        if (!snippet.IsCSharp)
            throw new ArgumentException($"{snippet.Location} is a '{snippet.Language}' block, not C#.", nameof(snippet));

        // #line maps every diagnostic in the snippet to the Markdown file and line it was written on.
        var source = CSharpSyntaxTree.ParseText($"#line {snippet.Line} \"{snippet.File}\"\n{snippet.Code}", ParseOptions, path: snippet.File);
        var root = (CompilationUnitSyntax)source.GetRoot();
        var writesUsings = root.Usings.Count > 0;
        var usings = CSharpSyntaxTree.ParseText(GlobalUsings(writesUsings ? ProjectUsings : [.. ProjectUsings, .. LibraryUsings]), ParseOptions, path: "GlobalUsings.g.cs");
        var isProgram = root.Members.OfType<GlobalStatementSyntax>().Any();

        return CSharpCompilation.Create(
            "Snippet",
            [PreludeWithout(DeclaredTypeNames(root)), usings, source],
            LazyReferences.Value,
            new CSharpCompilationOptions(isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable));
    }

    private static string GlobalUsings(IEnumerable<string> namespaces) =>
        string.Concat(namespaces.Select(n => $"global using {n};\n"))
        + "global using static Ambient;\n";

    private static HashSet<string> DeclaredTypeNames(CompilationUnitSyntax root) =>
        root.DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.Text)
            .Concat(root.DescendantNodes().OfType<DelegateDeclarationSyntax>().Select(d => d.Identifier.Text))
            .ToHashSet(StringComparer.Ordinal);

    // The snippet's own Order (or Receipt …) stands in for the prelude's, as the reader's would; a prelude class that
    // implements a replaced interface (PaymentsClient, of IPaymentsClient) goes with it.
    private static SyntaxTree PreludeWithout(HashSet<string> typeNames)
    {
        var prelude = Prelude.Value;
        var replaced = prelude.GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>()
            .Where(t => typeNames.Contains(t.Identifier.Text)
                || t.BaseList?.Types.Any(b => typeNames.Contains(b.Type.ToString())) == true).ToList();
        return replaced.Count == 0 ? prelude : prelude.WithRootAndOptions(prelude.GetRoot().RemoveNodes(replaced, SyntaxRemoveOptions.KeepNoTrivia)!, prelude.Options);
    }

    private static SnippetError ToError(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        var file = span.IsValid ? span.Path : "(no location)";
        return new SnippetError(file, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, diagnostic.Id,
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string ReadPrelude(string name)
    {
        using var stream = typeof(SnippetCompiler).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded prelude '{name}' is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    // The assemblies this test process runs on: .NET, ASP.NET Core, Steadfast, Steadfast.Redis and their dependencies
    // (one version of each, chosen by the host) — without the test's own machinery.
    private static IReadOnlyList<MetadataReference> LoadReferences()
    {
        string[] testMachinery = ["xunit", "Microsoft.CodeAnalysis", "Microsoft.TestPlatform", "Microsoft.VisualStudio", "testhost", "Steadfast.Docs.Tests", "Steadfast.Analyzers", "Newtonsoft"];
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Where(p => !testMachinery.Any(m => Path.GetFileName(p).StartsWith(m, StringComparison.OrdinalIgnoreCase)))
            .Where(IsManaged)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    }

    private static bool IsManaged(string path)
    {
        try
        {
            AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
