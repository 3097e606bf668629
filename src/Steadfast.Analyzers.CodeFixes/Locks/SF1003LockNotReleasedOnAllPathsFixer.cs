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
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1003 fix: the statements between the acquire and the release become a try block and the release moves into its
    /// finally. Offered when the release is a statement of the same block as (or a block nested right under) the
    /// acquire, and no local declared in the critical section is used after the release.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1003LockNotReleasedOnAllPathsFixer)), Shared]
    public sealed class SF1003LockNotReleasedOnAllPathsFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF1003.ReleaseInFinally";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockNotReleasedOnAllPaths);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var diagnostic = context.Diagnostics[0];
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax release))
                return;
            var plan = Plan(semanticModel, release, context.CancellationToken);
            if (plan == null)
                return;
            context.RegisterCodeFix(
                CodeAction.Create("Release the lock in a finally block", ct => FixAsync(context.Document, root, plan.Value, ct), EquivalenceKey),
                diagnostic);
        }

        private static (BlockSyntax Block, int Start, int ReleaseIndex)? Plan(SemanticModel semanticModel, InvocationExpressionSyntax releaseCall, CancellationToken cancellationToken)
        {
            var model = LockModel.Create(semanticModel.Compilation);
            if (model == null || !(semanticModel.GetOperation(releaseCall, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation operation))
                return null;
            var release = model.AsRelease(operation, cancellationToken);
            var acquire = release == null ? null : SF1003LockNotReleasedOnAllPathsAnalyzer.FindAcquire(release, model, cancellationToken);
            if (acquire == null)
                return null;

            // The release statement: the statement of its block that contains it.
            var statement = releaseCall.Ancestors().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent is BlockSyntax);
            if (!(statement?.Parent is BlockSyntax block))
                return null;
            var releaseIndex = block.Statements.IndexOf(statement);
            int start;
            var acquireStatement = block.Statements.FirstOrDefault(s => s.Span.Contains(acquire.Call.Syntax.Span));
            if (acquireStatement != null)
                start = block.Statements.IndexOf(acquireStatement) + 1;
            else if (block.SpanStart > acquire.Call.Syntax.SpanStart)
                start = 0; // if (acquire) { critical section; release; }
            else
                return null;
            if (start >= releaseIndex)
                return null;

            // Locals declared in the critical section and used after the release would go out of scope.
            var moved = block.Statements.Skip(start).Take(releaseIndex - start).ToList();
            var declared = moved.OfType<LocalDeclarationStatementSyntax>().SelectMany(d => d.Declaration.Variables).Select(v => v.Identifier.ValueText).ToImmutableHashSet();
            if (declared.Count > 0 && block.Statements.Skip(releaseIndex + 1).SelectMany(s => s.DescendantNodes().OfType<IdentifierNameSyntax>()).Any(i => declared.Contains(i.Identifier.ValueText)))
                return null;
            return (block, start, releaseIndex);
        }

        private static Task<Document> FixAsync(Document document, SyntaxNode root, (BlockSyntax Block, int Start, int ReleaseIndex) plan, CancellationToken cancellationToken)
        {
            var (block, start, releaseIndex) = plan;
            var moved = block.Statements.Skip(start).Take(releaseIndex - start).ToList();
            var release = block.Statements[releaseIndex];
            var tryStatement = TryStatement(
                    Block(moved),
                    default,
                    FinallyClause(Block(release.WithoutLeadingTrivia())))
                .WithLeadingTrivia(moved[0].GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            moved[0] = moved[0].WithLeadingTrivia(ElasticMarker);
            tryStatement = tryStatement.WithBlock(Block(moved)).WithAdditionalAnnotations(Formatter.Annotation);
            var statements = block.Statements.Take(start).Concat(new StatementSyntax[] { tryStatement }).Concat(block.Statements.Skip(releaseIndex + 1));
            var newBlock = block.WithStatements(List(statements));
            var newDocument = document.WithSyntaxRoot(root.ReplaceNode(block, newBlock));
            return Formatter.FormatAsync(newDocument, Formatter.Annotation, null, cancellationToken);
        }
    }
}
