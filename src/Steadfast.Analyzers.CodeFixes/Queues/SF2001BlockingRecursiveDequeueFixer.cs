using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2001 fix: the function body becomes a <c>while (true)</c> loop, the recursive call becomes
    /// <c>continue</c>, and the fixed sleep becomes a growing delay capped at the original one — awaited
    /// with the function's CancellationToken in async code. Offered when every recursive call is a tail
    /// call with the function's own parameters and sits outside loops and try blocks (where
    /// <c>continue</c> would mean something else).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF2001BlockingRecursiveDequeueFixer)), Shared]
    public sealed class SF2001BlockingRecursiveDequeueFixer : DocumentRewriteFixer
    {
        public const string LoopWithGrowingDelayKey = "SF2001.LoopWithGrowingDelay";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.BlockingRecursiveDequeue);

        protected override string EquivalenceKey => LoopWithGrowingDelayKey;

        protected override string Title => "Loop with a bounded, growing delay instead of recursing";

        protected override async Task<bool> CanFixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken) =>
            await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) != null;

        private sealed class Plan
        {
            public Plan(BlockSyntax body, bool isAsync, List<StatementSyntax> recursiveStatements, List<(ExpressionStatementSyntax Statement, IInvocationOperation Sleep)> sleeps, IInvocationOperation? reliableDequeue)
            {
                Body = body;
                IsAsync = isAsync;
                RecursiveStatements = recursiveStatements;
                Sleeps = sleeps;
                ReliableDequeue = reliableDequeue;
            }

            /// <summary>A Steadfast <c>DequeueAsync(wait, ct)</c> the function polls with: it can do the waiting itself.</summary>
            public IInvocationOperation? ReliableDequeue { get; }

            public BlockSyntax Body { get; }
            public bool IsAsync { get; }
            public List<StatementSyntax> RecursiveStatements { get; }
            public List<(ExpressionStatementSyntax Statement, IInvocationOperation Sleep)> Sleeps { get; }
        }

        protected override async Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var done = new HashSet<BlockSyntax>();
            foreach (var diagnostic in diagnostics)
            {
                var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (plan == null || !done.Add(plan.Body))
                    continue; // several recursive calls of one function: one rewrite covers them all

                var semanticModel = editor.SemanticModel;
                var idleDelay = FixSyntax.FreeName(semanticModel, plan.Body.SpanStart, "idleDelay");
                var maxIdleDelay = FixSyntax.FreeName(semanticModel, plan.Body.SpanStart, "maxIdleDelay");

                foreach (var statement in plan.RecursiveStatements)
                    editor.ReplaceNode(statement, ContinueStatement().WithTriviaFrom(statement));

                if (plan.ReliableDequeue != null)
                {
                    // A Steadfast queue wakes its waiters on enqueue: wait in DequeueAsync as long as the old sleep, sleep no more.
                    foreach (var (statement, _) in plan.Sleeps)
                    {
                        if (statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax)
                            editor.RemoveNode(statement, SyntaxRemoveOptions.KeepNoTrivia);
                        else
                            editor.ReplaceNode(statement, Block().WithTriviaFrom(statement)); // the body of an if/else/loop cannot just go
                    }
                    var waitArgument = plan.ReliableDequeue.Arguments[0].Value.Syntax;
                    editor.ReplaceNode(waitArgument, DelayAsTimeSpan(plan.Sleeps[0].Sleep).WithTriviaFrom(waitArgument));
                    editor.ReplaceNode(plan.Body, (current, _) =>
                    {
                        var body = (BlockSyntax)current;
                        return body.WithStatements(SingletonList<StatementSyntax>(
                            WhileStatement(LiteralExpression(SyntaxKind.TrueLiteralExpression), Block(body.Statements)))).WithAdditionalAnnotations(Formatter.Annotation);
                    });
                    continue;
                }

                foreach (var (statement, sleep) in plan.Sleeps)
                {
                    var token = sleep.Arguments.Length > 1
                        ? sleep.Arguments[1].Value.Syntax.WithoutTrivia()
                        : plan.IsAsync ? TokenName(semanticModel, statement, cancellationToken) : null;
                    ExpressionSyntax wait = plan.IsAsync
                        ? AwaitExpression(FixSyntax.StaticCall("System.Threading.Tasks.Task", "Delay", token == null ? new[] { IdentifierName(idleDelay) } : new[] { IdentifierName(idleDelay), (ExpressionSyntax)token }))
                        : FixSyntax.StaticCall("System.Threading.Thread", "Sleep", IdentifierName(idleDelay));
                    // idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, maxIdleDelay.Ticks));
                    var grow = ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(idleDelay),
                        FixSyntax.StaticCall("System.TimeSpan", "FromTicks", FixSyntax.StaticCall("System.Math", "Min",
                            BinaryExpression(SyntaxKind.MultiplyExpression, Ticks(idleDelay), LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(2))),
                            Ticks(maxIdleDelay)))));
                    if (statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax)
                    {
                        // Insert first: replacing the statement first would lose track of it.
                        editor.InsertAfter(statement, grow.WithAdditionalAnnotations(Formatter.Annotation));
                        editor.ReplaceNode(statement, ExpressionStatement(wait).WithTriviaFrom(statement));
                    }
                    else
                    {
                        // The body of an if/else/loop: one statement, so the wait and the growth go in a block.
                        editor.ReplaceNode(statement, Block(ExpressionStatement(wait), grow).WithTriviaFrom(statement).WithAdditionalAnnotations(Formatter.Annotation));
                    }
                }

                var cap = DelayAsTimeSpan(plan.Sleeps[0].Sleep);
                editor.ReplaceNode(plan.Body, (current, _) =>
                {
                    var body = (BlockSyntax)current;
                    var loop = WhileStatement(LiteralExpression(SyntaxKind.TrueLiteralExpression), Block(body.Statements));
                    return body.WithStatements(List(new StatementSyntax[]
                    {
                        Local(maxIdleDelay, cap),
                        // Start at a sixteenth of the old fixed sleep, double while idle, never above it.
                        Local(idleDelay, FixSyntax.StaticCall("System.TimeSpan", "FromTicks", BinaryExpression(SyntaxKind.DivideExpression, Ticks(maxIdleDelay), LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(16))))),
                        loop,
                    })).WithAdditionalAnnotations(Formatter.Annotation);
                });
            }

            return editor.GetChangedDocument();
        }

        private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null
                || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax callSyntax)
                || !(semanticModel.GetOperation(callSyntax, cancellationToken) is IInvocationOperation call))
            {
                return null;
            }

            var member = semanticModel.GetEnclosingSymbol(callSyntax.SpanStart, cancellationToken);
            while (member is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction })
                member = member.ContainingSymbol;
            var symbols = QueueSymbols.Create(semanticModel.Compilation);
            var match = member == null ? null : RecursiveDequeue.TryMatch(call, member, symbols);
            if (match == null)
                return null;

            var declaration = match.Function.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken);
            var body = declaration is MethodDeclarationSyntax method ? method.Body
                : declaration is LocalFunctionStatementSyntax localFunction ? localFunction.Body
                : null;
            if (body == null)
                return null;

            // Every recursive call of the function must become a `continue` of the new loop.
            var recursiveStatements = new List<StatementSyntax>();
            var sleeps = new List<(ExpressionStatementSyntax, IInvocationOperation)>();
            foreach (var recursive in semanticModel.GetOperation(body, cancellationToken)!.OwnDescendantsAndSelf().OfType<IInvocationOperation>()
                .Where(c => SymbolEqualityComparer.Default.Equals(c.TargetMethod.OriginalDefinition, match.Function.OriginalDefinition)))
            {
                var statement = TailCallStatement(recursive, match.Function, body);
                var recursion = RecursiveDequeue.TryMatch(recursive, member!, symbols);
                if (statement == null || recursion == null || !(recursion.Sleep.Parent?.Syntax is ExpressionStatementSyntax
                    || recursion.Sleep.Parent is IAwaitOperation { Parent: IExpressionStatementOperation }))
                {
                    return null;
                }

                recursiveStatements.Add(statement);
                var sleepStatement = recursion.Sleep.Syntax.FirstAncestorOrSelf<ExpressionStatementSyntax>()!;
                if (!sleeps.Any(s => s.Item1 == sleepStatement))
                    sleeps.Add((sleepStatement, recursion.Sleep));
            }

            if (recursiveStatements.Count == 0)
                return null;
            var reliableDequeue = semanticModel.GetOperation(body, cancellationToken)!.OwnDescendantsAndSelf().OfType<IInvocationOperation>()
                .FirstOrDefault(c => RecursiveDequeue.IsReliableDequeue(c, symbols) && c.Arguments.Length > 0 && c.Arguments[0].ArgumentKind == ArgumentKind.Explicit);
            return new Plan(body, match.Function.IsAsync, recursiveStatements, sleeps, reliableDequeue);
        }

        /// <summary>
        /// The statement to replace with <c>continue</c> when the call is <c>return [await] F(p1, p2);</c> or a
        /// tail-position <c>[await] F(p1, p2);</c>, with the function's own parameters, outside loops and try blocks.
        /// </summary>
        private static StatementSyntax? TailCallStatement(IInvocationOperation call, IMethodSymbol function, BlockSyntax body)
        {
            if (call.Arguments.Length != function.Parameters.Length
                || call.Arguments.Any(a => a.ArgumentKind != ArgumentKind.Explicit || !(a.Value is IParameterReferenceOperation p)
                    || a.Parameter == null || !SymbolEqualityComparer.Default.Equals(p.Parameter, function.Parameters[a.Parameter.Ordinal])))
            {
                return null;
            }

            var expression = call.Syntax.Parent is AwaitExpressionSyntax awaited ? awaited : call.Syntax;
            if (!(expression.Parent is StatementSyntax statement)
                || statement.Ancestors().TakeWhile(a => a != body).Any(a => a is WhileStatementSyntax || a is DoStatementSyntax
                    || a is ForStatementSyntax || a is ForEachStatementSyntax || a is TryStatementSyntax || a is CatchClauseSyntax || a is FinallyClauseSyntax))
            {
                return null;
            }

            if (statement is ReturnStatementSyntax)
                return statement;
            return statement is ExpressionStatementSyntax && IsTail(statement, body) ? statement : null;
        }

        private static bool IsTail(SyntaxNode statement, BlockSyntax body)
        {
            switch (statement.Parent)
            {
                case BlockSyntax block:
                    return block.Statements.Last() == statement && (block == body || IsTail(block, body));
                case IfStatementSyntax ifStatement:
                    return IsTail(ifStatement, body);
                case ElseClauseSyntax elseClause:
                    return elseClause.Parent != null && IsTail(elseClause.Parent, body);
                default:
                    return false;
            }
        }

        /// <summary>The original sleep as a TimeSpan: <c>Thread.Sleep(1000)</c> → <c>TimeSpan.FromMilliseconds(1000)</c>.</summary>
        private static ExpressionSyntax DelayAsTimeSpan(IInvocationOperation sleep)
        {
            var argument = sleep.Arguments[0].Value;
            var syntax = (ExpressionSyntax)argument.Syntax.WithoutTrivia();
            return argument.Type?.Name == "TimeSpan" ? syntax : FixSyntax.StaticCall("System.TimeSpan", "FromMilliseconds", syntax);
        }

        private static IdentifierNameSyntax? TokenName(SemanticModel semanticModel, SyntaxNode node, CancellationToken cancellationToken)
        {
            var name = CancellationTokenLookup.Find(semanticModel, node.SpanStart, cancellationToken);
            return name == null ? null : IdentifierName(name);
        }

        private static ExpressionSyntax Ticks(string local) =>
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(local), IdentifierName("Ticks"));


        private static LocalDeclarationStatementSyntax Local(string name, ExpressionSyntax value) =>
            LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"),
                SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value)))));
    }
}
