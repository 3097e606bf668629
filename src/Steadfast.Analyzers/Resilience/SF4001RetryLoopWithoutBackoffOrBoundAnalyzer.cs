using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4001: code that catches a call's exception and tries again at once, forever — a loop, a goto back to a
    /// label, or a method that calls itself from its catch block. When the dependency is down it becomes a hot
    /// loop: a core at 100%, the dependency hammered while it tries to recover, logs flooded.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF4001RetryLoopWithoutBackoffOrBoundAnalyzer : DiagnosticAnalyzer
    {
        private const string Advice = "add a bounded, growing delay or use a retry policy with a circuit breaker";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.RetryLoopWithoutBackoffOrBound,
            title: "Retry loop without backoff or bound",
            messageFormat: "{0}, forever: {1}",
            description: "A loop that catches a failure and immediately calls again, with no delay, no attempt limit and no circuit breaker, turns an outage into a hot loop: it burns a core, floods the logs and keeps the failing dependency from recovering by hammering it. Retries need a bound (attempts or time), a growing, jittered delay between attempts, and a breaker that stops calling a dependency that keeps failing — and a loop that swallows the breaker's open-circuit rejection must wait before it goes round.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterOperationAction(AnalyzeLoop, OperationKind.Loop);
            context.RegisterOperationAction(AnalyzeGoto, OperationKind.Branch);
            context.RegisterOperationAction(AnalyzeRecursion, OperationKind.Invocation);
        }

        private static void AnalyzeLoop(OperationAnalysisContext context)
        {
            var loop = (ILoopOperation)context.Operation;
            var match = RetryLoop.TryMatch(loop);
            if (match != null)
            {
                var (what, advice) = match.SwallowsOpenCircuit
                    ? ($"This loop catches the circuit breaker's open-circuit rejection of '{match.RetriedName}' and goes round at once", "wait the breaker's RetryAfter before the next attempt, or let the rejection end the loop")
                    : ($"This loop retries '{match.RetriedName}' at once after every failure", Advice);
                context.ReportDiagnostic(Diagnostic.Create(Rule, KeywordLocation(loop.Syntax), what, advice));
                return;
            }

            if (EmptyAttemptLoop(loop) is { } attempt)
                context.ReportDiagnostic(Diagnostic.Create(Rule, KeywordLocation(loop.Syntax), $"This loop retries '{RetryLoop.NameOf(attempt)}' at once each time it fails", Advice));
        }

        /// <summary>
        /// <c>while (!await TryConnectAsync()) { }</c>: the condition is the attempt, the body does nothing. The attempt
        /// is awaited, or is a method of this code that catches its own failure and answers false.
        /// </summary>
        private static IInvocationOperation? EmptyAttemptLoop(ILoopOperation loop)
        {
            if (!(loop is IWhileLoopOperation { Condition: { } condition } whileLoop) || !IsEmpty(whileLoop.Body))
                return null;
            var negated = condition switch
            {
                IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not => not.Operand,
                IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals, RightOperand: { ConstantValue: { HasValue: true, Value: false } } } eq => eq.LeftOperand,
                _ => null,
            };
            if (negated == null)
                return null;
            var awaited = negated is IAwaitOperation;
            var operand = awaited ? ((IAwaitOperation)negated).Operation : negated;
            while (operand is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" }, Instance: { } inner })
                operand = inner;
            if (!(operand is IInvocationOperation call) || call.TargetMethod.Name.IndexOf("Wait", System.StringComparison.Ordinal) >= 0)
                return null;
            var own = new List<IOperation>(condition.DescendantsAndSelf());
            if (RetryLoop.IsPacedOrBounded(own))
                return null;
            return awaited || CatchesInside(call.TargetMethod) ? call : null;
        }

        private static bool IsEmpty(IOperation body) => body switch
        {
            IBlockOperation block => block.Operations.All(o => o is IEmptyOperation),
            IEmptyOperation _ => true,
            _ => false,
        };

        private static bool CatchesInside(IMethodSymbol method) =>
            method.MethodKind != MethodKind.DelegateInvoke
            && method.DeclaringSyntaxReferences.Any(r => r.GetSyntax().DescendantNodes().OfType<CatchClauseSyntax>().Any());

        /// <summary><c>retry: try { … } catch { goto retry; }</c> with nothing pacing or bounding the way back.</summary>
        private static void AnalyzeGoto(OperationAnalysisContext context)
        {
            var branch = (IBranchOperation)context.Operation;
            if (branch.BranchKind != BranchKind.GoTo || !(branch.Syntax is GotoStatementSyntax { Expression: IdentifierNameSyntax }))
                return;
            var catchClause = EnclosingCatch(branch);
            if (catchClause == null || !(catchClause.Parent is ITryOperation tryOperation))
                return;
            var label = branch.Target.Locations.FirstOrDefault()?.SourceSpan;
            if (label == null || label.Value.Start > tryOperation.Syntax.SpanStart)
                return; // a jump forwards is not a retry

            // Everything from the label to the try runs again: it must neither wait nor count.
            var labeled = tryOperation.Syntax.SyntaxTree.GetRoot(context.CancellationToken).FindNode(label.Value) is { } node
                ? node.FirstAncestorOrSelf<LabeledStatementSyntax>() : null;
            if (labeled == null || !(labeled.Parent is BlockSyntax block) || !(tryOperation.Syntax.Parent is BlockSyntax || tryOperation.Syntax.Parent is LabeledStatementSyntax))
                return;
            var model = branch.SemanticModel;
            if (model == null)
                return;
            var own = new List<IOperation>();
            foreach (var statement in block.Statements.Where(s => s.SpanStart >= labeled.SpanStart && s.SpanStart <= tryOperation.Syntax.SpanStart))
            {
                if (model.GetOperation(statement, context.CancellationToken) is { } operation)
                    own.AddRange(operation.OwnDescendantsAndSelf());
            }

            if (RetryLoop.IsPacedOrBounded(own))
                return;
            // The catch changes what the code from the label tests or tries (a trimmed key): the next round differs.
            var regionReads = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in own)
            {
                if (operation is ILocalReferenceOperation l) regionReads.Add(l.Local);
                else if (operation is IParameterReferenceOperation p) regionReads.Add(p.Parameter);
                else if (operation is IFieldReferenceOperation f) regionReads.Add(f.Field);
            }

            if (catchClause.Handler.OwnDescendantsAndSelf().OfType<ISimpleAssignmentOperation>().Any(a =>
                    a.Target is ILocalReferenceOperation l && regionReads.Contains(l.Local)
                    || a.Target is IParameterReferenceOperation p && regionReads.Contains(p.Parameter)
                    || a.Target is IFieldReferenceOperation f && regionReads.Contains(f.Field)))
                return;
            var retried = RetryLoop.RetriedCallIn(tryOperation.Body);
            if (retried == null)
                return;
            context.ReportDiagnostic(Diagnostic.Create(Rule, ((GotoStatementSyntax)branch.Syntax).GotoKeyword.GetLocation(),
                $"This goto retries '{RetryLoop.NameOf(retried)}' at once after every failure", Advice));
        }

        /// <summary>
        /// A method that calls itself from its own catch block with no attempt count: each failure retries, forever.
        /// In async code a delay before the call paces it; in sync code the stack also grows with every failure.
        /// </summary>
        private static void AnalyzeRecursion(OperationAnalysisContext context)
        {
            var call = (IInvocationOperation)context.Operation;
            if (!(context.ContainingSymbol is IMethodSymbol method) || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method.OriginalDefinition))
                return;
            if (call.Instance != null && !(call.Instance is IInstanceReferenceOperation))
                return; // the same method on another object
            var catchClause = EnclosingCatch(call);
            if (catchClause == null || catchClause.Filter != null)
                return; // a filtered catch (when the message says NOSCRIPT, WRONGTYPE …) retries once a condition the retry clears

            // The catch changes state the method tests (a fallback mode, a reset version): the next call takes another path.
            var tested = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            if (context.ContainingSymbol.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is { } declaration
                && call.SemanticModel is { } semanticModel && semanticModel.SyntaxTree == declaration.SyntaxTree)
            {
                foreach (var conditionSyntax in declaration.DescendantNodes().OfType<IfStatementSyntax>().Select(i => i.Condition))
                {
                    foreach (var identifier in conditionSyntax.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
                    {
                        if (semanticModel.GetSymbolInfo(identifier, context.CancellationToken).Symbol is { Kind: SymbolKind.Field or SymbolKind.Property } member)
                            tested.Add(member);
                    }
                }
            }

            if (catchClause.Handler.OwnDescendantsAndSelf().OfType<IAssignmentOperation>().Any(a =>
                    a.Target is IFieldReferenceOperation f && tested.Contains(f.Field) || a.Target is IPropertyReferenceOperation p && tested.Contains(p.Property)))
                return;

            // A parameter that counts attempts (Retry(x, attempt + 1), a decremented budget) bounds it.
            if (call.Arguments.Any(a => !a.IsImplicit && a.Value.DescendantsAndSelf().Any(o =>
                    o is IIncrementOrDecrementOperation
                    || o is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } b
                        && (b.LeftOperand is IParameterReferenceOperation || b.RightOperand is IParameterReferenceOperation))))
                return;
            // A constant argument for a parameter the catch tests (Update(config, noRetry: true)) stops the second round.
            var handlerOps = catchClause.Handler.OwnDescendantsAndSelf().ToList();
            if (call.Arguments.Any(a => !a.IsImplicit && a.Value.ConstantValue.HasValue && a.Parameter != null
                    && handlerOps.OfType<IParameterReferenceOperation>().Any(r => SymbolEqualityComparer.Default.Equals(r.Parameter, a.Parameter))))
                return;
            var handler = catchClause.Handler.OwnDescendantsAndSelf().ToList();
            if (catchClause.Filter != null)
                handler.AddRange(catchClause.Filter.OwnDescendantsAndSelf());
            var body = handler.Where(o => o.Syntax.SpanStart < call.Syntax.SpanStart).ToList();
            var delays = body.Any(o => o is IInvocationOperation c && (c.TargetMethod.Name == "Sleep" || c.TargetMethod.Name == "Delay" || c.TargetMethod.Name == "WaitAsync"));
            if (RetryLoop.IsPacedOrBounded(handler.Where(o => o != call && !(o is IInvocationOperation c && (c.TargetMethod.Name == "Sleep" || c.TargetMethod.Name == "Delay"))).ToList()))
                return;
            if (delays && method.IsAsync)
                return;
            var what = delays
                ? $"'{method.Name}' calls itself from its catch block with no bound: every failure retries and the stack grows"
                : $"'{method.Name}' calls itself from its catch block: every failure retries at once";
            context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), what, Advice));
        }

        private static ICatchClauseOperation? EnclosingCatch(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is ICatchClauseOperation catchClause)
                    return catchClause;
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation || current is ILoopOperation)
                    return null;
            }

            return null;
        }

        /// <summary>The loop's keyword (<c>while</c>, <c>for</c>, <c>do</c>): short, and where the reader looks.</summary>
        internal static Location KeywordLocation(SyntaxNode loop) => loop switch
        {
            WhileStatementSyntax w => w.WhileKeyword.GetLocation(),
            DoStatementSyntax d => d.DoKeyword.GetLocation(),
            ForStatementSyntax f => f.ForKeyword.GetLocation(),
            _ => loop.GetLocation(),
        };
    }
}
