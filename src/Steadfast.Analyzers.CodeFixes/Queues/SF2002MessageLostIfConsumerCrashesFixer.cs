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
    /// SF2002 fix: pop → atomic move to a processing list (<c>ListMove</c>, LMOVE), and removal from that
    /// list after the last statement that handles the message. If the handler throws or the process dies,
    /// the message is still in "&lt;key&gt;:processing" for a sweeper to re-queue. Offered when the popped
    /// value is handled in the same block (not returned or stored for someone else to handle).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF2002MessageLostIfConsumerCrashesFixer)), Shared]
    public sealed class SF2002MessageLostIfConsumerCrashesFixer : DocumentRewriteFixer
    {
        public const string MoveToProcessingListKey = "SF2002.MoveToProcessingList";
        private const string ProcessingSuffix = ":processing";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MessageLostIfConsumerCrashes);

        protected override string EquivalenceKey => MoveToProcessingListKey;

        protected override string Title => "Move to a processing list and remove after handling";

        protected override async Task<bool> CanFixAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken) =>
            await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) != null;

        private sealed class Plan
        {
            public Plan(InvocationExpressionSyntax pop, MemberAccessExpressionSyntax member, bool isAsync, bool keyIsString, StatementSyntax lastHandler, string local)
            {
                Pop = pop;
                Member = member;
                IsAsync = isAsync;
                KeyIsString = keyIsString;
                LastHandler = lastHandler;
                Local = local;
            }

            public InvocationExpressionSyntax Pop { get; }
            public MemberAccessExpressionSyntax Member { get; }
            public bool IsAsync { get; }
            public bool KeyIsString { get; }
            public StatementSyntax LastHandler { get; }
            public string Local { get; }
        }

        protected override async Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            foreach (var diagnostic in diagnostics)
            {
                var plan = await PlanAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (plan == null)
                    continue;

                var key = plan.Pop.ArgumentList.Arguments[0].Expression.WithoutTrivia();
                var processingKey = ProcessingKey(key, plan.KeyIsString);
                var fromSide = plan.Member.Name.Identifier.ValueText.StartsWith("ListLeft", System.StringComparison.Ordinal) ? "Left" : "Right";
                var move = InvocationExpression(
                    plan.Member.WithName(IdentifierName(plan.IsAsync ? "ListMoveAsync" : "ListMove")),
                    ArgumentList(SeparatedList(new[]
                    {
                        Argument(key),
                        Argument(processingKey),
                        Argument(ListSide(fromSide)),
                        Argument(ListSide("Left")),
                    })));
                editor.ReplaceNode(plan.Pop, move.WithTriviaFrom(plan.Pop));

                // Acknowledge: remove one copy from the processing list once the handler is done.
                ExpressionSyntax remove = InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, plan.Member.Expression.WithoutTrivia(), IdentifierName(plan.IsAsync ? "ListRemoveAsync" : "ListRemove")),
                    ArgumentList(SeparatedList(new[]
                    {
                        Argument(ProcessingKey(key, plan.KeyIsString)),
                        Argument(IdentifierName(plan.Local)),
                        Argument(LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(1))),
                    })));
                if (plan.IsAsync)
                    remove = AwaitExpression(remove);
                var acknowledge = ExpressionStatement(remove).WithAdditionalAnnotations(Formatter.Annotation);
                editor.InsertAfter(plan.LastHandler, acknowledge);
            }

            return editor.GetChangedDocument();
        }

        private static ExpressionSyntax ProcessingKey(ExpressionSyntax key, bool keyIsString)
        {
            var suffix = LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(ProcessingSuffix));
            if (key is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression))
                return LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(literal.Token.ValueText + ProcessingSuffix));
            return keyIsString
                ? BinaryExpression(SyntaxKind.AddExpression, key, suffix)
                : InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, key, IdentifierName("Append")), ArgumentList(SingletonSeparatedList(Argument(suffix))));
        }

        private static ExpressionSyntax ListSide(string side) =>
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                ParseTypeName("StackExchange.Redis.ListSide").WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation),
                IdentifierName(side));

        private static async Task<Plan?> PlanAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null
                || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax pop)
                || !(pop.Expression is MemberAccessExpressionSyntax member)
                || pop.ArgumentList.Arguments.Count != 1
                || !(semanticModel.GetOperation(pop, cancellationToken) is IInvocationOperation call)
                || semanticModel.Compilation.GetBestTypeByMetadataName("StackExchange.Redis.ListSide") == null)
            {
                return null;
            }

            // var message = [await] db.ListRightPop(key);  — a local declared by a statement of a block.
            var isAsync = pop.Parent is AwaitExpressionSyntax;
            var valueNode = isAsync ? (SyntaxNode)pop.Parent! : pop;
            if (!(valueNode.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator })
                || !(declarator.Parent?.Parent is LocalDeclarationStatementSyntax declaration)
                || !(declaration.Parent is BlockSyntax block)
                || !(semanticModel.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol local))
            {
                return null;
            }

            // The key is evaluated twice after the fix: it must be a plain name or literal.
            var key = call.Arguments[0].Value;
            while (key is IConversionOperation conversion)
                key = conversion.Operand;
            if (!(key is ILocalReferenceOperation || key is IParameterReferenceOperation || key is IFieldReferenceOperation
                || key is ILiteralOperation || (key is IPropertyReferenceOperation property && (property.Instance == null || property.Instance is IInstanceReferenceOperation))))
            {
                return null;
            }

            // The message must be handled here: not returned, not stored in a field, not captured by a lambda.
            var references = block.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(n => n.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(n, cancellationToken).Symbol, local))
                .ToList();
            if (references.Count == 0 || references.Any(r => r.Ancestors().TakeWhile(a => a != block).Any(a =>
                    a is ReturnStatementSyntax || a is YieldStatementSyntax || a is LambdaExpressionSyntax || a is AnonymousMethodExpressionSyntax
                    || (a is AssignmentExpressionSyntax assignment && assignment.Right.Span.Contains(r.Span) && !(semanticModel.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol)))))
            {
                return null;
            }

            var statements = block.Statements;
            var lastHandler = statements.Last(s => references.Any(r => s.Span.Contains(r.Span)));
            if (lastHandler == declaration || lastHandler is ReturnStatementSyntax || lastHandler is ThrowStatementSyntax)
                return null;
            return new Plan(pop, member, isAsync, key.Type?.SpecialType == SpecialType.System_String, lastHandler, local.Name);
        }
    }
}
