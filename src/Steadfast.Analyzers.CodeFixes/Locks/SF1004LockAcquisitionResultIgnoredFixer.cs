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
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1004 fix: leave when the lock was not taken. A discarded result becomes <c>if (!acquire) { return; }</c>; an
    /// unread local or lockTaken flag gets <c>if (!acquired) { return; }</c> right after it. The exit fits the function:
    /// <c>return;</c>, <c>return false;</c> or a throw. A finally that releases unconditionally is left to the author.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1004LockAcquisitionResultIgnoredFixer)), Shared]
    public sealed class SF1004LockAcquisitionResultIgnoredFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF1004.GuardOnAcquired";

        /// <summary>The Steadfast rewrite: acquire, critical section and release become a lock handle from IDistributedLockProvider.</summary>
        public const string UseSteadfastLockKey = "SF1004.UseSteadfastLock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockAcquisitionResultIgnored);

        public override FixAllProvider GetFixAllProvider() =>
            SteadfastLockRewrite.FixAllProvider(
                WellKnownFixAllProviders.BatchFixer,
                UseSteadfastLockKey);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            await SteadfastLockRewrite.RegisterAsync(context, context.Diagnostics[0], "Use Steadfast's distributed lock", UseSteadfastLockKey).ConfigureAwait(false);
            var diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue(SF1004LockAcquisitionResultIgnoredAnalyzer.ShapeProperty, out var shape)
                || shape == SF1004LockAcquisitionResultIgnoredAnalyzer.FinallyShape)
            {
                return;
            }

            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (!(root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax call))
                return;
            var statement = call.FirstAncestorOrSelf<StatementSyntax>();
            if (statement == null || !(statement.Parent is BlockSyntax || statement.Parent is GlobalStatementSyntax))
                return;
            if (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.UnreadLocalShape && Flag(call, statement) == null)
                return;

            context.RegisterCodeFix(
                CodeAction.Create("Leave when the lock was not acquired", ct => FixAsync(context.Document, call, statement, shape!, ct), EquivalenceKey),
                diagnostic);
        }

        /// <summary>The local that says whether the lock was taken: the declared variable or the ref lockTaken argument.</summary>
        private static string? Flag(InvocationExpressionSyntax call, StatementSyntax statement)
        {
            if (statement is LocalDeclarationStatementSyntax { Declaration: { Variables: { Count: 1 } variables } })
                return variables[0].Identifier.ValueText;
            if (statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax assigned } })
                return assigned.Identifier.ValueText;
            var refArgument = call.ArgumentList.Arguments.FirstOrDefault(a => a.RefKindKeyword.IsKind(SyntaxKind.RefKeyword));
            return (refArgument?.Expression as IdentifierNameSyntax)?.Identifier.ValueText;
        }

        private static async Task<Document> FixAsync(Document document, InvocationExpressionSyntax call, StatementSyntax statement, string shape, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var exit = LockFixSyntax.ExitStatement(editor.SemanticModel, statement, cancellationToken);
            if (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.DiscardedShape && statement is ExpressionStatementSyntax expressionStatement)
            {
                var acquired = expressionStatement.Expression is AssignmentExpressionSyntax discard ? discard.Right : expressionStatement.Expression;
                var guard = LockFixSyntax.Guard(LockFixSyntax.Not(acquired), exit).WithTriviaFrom(statement);
                editor.ReplaceNode(statement, guard);
            }
            else
            {
                var flag = Flag(call, statement)!;
                var guard = LockFixSyntax.Guard(LockFixSyntax.Not(IdentifierName(flag)), exit)
                    .WithTrailingTrivia(statement.GetTrailingTrivia());
                if (statement.Parent is GlobalStatementSyntax global)
                    editor.InsertAfter(global, GlobalStatement(guard));
                else
                    editor.InsertAfter(statement, guard);
            }

            var changed = await Simplifier.ReduceAsync(editor.GetChangedDocument(), Simplifier.Annotation, null, cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(changed, Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }
    }
}
