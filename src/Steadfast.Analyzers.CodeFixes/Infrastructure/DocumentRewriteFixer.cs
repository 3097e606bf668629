using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;

namespace Steadfast.Analyzers
{
    /// <summary>
    /// A fixer whose edits are computed for all of a document's diagnostics at once, so Fix All never has
    /// to merge overlapping text changes (two fixes adding the same using, a shared declaration …).
    /// A single fix is the same rewrite with one diagnostic.
    /// </summary>
    public abstract class DocumentRewriteFixer : CodeFixProvider
    {
        /// <summary>The equivalence key of the one code action this fixer offers.</summary>
        protected abstract string EquivalenceKey { get; }

        protected abstract string Title { get; }

        /// <summary>Whether this diagnostic's shape can be rewritten safely; no action is offered otherwise.</summary>
        protected abstract Task<bool> CanFixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken);

        /// <summary>Rewrites every fixable diagnostic of the document; unfixable ones are left as they are.</summary>
        protected abstract Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken);

        public sealed override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await FixSyntax.CleanUpAsync(await RewriteAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false), context.CancellationToken).ConfigureAwait(false));

        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                if (!await CanFixAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false))
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create(
                        Title,
                        async ct => await FixSyntax.CleanUpAsync(await RewriteAsync(context.Document, ImmutableArray.Create(diagnostic), ct).ConfigureAwait(false), ct).ConfigureAwait(false),
                        EquivalenceKey),
                    diagnostic);
            }
        }
    }
}
