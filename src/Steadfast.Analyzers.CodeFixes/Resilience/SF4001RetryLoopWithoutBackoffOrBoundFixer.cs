using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Steadfast.Analyzers.Queues;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4001 fixes. <b>Bound and back off</b>: an attempt counter that rethrows after a named maximum and a
    /// capped exponential delay in every catch that went round again. <b>Use Steadfast's retry</b> (when the
    /// compilation references Steadfast and the loop is the plain "try, return on success, log on failure"
    /// shape in async code): the loop becomes one <c>RetryPolicy.ExecuteAsync</c> call, through the type's
    /// <c>CircuitBreaker</c> when it has one.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF4001RetryLoopWithoutBackoffOrBoundFixer)), Shared]
    public sealed class SF4001RetryLoopWithoutBackoffOrBoundFixer : CodeFixProvider
    {
        public const string BoundAndBackOffKey = "SF4001.BoundAndBackOff";
        public const string UseSteadfastRetryKey = "SF4001.UseSteadfastRetry";

        private const int MaxAttempts = 5;

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.RetryLoopWithoutBackoffOrBound);

        public override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics, context.CodeActionEquivalenceKey == UseSteadfastRetryKey, context.CancellationToken).ConfigureAwait(false));

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                var plan = await PlanAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
                if (plan == null)
                    continue;
                if (plan.SteadfastShape != null)
                {
                    context.RegisterCodeFix(CodeAction.Create(
                        "Use Steadfast's RetryPolicy" + (plan.Breaker != null ? " through the circuit breaker" : ""),
                        ct => RewriteAsync(context.Document, ImmutableArray.Create(diagnostic), useSteadfast: true, ct),
                        UseSteadfastRetryKey), diagnostic);
                }

                context.RegisterCodeFix(CodeAction.Create(
                    "Bound the attempts and back off exponentially",
                    ct => RewriteAsync(context.Document, ImmutableArray.Create(diagnostic), useSteadfast: false, ct),
                    BoundAndBackOffKey), diagnostic);
            }
        }

        private sealed class Plan
        {
            public Plan(StatementSyntax loop, BlockSyntax block, RetryLoop match, bool canAwait, string? token, SteadfastShape? steadfastShape, string? breaker)
            {
                Loop = loop;
                Block = block;
                Match = match;
                CanAwait = canAwait;
                Token = token;
                SteadfastShape = steadfastShape;
                Breaker = breaker;
            }

            public StatementSyntax Loop { get; }
            public BlockSyntax Block { get; }
            public RetryLoop Match { get; }
            public bool CanAwait { get; }
            public string? Token { get; }
            public SteadfastShape? SteadfastShape { get; }
            public string? Breaker { get; }
        }

        /// <summary>The loop is <c>while (true) { try { …; return x; } catch (E e) { log; } }</c>.</summary>
        private sealed class SteadfastShape
        {
            public SteadfastShape(TryStatementSyntax tryStatement, CatchClauseSyntax catchClause, StatementSyntax exit, ITypeSymbol? caught)
            {
                Try = tryStatement;
                Catch = catchClause;
                Exit = exit;
                Caught = caught;
            }

            public TryStatementSyntax Try { get; }
            public CatchClauseSyntax Catch { get; }
            /// <summary>The try block's last statement: <c>return x;</c>, <c>return;</c> or <c>break;</c>.</summary>
            public StatementSyntax Exit { get; }
            /// <summary>The caught type, or null for a catch of every exception.</summary>
            public ITypeSymbol? Caught { get; }
        }

        private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;
            var loop = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent as StatementSyntax;
            if (loop == null || !(loop.Parent is BlockSyntax block) || !(semanticModel.GetOperation(loop, cancellationToken) is ILoopOperation operation))
                return null;
            var match = RetryLoop.TryMatch(operation);
            if (match == null)
                return null;

            var containing = semanticModel.GetEnclosingSymbol(loop.SpanStart, cancellationToken);
            var function = FunctionContext.EnclosingFunction(operation, containing!);
            var canAwait = function != null && function.IsAsync && !FunctionContext.IsInsideLockStatement(operation);
            var token = CancellationTokenLookup.Find(semanticModel, loop.SpanStart, cancellationToken);

            SteadfastShape? shape = null;
            string? breaker = null;
            if (canAwait && semanticModel.Compilation.GetBestTypeByMetadataName("Steadfast.Retry.RetryPolicy") != null)
            {
                shape = SteadfastShapeOf(loop, semanticModel, cancellationToken);
                breaker = shape == null ? null : FindBreaker(semanticModel, containing);
            }

            return new Plan(loop, block, match, canAwait, token, shape, breaker);
        }

        private static SteadfastShape? SteadfastShapeOf(StatementSyntax loop, SemanticModel semanticModel, CancellationToken cancellationToken)
        {
            var body = loop switch
            {
                WhileStatementSyntax { Condition: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression } } w => w.Statement,
                DoStatementSyntax { Condition: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.TrueLiteralExpression } } d => d.Statement,
                ForStatementSyntax { Condition: null, Declaration: null, Incrementors.Count: 0 } f when f.Initializers.Count == 0 => f.Statement,
                _ => null,
            };
            if (!(body is BlockSyntax { Statements: { Count: 1 } statements } && statements[0] is TryStatementSyntax tryStatement)
                || tryStatement.Finally != null || tryStatement.Catches.Count != 1 || tryStatement.Catches[0].Filter != null
                || tryStatement.Block.Statements.Count == 0)
            {
                return null;
            }

            var exit = tryStatement.Block.Statements.Last();
            if (!(exit is ReturnStatementSyntax || exit is BreakStatementSyntax))
                return null;
            // Only the last statement may leave the loop; the catch may only log (synchronously) and go round.
            var others = tryStatement.Block.DescendantNodes().Where(n => n != exit && !IsInsideFunction(n, tryStatement.Block));
            if (others.Any(n => n is ReturnStatementSyntax || n is BreakStatementSyntax || n is ContinueStatementSyntax || n is YieldStatementSyntax))
                return null;
            var catchClause = tryStatement.Catches[0];
            var handler = catchClause.Block.Statements.Where(s => !(s is ContinueStatementSyntax && s == catchClause.Block.Statements.Last()));
            if (handler.SelectMany(s => s.DescendantNodesAndSelf()).Any(n => n is AwaitExpressionSyntax || n is ContinueStatementSyntax))
                return null;

            var caught = catchClause.Declaration == null ? null : semanticModel.GetTypeInfo(catchClause.Declaration.Type, cancellationToken).Type;
            if (caught?.ToDisplayString() == "System.Exception")
                caught = null;
            return new SteadfastShape(tryStatement, catchClause, exit, caught);
        }

        private static bool IsInsideFunction(SyntaxNode node, SyntaxNode stop) =>
            node.Ancestors().TakeWhile(a => a != stop).Any(a => a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax);

        /// <summary>A non-nullable Steadfast CircuitBreaker field or property of the type, usable from this member.</summary>
        private static string? FindBreaker(SemanticModel semanticModel, ISymbol? containing)
        {
            var breakerType = semanticModel.Compilation.GetBestTypeByMetadataName("Steadfast.CircuitBreakers.CircuitBreaker");
            var member = containing;
            while (member is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction })
                member = member.ContainingSymbol;
            if (breakerType == null || member?.ContainingType == null)
                return null;
            return member.ContainingType.GetMembers()
                .Where(m => !m.IsImplicitlyDeclared && (!member.IsStatic || m.IsStatic))
                .FirstOrDefault(m => (m is IFieldSymbol f ? f.Type : m is IPropertySymbol p ? p.Type : null) is { } type
                    && SymbolEqualityComparer.Default.Equals(type, breakerType) && type.NullableAnnotation != NullableAnnotation.Annotated)?.Name;
        }

        private static async Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, bool useSteadfast, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in diagnostics)
            {
                var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (plan == null)
                    continue;
                if (useSteadfast && plan.SteadfastShape != null)
                    UseSteadfastRetry(editor, plan, plan.SteadfastShape);
                else
                    BoundAndBackOff(editor, plan);
            }

            return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        private static void BoundAndBackOff(DocumentEditor editor, Plan plan)
        {
            var maxAttempts = FixSyntax.FreeName(editor.SemanticModel, plan.Loop.SpanStart, "maxAttempts");
            var attempt = FixSyntax.FreeName(editor.SemanticModel, plan.Loop.SpanStart, "attempt");

            bool IsWorkerCatch(BlockSyntax catchBlock) =>
                catchBlock.Parent?.Parent is TryStatementSyntax tryStatement && IsWorkerLoop(editor.SemanticModel, plan.Loop)
                && !(tryStatement.Block.Statements.LastOrDefault() is ReturnStatementSyntax || tryStatement.Block.Statements.LastOrDefault() is BreakStatementSyntax
                     || tryStatement.Block.Statements.LastOrDefault() is ThrowStatementSyntax);
            var allWorker = plan.Match.ContinuingCatches.All(c => IsWorkerCatch((BlockSyntax)c.Handler.Syntax));

            // const int maxAttempts = 5;  var attempt = 0;   (a worker loop has no maximum)
            editor.InsertBefore(plan.Loop, new StatementSyntax[]
            {
                LocalDeclarationStatement(
                    VariableDeclaration(PredefinedType(Token(SyntaxKind.IntKeyword)),
                        SingletonSeparatedList(VariableDeclarator(maxAttempts).WithInitializer(EqualsValueClause(Number(MaxAttempts))))))
                    .WithModifiers(TokenList(Token(SyntaxKind.ConstKeyword)))
                    .WithAdditionalAnnotations(Formatter.Annotation),
                LocalDeclarationStatement(
                    VariableDeclaration(IdentifierName("var"),
                        SingletonSeparatedList(VariableDeclarator(attempt).WithInitializer(EqualsValueClause(Number(0))))))
                    .WithAdditionalAnnotations(Formatter.Annotation),
            }.Skip(allWorker ? 1 : 0));

            foreach (var catchOperation in plan.Match.ContinuingCatches)
            {
                var catchBlock = (BlockSyntax)catchOperation.Handler.Syntax;

                // A worker loop (success goes round again, it does not leave): the count is of consecutive failures, reset
                // after a try that completes, and the worker never throws out of its loop — it waits at the cap instead.
                var tryStatement = catchBlock.Parent?.Parent as TryStatementSyntax;
                var isWorker = IsWorkerCatch(catchBlock);
                if (isWorker && tryStatement!.Block.Statements.Count > 0)
                {
                    var reset = ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(attempt), Number(0)))
                        .WithAdditionalAnnotations(Formatter.Annotation);
                    editor.InsertAfter(tryStatement.Block.Statements.Last(), reset);
                }

                // if (++attempt >= maxAttempts) throw;   (a worker: ++attempt;)
                StatementSyntax giveUp = isWorker
                    ? ExpressionStatement(PrefixUnaryExpression(SyntaxKind.PreIncrementExpression, IdentifierName(attempt)))
                    : IfStatement(
                    BinaryExpression(SyntaxKind.GreaterThanOrEqualExpression,
                        PrefixUnaryExpression(SyntaxKind.PreIncrementExpression, IdentifierName(attempt)), IdentifierName(maxAttempts)),
                    ThrowStatement());
                // 200 ms, 400 ms, 800 ms … capped at 30 s.
                var delay = FixSyntax.StaticCall("System.TimeSpan", "FromMilliseconds",
                    FixSyntax.StaticCall("System.Math", "Min",
                        BinaryExpression(SyntaxKind.MultiplyExpression, Number(100), FixSyntax.StaticCall("System.Math", "Pow", Number(2), IdentifierName(attempt))),
                        LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal("30_000", 30000))));
                StatementSyntax wait = plan.CanAwait
                    ? ExpressionStatement(AwaitExpression(FixSyntax.StaticCall("System.Threading.Tasks.Task", "Delay",
                        plan.Token == null ? new ExpressionSyntax[] { delay } : new ExpressionSyntax[] { delay, IdentifierName(plan.Token) })))
                    : ExpressionStatement(FixSyntax.StaticCall("System.Threading.Thread", "Sleep", delay));

                var statements = catchBlock.Statements;
                var insertAt = statements.Count > 0 && statements.Last() is ContinueStatementSyntax ? statements.Count - 1 : statements.Count;
                var added = new StatementSyntax[] { giveUp, wait }.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation));
                editor.ReplaceNode(catchBlock, catchBlock.WithStatements(statements.InsertRange(insertAt, added)));
            }
        }

        /// <summary>
        /// Runs until stopped, not until an attempt succeeds: no condition, <c>true</c>, a cancellation check, or a condition
        /// on state outside the function (<c>while (_running)</c>). A condition on a local (<c>while (repeat)</c>) is a retry loop.
        /// </summary>
        private static bool IsWorkerLoop(SemanticModel semanticModel, StatementSyntax loop)
        {
            var condition = loop switch
            {
                WhileStatementSyntax w => w.Condition,
                DoStatementSyntax d => d.Condition,
                ForStatementSyntax f => f.Condition,
                _ => null,
            };
            if (condition == null || condition.IsKind(SyntaxKind.TrueLiteralExpression))
                return true;
            var names = condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().ToList();
            if (names.Any(n => n.Identifier.ValueText == "IsCancellationRequested"))
                return true;
            return !names.Any(n => semanticModel.GetSymbolInfo(n).Symbol is ILocalSymbol);
        }

        private static void UseSteadfastRetry(DocumentEditor editor, Plan plan, SteadfastShape shape)
        {
            // new RetryOptions { MaxAttempts = 5, ShouldHandle = exception => exception is E, OnRetry = retry => { … } }
            var initializers = new List<ExpressionSyntax>
            {
                AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName("MaxAttempts"), Number(MaxAttempts)),
            };
            if (shape.Caught != null)
            {
                initializers.Add(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName("ShouldHandle"),
                    SimpleLambdaExpression(Parameter(Identifier("exception")),
                        BinaryExpression(SyntaxKind.IsExpression, IdentifierName("exception"), FixSyntax.ImportedType(shape.Caught)))));
            }

            var handler = shape.Catch.Block.Statements.Where(s => !(s is ContinueStatementSyntax)).ToList();
            if (handler.Count > 0)
            {
                var exceptionName = shape.Catch.Declaration?.Identifier.ValueText;
                if (!string.IsNullOrEmpty(exceptionName))
                {
                    ExpressionSyntax exception = MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName("retry"), IdentifierName("Exception"));
                    if (shape.Caught != null)
                        exception = CastExpression(FixSyntax.ImportedType(shape.Caught), exception);
                    handler.Insert(0, LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"),
                        SingletonSeparatedList(VariableDeclarator(exceptionName!).WithInitializer(EqualsValueClause(exception))))));
                }

                initializers.Add(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName("OnRetry"),
                    SimpleLambdaExpression(Parameter(Identifier("retry")), Block(handler.Select(s => s.WithoutLeadingTrivia().WithTrailingTrivia(ElasticCarriageReturnLineFeed))))));
            }

            var options = ObjectCreationExpression(FixSyntax.ImportedType("Steadfast.Retry.RetryOptions"))
                .WithArgumentList(null)
                .WithInitializer(InitializerExpression(SyntaxKind.ObjectInitializerExpression, SeparatedList(initializers)));
            var policy = ObjectCreationExpression(FixSyntax.ImportedType("Steadfast.Retry.RetryPolicy")).WithArgumentList(ArgumentList(SingletonSeparatedList(Argument(options))));

            // The try block becomes the retried action; `break;` / `return;` at its end are what "success" meant.
            var exitIsValue = shape.Exit is ReturnStatementSyntax { Expression: { } };
            var actionStatements = exitIsValue ? shape.Try.Block.Statements : shape.Try.Block.Statements.RemoveAt(shape.Try.Block.Statements.Count - 1);
            ExpressionSyntax action = ParenthesizedLambdaExpression(
                    ParameterList(SingletonSeparatedList(Parameter(Identifier("_")))),
                    Block(actionStatements))
                .WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword));
            if (plan.Breaker != null)
            {
                // ct => _breaker.ExecuteAsync(async _ => { … }, ct)
                action = SimpleLambdaExpression(Parameter(Identifier("attemptToken")),
                    InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(plan.Breaker), IdentifierName("ExecuteAsync")),
                        ArgumentList(SeparatedList(new[] { Argument(action), Argument(IdentifierName("attemptToken")) }))));
            }

            var arguments = plan.Token == null ? new[] { Argument(action) } : new[] { Argument(action), Argument(IdentifierName(plan.Token)) };
            var execute = AwaitExpression(InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, policy, IdentifierName("ExecuteAsync")),
                ArgumentList(SeparatedList(arguments))));

            var statementsAfterLoop = plan.Block.Statements.IndexOf(plan.Loop) < plan.Block.Statements.Count - 1;
            var replacement = new List<StatementSyntax>();
            if (exitIsValue)
            {
                replacement.Add(ReturnStatement(execute));
            }
            else
            {
                replacement.Add(ExpressionStatement(execute));
                if (shape.Exit is ReturnStatementSyntax && statementsAfterLoop)
                    replacement.Add(ReturnStatement());
            }

            replacement[0] = replacement[0].WithLeadingTrivia(plan.Loop.GetLeadingTrivia());
            editor.InsertBefore(plan.Loop, replacement.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)));
            editor.RemoveNode(plan.Loop);
        }

        private static LiteralExpressionSyntax Number(int value) => LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(value));
    }
}
