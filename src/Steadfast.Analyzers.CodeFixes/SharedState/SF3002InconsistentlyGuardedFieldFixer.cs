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

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>SF3002 fix: wrap the unguarded access in the lock the other members take.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF3002InconsistentlyGuardedFieldFixer)), Shared]
    public sealed class SF3002InconsistentlyGuardedFieldFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF3002.TakeTheSameLock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.InconsistentlyGuardedField);

        // Accesses in one statement share one lock statement: the edits interact, so all of a document's are planned together.
        public override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue(SF3002InconsistentlyGuardedFieldAnalyzer.LockProperty, out var lockText) || lockText == null)
                return;
            var diagnostics = ImmutableArray.Create(diagnostic);
            if (await RewriteAsync(context.Document, diagnostics, context.CancellationToken).ConfigureAwait(false) == null)
                return;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Take lock ({lockText}) here too",
                    async ct => await RewriteAsync(context.Document, diagnostics, ct).ConfigureAwait(false) ?? context.Document,
                    EquivalenceKey),
                diagnostic);
        }

        private static async Task<Document?> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var changed = false;
            var byLock = diagnostics
                .Where(d => d.Properties.ContainsKey(SF3002InconsistentlyGuardedFieldAnalyzer.LockProperty))
                .GroupBy(d => d.Properties[SF3002InconsistentlyGuardedFieldAnalyzer.LockProperty]!);
            var planned = new List<SyntaxNode>();
            foreach (var group in byLock)
            {
                var lockIsStatic = group.First().Properties.ContainsKey(SF3002InconsistentlyGuardedFieldAnalyzer.LockIsStaticProperty);
                var accesses = group
                    .Select(d => root.FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true))
                    .Where(n => lockIsStatic || !IsInStaticMember(n))
                    .ToList();
                if (accesses.Count == 0)
                    continue;
                var targets = LockWrapping.Plan(semanticModel, accesses, cancellationToken);
                if (targets == null)
                    continue;
                var lockExpression = SyntaxFactory.ParseExpression(group.Key);
                // Locking on a field that the wrapped code itself replaces or null-tests locks a different object each
                // time, or throws on null: no fix is better than that.
                if (targets.Any(t => ReplacesOrNullTests(t.Node, lockExpression)))
                    continue;
                // Two locks over the same statement would nest in an order nobody chose: leave the second for a later pass.
                targets = targets.Where(t => !planned.Any(p => p.Span.IntersectsWith(t.Node.Span))).ToList();
                if (targets.Count == 0)
                    continue;
                planned.AddRange(targets.Select(t => t.Node));
                LockWrapping.Apply(editor, targets, lockExpression);
                changed = true;
            }

            if (!changed)
                return null;
            return await Formatter.FormatAsync(editor.GetChangedDocument(), Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }

        private static bool ReplacesOrNullTests(SyntaxNode wrapped, ExpressionSyntax lockExpression)
        {
            var lockName = LastName(lockExpression);
            if (lockName == null)
                return false;
            foreach (var node in wrapped.DescendantNodesAndSelf())
            {
                switch (node)
                {
                    case AssignmentExpressionSyntax assignment when LastName(assignment.Left) == lockName:
                        return true;
                    case BinaryExpressionSyntax binary when (binary.IsKind(SyntaxKind.EqualsExpression) || binary.IsKind(SyntaxKind.NotEqualsExpression) || binary.IsKind(SyntaxKind.CoalesceExpression))
                        && (LastName(binary.Left) == lockName || LastName(binary.Right) == lockName):
                        return true;
                    case IsPatternExpressionSyntax pattern when LastName(pattern.Expression) == lockName:
                        return true;
                    case ConditionalAccessExpressionSyntax conditional when LastName(conditional.Expression) == lockName:
                        return true;
                }
            }

            return false;
        }

        private static string? LastName(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax member when member.Expression is ThisExpressionSyntax => member.Name.Identifier.ValueText,
            ParenthesizedExpressionSyntax parenthesized => LastName(parenthesized.Expression),
            _ => null,
        };

        private static bool IsInStaticMember(SyntaxNode node)
        {
            var member = node.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
            return member switch
            {
                BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.StaticKeyword),
                BasePropertyDeclarationSyntax property => property.Modifiers.Any(SyntaxKind.StaticKeyword),
                _ => true,
            };
        }
    }
}
