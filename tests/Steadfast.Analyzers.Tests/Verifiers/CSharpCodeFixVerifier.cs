using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Steadfast.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and its fix: markup source in, exact fixed source out. The fixed source must
/// compile and be free of the rule's diagnostic; FixAll in document, project and solution is
/// exercised by the framework on every call.
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyFixAsync(string source, string fixedSource, bool withSteadfast = false, string? equivalenceKey = null) =>
        VerifyFixAsync([source], [fixedSource], withSteadfast, equivalenceKey);

    public static Task VerifyFixAsync(string[] sources, string[] fixedSources, bool withSteadfast = false, string? equivalenceKey = null,
        OutputKind outputKind = OutputKind.DynamicallyLinkedLibrary, DiagnosticResult[]? expected = null)
    {
        var test = new Test { CodeActionEquivalenceKey = equivalenceKey };
        // Diagnostics with additional locations cannot be written as [|…|] markup: pass them here.
        test.ExpectedDiagnostics.AddRange(expected ?? []);
        test.TestState.OutputKind = outputKind;
        test.FixedState.OutputKind = outputKind;
        foreach (var source in sources)
            test.TestState.Sources.Add(source);
        foreach (var fixedSource in fixedSources)
            test.FixedState.Sources.Add(fixedSource);
        if (withSteadfast)
        {
            test.TestState.AdditionalReferences.Add(TestReferences.Steadfast);
            test.FixedState.AdditionalReferences.Add(TestReferences.Steadfast);
        }

        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>A diagnostic the rule reports but for which no fix is offered (the shape is not safely rewritable).</summary>
    public static Task VerifyNoFixAsync(string source, params DiagnosticResult[] expected) => VerifyNoFixAsync(source, withSteadfast: false, expected);

    /// <summary>As above; <paramref name="withSteadfast"/> also references the Steadfast runtime (no Steadfast rewrite either).</summary>
    public static Task VerifyNoFixAsync(string source, bool withSteadfast, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source, FixedCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        if (withSteadfast)
        {
            test.TestState.AdditionalReferences.Add(TestReferences.Steadfast);
            test.FixedState.AdditionalReferences.Add(TestReferences.Steadfast);
        }

        return test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = TestReferences.Net80WithRedis;
            SolutionTransforms.Add((solution, projectId) =>
            {
                var project = solution.GetProject(projectId)!;
                var parse = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.CSharp12);
                return solution.WithProjectParseOptions(projectId, parse);
            });
        }
    }
}
