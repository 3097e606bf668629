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
            messageFormat: "'{0}' on key '{1}' {3} an earlier '{2}' of the same key, but another client can change the key in between{4}",
            description: "Redis runs each command atomically, not a sequence of them. Reading a key (KeyExists, StringGet, HashExists, HashGet) and then writing it (StringSet, HashSet, KeyDelete) based on what was read leaves a window in which another client writes the key: both clients see it missing and both set it, a value is deleted after someone else replaced it, or two clients read a counter or a stock level, change it and write it back, and one update is lost. Make the write itself conditional (When.NotExists / When.Exists), use an atomic command (INCRBY, HINCRBY), run it in a transaction with the matching condition, or in a Lua script.");

        private const string DependsOn = "depends on";
        private const string CheckThenActAdvice = "; use When.NotExists/When.Exists, a transaction condition or a script";
        private const string WritesBack = "writes back a value computed from";
        private const string ReadModifyWriteAdvice = " and its update is lost; use INCRBY/DECRBY (HINCRBY), a transaction condition or a script";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = RedisCheckThenActModel.Create(start.Compilation, followWrappers: true);
                if (model == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, model), OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context, RedisCheckThenActModel model)
        {
            var act = (IInvocationOperation)context.Operation;
            if (!model.IsUnconditionalAct(act, context.CancellationToken) || RedisCheckThenActModel.IsUnderDistributedLock(act))
                return;
            var found = model.FindCheck(act, context.CancellationToken);
            if (found == null)
            {
                var read = model.FindReadModifyWrite(act, context.CancellationToken);
                if (read != null)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        Rule,
                        act.Syntax.GetLocation(),
                        new[] { read.Syntax.GetLocation() },
                        RedisCheckThenActModel.BaseName(act.TargetMethod),
                        model.KeyText(act, context.CancellationToken),
                        RedisCheckThenActModel.BaseName(read.TargetMethod),
                        WritesBack,
                        ReadModifyWriteAdvice));
                }

                return;
            }
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                act.Syntax.GetLocation(),
                new[] { found.Check.Syntax.GetLocation() },
                ImmutableDictionary<string, string?>.Empty.Add(FactProperty, found.Fact.ToString()),
                found.ActName,
                model.KeyText(act, context.CancellationToken),
                found.CheckName,
                DependsOn,
                CheckThenActAdvice));
        }
    }
}
