using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Steadfast.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs one analyzer over markup sources: <c>[|…|]</c> marks where its diagnostic must be, anything
/// unmarked must stay silent.
/// </summary>
public static class CSharpAnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAsync(source, withSteadfast: false, expected);

    public static Task VerifyAsync(string source, bool withSteadfast, params DiagnosticResult[] expected) =>
        VerifyAsync(source, withSteadfast, OutputKind.DynamicallyLinkedLibrary, expected);

    public static Task VerifyAsync(string source, bool withSteadfast, OutputKind outputKind, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        test.TestState.OutputKind = outputKind;
        if (withSteadfast)
            test.TestState.AdditionalReferences.AddRange(TestReferences.Steadfast);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Several files of one compilation (a helper in one, its caller in another); markup may sit in any of them.</summary>
    public static Task VerifyAsync(string[] sources, params DiagnosticResult[] expected)
    {
        var test = new Test();
        for (var i = 0; i < sources.Length; i++)
            test.TestState.Sources.Add(($"File{i}.cs", sources[i]));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
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
