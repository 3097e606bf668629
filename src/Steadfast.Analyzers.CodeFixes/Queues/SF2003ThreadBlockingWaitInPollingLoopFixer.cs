using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2003 fix: <c>Thread.Sleep(x);</c> → <c>await Task.Delay(x, cancellationToken);</c> with the
    /// function's CancellationToken. Offered only where <c>await</c> is allowed: an async function, outside
    /// a <c>lock</c> statement. A sync method stays as it is (making it async changes its signature).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF2003ThreadBlockingWaitInPollingLoopFixer)), Shared]
    public sealed class SF2003ThreadBlockingWaitInPollingLoopFixer : DocumentRewriteFixer
    {
        public const string AwaitTaskDelayKey = "SF2003.AwaitTaskDelay";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ThreadBlockingWaitInPollingLoop);

        protected override string EquivalenceKey => AwaitTaskDelayKey;

        protected override string Title => "Await Task.Delay with the CancellationToken";

        protected override async Task<bool> CanFixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken) =>
            await FindAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) != null;

        protected override async Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in diagnostics)
            {
                var found = await FindAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (found == null)
                    continue;
                var (statement, sleep) = found.Value;
                var arguments = SeparatedList(new[] { sleep.ArgumentList.Arguments[0].WithoutTrivia() });
                var token = CancellationTokenLookup.Find(editor.SemanticModel, statement.SpanStart, cancellationToken);
                if (token != null)
                    arguments = arguments.Add(Argument(IdentifierName(token)));
                // Task written as an expression (not a type name), so that where it must stay qualified — a project type
                // named Task in scope — the tree is the one the text parses to.
                var task = ParseExpression("System.Threading.Tasks.Task").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
                var delay = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, task, IdentifierName("Delay")), ArgumentList(arguments));
                // The comment above the sleep is the leading trivia of its first token: it stays above the await.
                editor.ReplaceNode(statement, statement.WithExpression(AwaitExpression(delay).WithTriviaFrom(statement.Expression)));
            }

            return editor.GetChangedDocument();
        }

        private static async Task<(ExpressionStatementSyntax Statement, InvocationExpressionSyntax Sleep)?> FindAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;
            if (!(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax sleep)
                || !(sleep.Parent is ExpressionStatementSyntax statement) || sleep.ArgumentList.Arguments.Count != 1
                || !(semanticModel.GetOperation(sleep, cancellationToken) is IInvocationOperation operation))
            {
                return null;
            }

            var function = FunctionContext.EnclosingFunction(operation, semanticModel.GetEnclosingSymbol(sleep.SpanStart, cancellationToken)!);
            if (function == null || !function.IsAsync || FunctionContext.IsInsideLockStatement(operation))
                return null;
            return (statement, sleep);
        }
    }
}
