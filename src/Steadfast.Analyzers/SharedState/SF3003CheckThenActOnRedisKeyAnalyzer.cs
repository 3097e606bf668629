using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3003: StringSet / HashSet / KeyDelete of a key on the path that depends on an earlier KeyExists /
    /// StringGet / HashExists / HashGet of the same key, with no When condition, transaction condition or
    /// script: another client can change the key between the check and the act.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF3003CheckThenActOnRedisKeyAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the <see cref="CheckFact"/> the act's path depends on.</summary>
        public const string FactProperty = "Fact";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.CheckThenActOnRedisKey,
            title: "Check-then-act on a Redis key",
            messageFormat: "'{0}' on key '{1}' depends on an earlier '{2}' of the same key, but another client can change the key in between; use When.NotExists/When.Exists, a transaction condition or a script",
            description: "Redis runs each command atomically, not a sequence of them. Reading a key (KeyExists, StringGet, HashExists, HashGet) and then writing it (StringSet, HashSet, KeyDelete) based on what was read leaves a window in which another client writes the key: both clients see it missing and both set it, or a value is deleted after someone else replaced it. Make the write itself conditional (When.NotExists / When.Exists), or run it in a transaction with the matching condition, or in a Lua script.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = RedisCheckThenActModel.Create(start.Compilation);
                if (model == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, model), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, RedisCheckThenActModel model)
        {
            var act = (IInvocationOperation)context.Operation;
            if (!model.IsUnconditionalAct(act) || RedisCheckThenActModel.IsUnderDistributedLock(act))
                return;
            var found = model.FindCheck(act, context.CancellationToken);
            if (found == null)
                return;
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                act.Syntax.GetLocation(),
                new[] { found.Check.Syntax.GetLocation() },
                ImmutableDictionary<string, string?>.Empty.Add(FactProperty, found.Fact.ToString()),
                found.ActName,
                RedisCheckThenActModel.Key(act)!.Syntax.ToString(),
                found.CheckName));
        }
    }
}
