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
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1003 fix: the statements between the acquire and the release become a try block and the release moves into its
    /// finally. Offered when the release is a statement of the same block as (or a block nested right under) the
    /// acquire, and no local declared in the critical section is used by the release or after it. Not offered when the
    /// critical section returns <c>true</c>: an acquire wrapper keeps the lock on that path on purpose (its caller releases
    /// later), and a finally would release it on success.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1003LockNotReleasedOnAllPathsFixer)), Shared]
    public sealed class SF1003LockNotReleasedOnAllPathsFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF1003.ReleaseInFinally";

        /// <summary>The Steadfast rewrite: acquire, critical section and release become a lock handle from IDistributedLockProvider.</summary>
        public const string UseSteadfastLockKey = "SF1003.UseSteadfastLock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockNotReleasedOnAllPaths);

        public override FixAllProvider GetFixAllProvider() =>
            SteadfastLockRewrite.FixAllProvider(
                WellKnownFixAllProviders.BatchFixer,
                UseSteadfastLockKey);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            // A lock nothing releases: where the release belongs (and whether the lock needs one) is the author's call.
            if (context.Diagnostics[0].Properties.TryGetValue(SF1003LockNotReleasedOnAllPathsAnalyzer.ShapeProperty, out var shape)
                && shape == SF1003LockNotReleasedOnAllPathsAnalyzer.NeverReleasedShape)
            {
                return;
            }

            await SteadfastLockRewrite.RegisterAsync(context, context.Diagnostics[0], UseSteadfastLockKey).ConfigureAwait(false);
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

        private static (SyntaxNode Container, IReadOnlyList<StatementSyntax> Statements, int Start, int ReleaseIndex)? Plan(SemanticModel semanticModel, InvocationExpressionSyntax releaseCall, CancellationToken cancellationToken)
        {
            var model = LockModel.Create(semanticModel.Compilation);
            if (model == null || !(semanticModel.GetOperation(releaseCall, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation operation))
                return null;
            var release = model.AsRelease(operation, cancellationToken);
            var acquire = release == null ? null : SF1003LockNotReleasedOnAllPathsAnalyzer.FindAcquire(release, model, cancellationToken);
            if (acquire == null)
                return null;

            // The release statement: the statement of its block (or of the top-level program) that contains it.
            var statement = releaseCall.Ancestors().OfType<StatementSyntax>().FirstOrDefault(s => s.Parent is BlockSyntax || s.Parent is GlobalStatementSyntax);
            SyntaxNode container;
            IReadOnlyList<StatementSyntax> statements;
            if (statement?.Parent is BlockSyntax block)
            {
                container = block;
                statements = block.Statements;
            }
            else if (statement?.Parent is GlobalStatementSyntax { Parent: CompilationUnitSyntax unit })
            {
                container = unit;
                statements = unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement).ToList();
            }
            else
            {
                return null;
            }

            var releaseIndex = IndexOf(statements, statement);
            int start;
            var acquireStatement = statements.FirstOrDefault(s => s.Span.Contains(acquire.Call.Syntax.Span));
            if (acquireStatement != null)
                start = IndexOf(statements, acquireStatement) + 1;
            else if (container is BlockSyntax && container.SpanStart > acquire.Call.Syntax.SpanStart)
                start = 0; // if (acquire) { critical section; release; }
            else
                return null;
            if (start >= releaseIndex)
                return null;

            // Locals (and local functions) declared in the critical section go out of scope when it moves into the try:
            // decline when the release itself or anything after it uses one (a release guarded by a value read in the
            // critical section, `if (current == token) KeyDelete(…)`, would not compile).
            var moved = statements.Skip(start).Take(releaseIndex - start).ToList();
            if (ReturnsHoldingTheLock(moved))
                return null;
            if (OutOfScopeAfterMove(semanticModel, moved, statements.Take(start).Concat(statements.Skip(releaseIndex)), cancellationToken))
                return null;
            return (container, statements, start, releaseIndex);
        }

        /// <summary>A <c>return true</c> in the critical section (not in a nested function): it leaves holding the lock on purpose.</summary>
        private static bool ReturnsHoldingTheLock(IEnumerable<StatementSyntax> moved) =>
            moved.SelectMany(s => s.DescendantNodesAndSelf(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)))
                .OfType<ReturnStatementSyntax>()
                .Any(r => r.Expression.IsKind(SyntaxKind.TrueLiteralExpression));

        private static int IndexOf(IReadOnlyList<StatementSyntax> statements, StatementSyntax statement)
        {
            for (var i = 0; i < statements.Count; i++)
            {
                if (statements[i] == statement)
                    return i;
            }

            return -1;
        }

        internal static bool OutOfScopeAfterMove(SemanticModel semanticModel, System.Collections.Generic.IReadOnlyList<StatementSyntax> moved, System.Collections.Generic.IEnumerable<StatementSyntax> after, CancellationToken cancellationToken)
        {
            if (moved.Count == 0)
                return false;
            // Statement by statement: a range of top-level statements is not one data-flow region.
            var declared = new System.Collections.Generic.HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var statement in moved)
            {
                var flow = semanticModel.AnalyzeDataFlow(statement);
                if (flow == null || !flow.Succeeded)
                    return true;
                declared.UnionWith(flow.VariablesDeclared);
            }

            foreach (var local in moved.OfType<LocalFunctionStatementSyntax>())
            {
                if (semanticModel.GetDeclaredSymbol(local, cancellationToken) is { } function)
                    declared.Add(function);
            }

            if (moved.Any(s => s is LabeledStatementSyntax))
                return true;
            if (declared.Count == 0)
                return false;
            var names = new System.Collections.Generic.HashSet<string>(declared.Select(d => d.Name));
            foreach (var identifier in after.SelectMany(s => s.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()))
            {
                if (names.Contains(identifier.Identifier.ValueText)
                    && semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol is { } symbol
                    && declared.Contains(symbol.OriginalDefinition))
                {
                    return true;
                }
            }

            return false;
        }

        private static Task<Document> FixAsync(Document document, SyntaxNode root, (SyntaxNode Container, IReadOnlyList<StatementSyntax> Statements, int Start, int ReleaseIndex) plan, CancellationToken cancellationToken)
        {
            var (container, statements, start, releaseIndex) = plan;
            var moved = statements.Skip(start).Take(releaseIndex - start).ToList();
            var release = statements[releaseIndex];
            var leading = moved[0].GetLeadingTrivia();
            moved[0] = moved[0].WithLeadingTrivia(ElasticMarker);
            var tryStatement = TryStatement(
                    Block(moved),
                    default,
                    FinallyClause(Block(release.WithoutLeadingTrivia())))
                .WithLeadingTrivia(leading)
                .WithAdditionalAnnotations(Formatter.Annotation);
            SyntaxNode newContainer;
            if (container is BlockSyntax block)
            {
                var newStatements = block.Statements.Take(start).Concat(new StatementSyntax[] { tryStatement }).Concat(block.Statements.Skip(releaseIndex + 1));
                newContainer = block.WithStatements(List(newStatements));
            }
            else
            {
                // Top-level statements: the globals from the first moved one to the release become one global try.
                var unit = (CompilationUnitSyntax)container;
                var first = unit.Members.IndexOf((MemberDeclarationSyntax)statements[start].Parent!);
                var last = unit.Members.IndexOf((MemberDeclarationSyntax)release.Parent!);
                var members = unit.Members.Take(first).Concat(new MemberDeclarationSyntax[] { GlobalStatement(tryStatement) }).Concat(unit.Members.Skip(last + 1));
                newContainer = unit.WithMembers(List(members));
            }

            var newDocument = document.WithSyntaxRoot(root.ReplaceNode(container, newContainer));
            return Formatter.FormatAsync(newDocument, Formatter.Annotation, null, cancellationToken);
        }
    }
}
