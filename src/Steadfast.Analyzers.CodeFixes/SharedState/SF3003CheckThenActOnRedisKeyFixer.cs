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
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3003 fix: fold the check into a conditional write (<c>When.NotExists</c> / <c>When.Exists</c>) where the
    /// shape allows; otherwise (a compared value, a hash field that must exist, a delete) a transaction with
    /// the matching condition whose result decides the branch.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF3003CheckThenActOnRedisKeyFixer)), Shared]
    public sealed class SF3003CheckThenActOnRedisKeyFixer : CodeFixProvider
    {
        public const string ConditionalSetKey = "SF3003.UseConditionalSet";
        public const string TransactionKey = "SF3003.UseTransaction";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.CheckThenActOnRedisKey);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var diagnostic = context.Diagnostics[0];
            var plan = await PlanAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (plan == null)
                return;
            var (key, title) = plan.Value.UseTransaction
                ? (TransactionKey, "Run the write in a transaction with the matching condition")
                : (ConditionalSetKey, "Make the write conditional (When." + (plan.Value.Found.Fact == CheckFact.Absent ? "NotExists" : "Exists") + ")");
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => RewriteAsync(context.Document, diagnostic, ct), key),
                diagnostic);
        }

        private readonly struct Plan
        {
            public Plan(CheckThenAct found, bool useTransaction)
            {
                Found = found;
                UseTransaction = useTransaction;
            }

            public CheckThenAct Found { get; }

            public bool UseTransaction { get; }
        }

        private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var model = semanticModel == null ? null : RedisCheckThenActModel.Create(semanticModel.Compilation);
            if (root == null || semanticModel == null || model == null)
                return null;
            if (!(semanticModel.GetOperation(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true), cancellationToken) is IInvocationOperation act))
                return null;
            var found = model.FindCheck(act, cancellationToken);
            if (found == null)
                return null;
            var actName = found.ActName;
            var conditional = actName != "KeyDelete"
                && (found.Fact == CheckFact.Absent || (found.Fact == CheckFact.Present && actName == "StringSet"));
            // The conditional write must decide everything the stale check decided: the act right after the check (folded
            // into the branch or the guard), or the act in the check's branch where only the value was computed before it
            // and at most a return follows (the value is re-read when the write lost). Anything else — work done between
            // the check and the write (an idempotency filter that runs the action, then records it) — gets no fix.
            if (conditional)
                return FoldableBranch(found) != null || FoldableGuard(found) != null || ActInBranch(found) != null
                    ? new Plan(found, useTransaction: false)
                    : (Plan?)null;
            // A transaction needs IDatabase.CreateTransaction and a branch it can decide.
            var receiverIsDatabase = act.Instance?.Type is { } receiver
                && (receiver.Name == "IDatabase" || receiver.AllInterfaces.Any(i => i.Name == "IDatabase" && i.ContainingNamespace.ToDisplayString() == "StackExchange.Redis"));
            // The queued write is discarded with `_ = …`; where `_` names a symbol that would be an assignment to it.
            return receiverIsDatabase && FoldableBranch(found) is { } fold && !Discards.UnderscoreIsASymbol(semanticModel, fold.If.SpanStart)
                ? new Plan(found, useTransaction: true)
                : null;
        }

        /// <summary>The <c>if</c> whose condition is exactly the check, with the act as its branch's first statement.</summary>
        private static (IfStatementSyntax If, StatementSyntax Act, bool InTrue)? FoldableBranch(CheckThenAct found)
        {
            var actStatement = ActStatement(found.Act);
            if (actStatement == null || found.Branch == null || !(found.Branch.Syntax is IfStatementSyntax ifStatement) || !IsSimpleCondition(found))
                return null;
            var branch = found.ActInWhenTrue ? ifStatement.Statement : ifStatement.Else?.Statement;
            var first = branch is BlockSyntax block ? block.Statements.FirstOrDefault() : branch;
            return first == actStatement ? (ifStatement, actStatement, found.ActInWhenTrue) : ((IfStatementSyntax, StatementSyntax, bool)?)null;
        }

        private static StatementSyntax? ActStatement(IInvocationOperation act)
        {
            var syntax = act.Syntax.Parent is AwaitExpressionSyntax awaited ? awaited : act.Syntax;
            return syntax.Parent is ExpressionStatementSyntax statement ? statement : null;
        }

        private static bool IsSimpleCondition(CheckThenAct found)
        {
            var condition = found.Condition;
            while (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
                condition = not.Operand;
            while (condition is IParenthesizedOperation parenthesized)
                condition = parenthesized.Operand;
            return !(condition is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr });
        }

        private static async Task<Document> RewriteAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
            if (plan == null)
                return document;
            var found = plan.Value.Found;
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var actSyntax = (InvocationExpressionSyntax)found.Act.Syntax;
            var awaited = actSyntax.Parent is AwaitExpressionSyntax;

            if (!plan.Value.UseTransaction)
            {
                var when = found.Fact == CheckFact.Absent ? "NotExists" : "Exists";
                var conditionalAct = WithWhen(found.Act, actSyntax, when);
                ExpressionSyntax conditionalExpression = awaited ? AwaitExpression(conditionalAct) : conditionalAct;
                var fold = FoldableBranch(found);
                if (fold != null)
                    ReplaceBranch(editor, fold.Value.If, fold.Value.Act, fold.Value.InTrue, conditionalExpression);
                else if (FoldableGuard(found) is { } guard)
                {
                    // if (exists) return …;  db.StringSet(k, v);  →  if (!db.StringSet(k, v, when: When.NotExists)) return …;
                    editor.ReplaceNode(guard.If.Condition, Negate(conditionalExpression).WithTriviaFrom(guard.If.Condition));
                    editor.RemoveNode(guard.Act, SyntaxRemoveOptions.KeepNoTrivia);
                }
                else if (ReReadLocal(found, semanticModelOf: editor.SemanticModel, cancellationToken) is { } local)
                {
                    // if (!db.StringSet(k, v, when: When.NotExists)) { v = db.StringGet(k); }: the winner's value, not ours.
                    var actStatement = ActStatement(found.Act)!;
                    var reRead = AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(local.Name), Read(found, actSyntax, awaited));
                    var replacement = IfStatement(Negate(conditionalExpression), Block(ExpressionStatement(reRead)))
                        .WithTriviaFrom(actStatement)
                        .WithAdditionalAnnotations(Formatter.Annotation);
                    editor.ReplaceNode(actStatement, replacement);
                }
                else
                {
                    editor.ReplaceNode(actSyntax, conditionalAct.WithTriviaFrom(actSyntax));
                }
            }
            else
            {
                var fold = FoldableBranch(found)!.Value;
                var semanticModel = editor.SemanticModel;
                var name = FixSyntax.FreeName(semanticModel, fold.If.SpanStart, "transaction");
                var database = ((MemberAccessExpressionSyntax)actSyntax.Expression).Expression.WithoutTrivia();
                var condition = TransactionCondition(found);
                var statements = new List<StatementSyntax>
                {
                    LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(VariableDeclarator(name).WithInitializer(
                        EqualsValueClause(InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, database, IdentifierName("CreateTransaction")))))))),
                    ExpressionStatement(InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(name), IdentifierName("AddCondition")),
                        ArgumentList(SingletonSeparatedList(Argument(condition))))),
                    ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, Discards.Underscore(),
                        actSyntax.WithExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(name),
                            IdentifierName(RedisCheckThenActModel.BaseName(found.Act.TargetMethod) + "Async"))).WithoutTrivia())),
                };
                foreach (var statement in statements)
                    editor.InsertBefore(fold.If, statement.WithAdditionalAnnotations(Formatter.Annotation));
                ExpressionSyntax execute = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(name), IdentifierName(awaited ? "ExecuteAsync" : "Execute")));
                if (awaited)
                    execute = AwaitExpression(execute);
                ReplaceBranch(editor, fold.If, fold.Act, fold.InTrue, execute);
            }

            return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// The act as a statement of the check's own branch block, after only local declarations or assignments to locals
        /// (the value being computed) and followed by nothing or one return.
        /// </summary>
        private static StatementSyntax? ActInBranch(CheckThenAct found)
        {
            var actStatement = ActStatement(found.Act);
            if (actStatement == null || !(found.Branch?.Syntax is IfStatementSyntax ifStatement) || !IsSimpleCondition(found)
                || found.Act.TargetMethod.ReturnsVoid)
            {
                return null;
            }

            var branch = found.ActInWhenTrue ? ifStatement.Statement : ifStatement.Else?.Statement;
            if (!(branch is BlockSyntax block) || actStatement.Parent != block)
                return null;
            var index = block.Statements.IndexOf(actStatement);
            var computesOnly = block.Statements.Take(index).All(statement =>
                statement is LocalDeclarationStatementSyntax
                || statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax } });
            var after = block.Statements.Count - index - 1;
            return computesOnly && (after == 0 || (after == 1 && block.Statements[index + 1] is ReturnStatementSyntax)) ? actStatement : null;
        }

        /// <summary>The local the act writes, when code after the act reads it: it must hold the stored value, so it is re-read.</summary>
        private static ILocalSymbol? ReReadLocal(CheckThenAct found, SemanticModel semanticModelOf, CancellationToken cancellationToken)
        {
            var actStatement = ActInBranch(found);
            var value = found.Act.Arguments.FirstOrDefault(a => a.Parameter?.Name == "value")?.Value;
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            var awaited = found.Act.Syntax.Parent is AwaitExpressionSyntax;
            if (actStatement == null || awaited != found.Act.TargetMethod.Name.EndsWith("Async", System.StringComparison.Ordinal)
                || !(value is ILocalReferenceOperation { Local: { IsConst: false } local })
                || !(local.Type.SpecialType == SpecialType.System_String || local.Type.Name == "RedisValue"
                    || local.Type is IArrayTypeSymbol { ElementType: { SpecialType: SpecialType.System_Byte } }))
            {
                return null;
            }

            var body = actStatement.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is AccessorDeclarationSyntax
                || a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax || a is CompilationUnitSyntax);
            var readLater = body != null && body.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n =>
                n.SpanStart > actStatement.Span.End && n.Identifier.ValueText == local.Name
                && SymbolEqualityComparer.Default.Equals(semanticModelOf.GetSymbolInfo(n, cancellationToken).Symbol, local));
            return readLater ? local : null;
        }

        /// <summary>The read of what the act writes: StringGet(key) / HashGet(key, field), awaited when the act was.</summary>
        private static ExpressionSyntax Read(CheckThenAct found, InvocationExpressionSyntax actSyntax, bool awaited)
        {
            var receiver = ((MemberAccessExpressionSyntax)actSyntax.Expression).Expression.WithoutTrivia();
            var isHash = found.ActName == "HashSet";
            var arguments = new List<ArgumentSyntax>();
            foreach (var name in isHash ? new[] { "key", "hashField" } : new[] { "key" })
            {
                if (found.Act.Arguments.FirstOrDefault(a => a.Parameter?.Name == name)?.Value.Syntax is { } argument)
                    arguments.Add(Argument(((ExpressionSyntax)(argument is ArgumentSyntax wrapped ? wrapped.Expression : argument)).WithoutTrivia()));
            }

            var method = (isHash ? "HashGet" : "StringGet") + (awaited ? "Async" : "");
            ExpressionSyntax read = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, receiver, IdentifierName(method)), ArgumentList(SeparatedList(arguments)));
            return awaited ? AwaitExpression(read) : read;
        }

        /// <summary><c>if (exists) return …;</c> immediately followed by the act, with the check as the whole condition.</summary>
        private static (IfStatementSyntax If, StatementSyntax Act)? FoldableGuard(CheckThenAct found)
        {
            var actStatement = ActStatement(found.Act);
            if (actStatement == null || found.Branch != null || !IsSimpleCondition(found) || !(actStatement.Parent is BlockSyntax block))
                return null;
            var index = block.Statements.IndexOf(actStatement);
            return index > 0 && block.Statements[index - 1] is IfStatementSyntax guard && guard.Else == null && guard.Condition == found.Condition?.Syntax
                ? (guard, actStatement)
                : ((IfStatementSyntax, StatementSyntax)?)null;
        }

        /// <summary>The branch that held the act now runs when the conditional write (or transaction) succeeded.</summary>
        private static void ReplaceBranch(SyntaxEditor editor, IfStatementSyntax ifStatement, StatementSyntax act, bool inTrue, ExpressionSyntax succeeded)
        {
            var branch = inTrue ? ifStatement.Statement : ifStatement.Else!.Statement;
            var remaining = branch is BlockSyntax block ? block.WithStatements(block.Statements.Remove(act)) : (StatementSyntax)Block();
            var remainingIsEmpty = remaining is BlockSyntax { Statements.Count: 0 };
            var other = inTrue ? ifStatement.Else?.Statement : ifStatement.Statement;

            StatementSyntax replacement;
            if (remainingIsEmpty && other == null)
            {
                replacement = ExpressionStatement(succeeded);
            }
            else if (remainingIsEmpty)
            {
                replacement = ifStatement.WithCondition(Negate(succeeded).WithTriviaFrom(ifStatement.Condition)).WithStatement(other!.WithTriviaFrom(ifStatement.Statement)).WithElse(null);
            }
            else
            {
                var elseClause = other == null ? null : ifStatement.Else!.WithStatement(other);
                replacement = ifStatement.WithCondition(succeeded.WithTriviaFrom(ifStatement.Condition)).WithStatement(inTrue ? remaining : remaining.WithTriviaFrom(ifStatement.Statement));
                replacement = ((IfStatementSyntax)replacement).WithElse(inTrue ? elseClause : (other == null ? null : ElseClause(other)));
            }

            editor.ReplaceNode(ifStatement, replacement.WithTriviaFrom(ifStatement).WithAdditionalAnnotations(Formatter.Annotation));
        }

        private static ExpressionSyntax Negate(ExpressionSyntax expression) =>
            PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, expression is AwaitExpressionSyntax ? ParenthesizedExpression(expression) : expression);

        private static InvocationExpressionSyntax WithWhen(IInvocationOperation act, InvocationExpressionSyntax syntax, string when)
        {
            var whenValue = FixSyntax.StaticMember("StackExchange.Redis.When", when);
            var explicitWhen = act.Arguments.FirstOrDefault(a => a.Parameter?.Name == "when" && a.ArgumentKind != ArgumentKind.DefaultValue);
            if (explicitWhen?.Syntax is ArgumentSyntax existing)
                return syntax.ReplaceNode(existing.Expression, whenValue.WithTriviaFrom(existing.Expression));
            var argument = Argument(whenValue).WithNameColon(NameColon(IdentifierName("when")));
            return syntax.WithArgumentList(syntax.ArgumentList.AddArguments(argument));
        }

        private static ExpressionSyntax TransactionCondition(CheckThenAct found)
        {
            var key = ((ExpressionSyntax)RedisCheckThenActModel.Key(found.Check)!.Syntax).WithoutTrivia();
            var isHash = found.CheckName.StartsWith("Hash", System.StringComparison.Ordinal);
            var arguments = new List<ExpressionSyntax> { key };
            if (isHash)
                arguments.Add(((ExpressionSyntax)RedisCheckThenActModel.Field(found.Check)!.Syntax).WithoutTrivia());
            string method;
            switch (found.Fact)
            {
                case CheckFact.Equal:
                case CheckFact.NotEqual:
                    method = (isHash ? "Hash" : "String") + (found.Fact == CheckFact.Equal ? "Equal" : "NotEqual");
                    arguments.Add(((ExpressionSyntax)found.Compared!.Syntax).WithoutTrivia());
                    break;
                default:
                    method = (isHash ? "Hash" : "Key") + (found.Fact == CheckFact.Absent ? "NotExists" : "Exists");
                    break;
            }

            return FixSyntax.StaticCall("StackExchange.Redis.Condition", method, arguments.ToArray());
        }
    }
}
