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

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2002 fixes, offered when the popped message is handled in the same block (<see cref="PoppedMessage"/>):
    /// <list type="bullet">
    /// <item><b>Consume from Steadfast's reliable queue</b> (<see cref="ReliableQueueConsumption"/>), when the compilation
    /// references Steadfast.Redis and the pop can become an await;</item>
    /// <item><b>Move to a processing list</b>: the pop becomes an atomic move (<c>ListMove</c>, LMOVE) to
    /// "&lt;key&gt;:processing" and the message is removed from there after the last statement that handles it. If the
    /// handler throws or the process dies, the message is still in the processing list, and the consumer's loop starts by
    /// moving whatever a crashed run left there back to the queue. Offered only for a pop inside a loop (the consumer's
    /// start is before it); a literal key gets a hash-tagged processing key (same Cluster slot).</item>
    /// </list>
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF2002MessageLostIfConsumerCrashesFixer)), Shared]
    public sealed class SF2002MessageLostIfConsumerCrashesFixer : CodeFixProvider
    {
        public const string UseReliableQueueKey = "SF2002.UseReliableQueue";
        public const string MoveToProcessingListKey = "SF2002.MoveToProcessingList";
        private const string ProcessingSuffix = ":processing";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.MessageLostIfConsumerCrashes);

        public override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics, context.CodeActionEquivalenceKey == UseReliableQueueKey, context.CancellationToken).ConfigureAwait(false));

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (var diagnostic in context.Diagnostics)
            {
                var (message, semanticModel) = await PoppedMessage.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
                if (message == null || semanticModel == null)
                    continue;
                if (ReliableQueueConsumption.CanRewrite(semanticModel, message, context.CancellationToken))
                    Register(context, diagnostic, "Consume from Steadfast's reliable queue and acknowledge after handling", UseReliableQueueKey, useReliableQueue: true);
                if (CanMoveToProcessingList(semanticModel, message) && RecoveryLoop(semanticModel, message) != null)
                    Register(context, diagnostic, "Move to a processing list and remove after handling", MoveToProcessingListKey, useReliableQueue: false);
            }
        }

        private static void Register(CodeFixContext context, Diagnostic diagnostic, string title, string equivalenceKey, bool useReliableQueue) =>
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => RewriteAsync(context.Document, ImmutableArray.Create(diagnostic), useReliableQueue, ct), equivalenceKey),
                diagnostic);

        private static async Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, bool useReliableQueue, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var addUsing = false;
            var recovered = new HashSet<(SyntaxNode Loop, string Key)>();
            foreach (var diagnostic in diagnostics)
            {
                var (message, semanticModel) = await PoppedMessage.FindAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (message == null || semanticModel == null)
                    continue;
                if (!useReliableQueue)
                {
                    if (CanMoveToProcessingList(semanticModel, message) && RecoveryLoop(semanticModel, message) is { } loop)
                        MoveToProcessingList(editor, semanticModel, message, loop, recovered.Add((loop, message.Key.WithoutTrivia().ToString())));
                }
                else if (ReliableQueueConsumption.CanRewrite(semanticModel, message, cancellationToken))
                {
                    ReliableQueueConsumption.Rewrite(editor, semanticModel, message, cancellationToken);
                    addUsing |= !ReliableQueueConsumption.ExtensionInScope(semanticModel, message);
                }
            }

            var changed = editor.GetChangedDocument();
            if (addUsing)
            {
                var root = await changed.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                changed = changed.WithSyntaxRoot(ReliableQueueConsumption.AddExtensionsUsing(root!));
            }

            return await FixSyntax.CleanUpAsync(changed, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// The move exists in the referenced StackExchange.Redis — <c>ListMove</c> (LMOVE, 2.6.45+), or for a right pop
        /// <c>ListRightPopLeftPush</c> (RPOPLPUSH, every version) — and the local converts back to a RedisValue for
        /// ListRemove: string, byte[] and RedisValue do; an <c>object</c> local does not.
        /// </summary>
        private static bool CanMoveToProcessingList(SemanticModel semanticModel, PoppedMessage message)
        {
            var compilation = semanticModel.Compilation;
            var redisValue = compilation.GetBestTypeByMetadataName("StackExchange.Redis.RedisValue");
            return (HasListMove(compilation, message) || message.Side == "Right")
                && redisValue != null
                && compilation.ClassifyCommonConversion(message.Local.Type, redisValue).IsImplicit;
        }

        private static bool HasListMove(Compilation compilation, PoppedMessage message) =>
            compilation.GetBestTypeByMetadataName("StackExchange.Redis.ListSide") != null
            && FixCompilation.HasMember(compilation, "StackExchange.Redis.IDatabase", message.IsAwaited ? "ListMoveAsync" : "ListMove");

        /// <summary>
        /// The loop the pop runs in (the nearest, inside the same method or lambda), before which the consumer re-queues
        /// what a crashed run left in the processing list — or null: a pop outside a loop has no consumer start to
        /// recover at (doing it on every call would re-queue the messages other callers are handling), so no fix. The
        /// database and the key must mean the same before the loop: nothing they name is declared or assigned inside it.
        /// </summary>
        private static StatementSyntax? RecoveryLoop(SemanticModel semanticModel, PoppedMessage message)
        {
            var loop = message.Declaration.Ancestors()
                .TakeWhile(a => !(a is MemberDeclarationSyntax || a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
                .OfType<StatementSyntax>()
                .FirstOrDefault(a => a is WhileStatementSyntax || a is DoStatementSyntax || a is ForStatementSyntax || a is CommonForEachStatementSyntax);
            if (loop == null || !(loop.Parent is BlockSyntax || loop.Parent is GlobalStatementSyntax))
                return null;
            var flow = semanticModel.AnalyzeDataFlow(loop);
            if (flow == null || !flow.Succeeded)
                return null;
            foreach (var name in message.Member.Expression.DescendantNodesAndSelf().Concat(message.Key.DescendantNodesAndSelf()).OfType<IdentifierNameSyntax>())
            {
                var symbol = semanticModel.GetSymbolInfo(name).Symbol;
                if (symbol is ILocalSymbol local
                    && (local.DeclaringSyntaxReferences.Any(r => loop.Span.Contains(r.Span)) || flow.WrittenInside.Contains(local, SymbolEqualityComparer.Default)))
                {
                    return null;
                }

                if (symbol is IParameterSymbol parameter && flow.WrittenInside.Contains(parameter, SymbolEqualityComparer.Default))
                    return null;
            }

            return loop;
        }

        private static void MoveToProcessingList(DocumentEditor editor, SemanticModel semanticModel, PoppedMessage message, StatementSyntax loop, bool addRecovery)
        {
            var key = message.Key.WithoutTrivia();
            var processingKey = ProcessingKey(semanticModel, message);
            var hasListMove = HasListMove(semanticModel.Compilation, message);
            var move = hasListMove
                ? InvocationExpression(
                    message.Member.WithName(IdentifierName(message.IsAwaited ? "ListMoveAsync" : "ListMove")),
                    ArgumentList(SeparatedList(new[]
                    {
                        Argument(key),
                        Argument(processingKey),
                        Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", message.Side)),
                        Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", "Left")),
                    })))
                : InvocationExpression(
                    message.Member.WithName(IdentifierName(message.IsAwaited ? "ListRightPopLeftPushAsync" : "ListRightPopLeftPush")),
                    ArgumentList(SeparatedList(new[] { Argument(key), Argument(processingKey) })));
            editor.ReplaceNode(message.Pop, move.WithTriviaFrom(message.Pop));

            // Acknowledge: remove one copy from the processing list once the handler is done.
            StatementSyntax acknowledge = ExpressionStatement(Awaited(message, InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, message.Member.Expression.WithoutTrivia(), IdentifierName(message.IsAwaited ? "ListRemoveAsync" : "ListRemove")),
                ArgumentList(SeparatedList(new[]
                {
                    Argument(processingKey),
                    Argument(IdentifierName(message.Local.Name)),
                    Argument(LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(1))),
                })))));
            if (!message.LeavesWhenEmpty && EmptyPopTest(message) is { } notEmpty)
                acknowledge = IfStatement(notEmpty, Block(acknowledge));
            PoppedMessage.InsertAfter(editor, message.LastHandler, acknowledge.WithAdditionalAnnotations(Formatter.Annotation));

            if (addRecovery && !RecoveredAlready(loop, key, processingKey))
                PoppedMessage.InsertBefore(editor, loop, Recovery(message, key, processingKey, hasListMove, loop));
        }

        /// <summary>
        /// Before the consumer's loop: move every message a crashed run left in the processing list back to the queue, on
        /// the side the consumer pops next (LMOVE from the newest end, so the oldest is handled first), or with RPOPLPUSH
        /// where LMOVE is missing. A message a live consumer is still handling comes back too: handled twice, never lost.
        /// </summary>
        private static StatementSyntax Recovery(PoppedMessage message, ExpressionSyntax key, ExpressionSyntax processingKey, bool hasListMove, StatementSyntax loop)
        {
            var requeue = hasListMove
                ? InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, message.Member.Expression.WithoutTrivia(), IdentifierName(message.IsAwaited ? "ListMoveAsync" : "ListMove")),
                    ArgumentList(SeparatedList(new[]
                    {
                        Argument(processingKey),
                        Argument(key),
                        Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", "Left")),
                        Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", message.Side)),
                    })))
                : InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, message.Member.Expression.WithoutTrivia(), IdentifierName(message.IsAwaited ? "ListRightPopLeftPushAsync" : "ListRightPopLeftPush")),
                    ArgumentList(SeparatedList(new[] { Argument(processingKey), Argument(key) })));
            ExpressionSyntax moved = Awaited(message, requeue);
            if (message.IsAwaited)
                moved = ParenthesizedExpression(moved);
            var whileMoved = WhileStatement(
                PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, moved, IdentifierName("IsNull"))),
                Block());
            var indentation = PoppedMessage.Indentation(loop);
            return whileMoved
                .WithLeadingTrivia(TriviaList(indentation)
                    .Add(Comment("// Re-queue what a crashed run left in the processing list (such a message may be handled twice, never lost)."))
                    .Add(PoppedMessage.LineBreakOf(loop))
                    .AddRange(indentation))
                .WithTrailingTrivia(PoppedMessage.LineBreakOf(loop))
                .WithAdditionalAnnotations(Formatter.Annotation);
        }

        /// <summary>
        /// Whether a statement just before the loop already moves the processing list back to this queue: a second pop of
        /// the same queue in the loop, fixed after the first, needs no second recovery.
        /// </summary>
        private static bool RecoveredAlready(StatementSyntax loop, ExpressionSyntax key, ExpressionSyntax processingKey)
        {
            var statements = loop.Parent is GlobalStatementSyntax global && global.Parent is CompilationUnitSyntax unit
                ? unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement).ToList()
                : ((BlockSyntax)loop.Parent!).Statements.ToList();
            var from = processingKey.ToString();
            var to = key.ToString();
            return statements.TakeWhile(s => s != loop).Reverse().TakeWhile(s => s is WhileStatementSyntax)
                .Any(s => ((WhileStatementSyntax)s).Condition.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(call =>
                    call.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ListMove" or "ListMoveAsync" or "ListRightPopLeftPush" or "ListRightPopLeftPushAsync" }
                    && call.ArgumentList.Arguments.Count >= 2
                    && call.ArgumentList.Arguments[0].Expression.ToString() == from
                    && call.ArgumentList.Arguments[1].Expression.ToString() == to));
        }

        /// <summary><c>await call[.ConfigureAwait(x)]</c> when the pop was awaited, else the call.</summary>
        private static ExpressionSyntax Awaited(PoppedMessage message, ExpressionSyntax call)
        {
            if (!message.IsAwaited)
                return call;
            if (message.ConfigureAwait != null)
                call = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, call, IdentifierName("ConfigureAwait")),
                    ArgumentList(SingletonSeparatedList(message.ConfigureAwait.WithoutTrivia())));
            return AwaitExpression(call);
        }

        /// <summary>An empty pop gives a null message, and LREM of a null value throws: <c>message != null</c>, <c>!message.IsNull</c>.</summary>
        private static ExpressionSyntax? EmptyPopTest(PoppedMessage message)
        {
            var local = IdentifierName(message.Local.Name);
            if (message.Local.Type.IsReferenceType)
                return BinaryExpression(SyntaxKind.NotEqualsExpression, local, LiteralExpression(SyntaxKind.NullLiteralExpression));
            return message.Local.Type.Name == "RedisValue"
                ? PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, local, IdentifierName("IsNull")))
                : null;
        }

        /// <summary>
        /// The processing list's key. A key known when compiling (a literal, a constant) without braces is hash-tagged —
        /// <c>"{orders}:processing"</c> hashes to the queue's Cluster slot, so LMOVE between them works on Cluster; other
        /// keys get the suffix: <c>key + ":processing"</c>, <c>key.Append(":processing")</c> for a RedisKey (same slot
        /// only if the key already carries a hash tag).
        /// </summary>
        private static ExpressionSyntax ProcessingKey(SemanticModel semanticModel, PoppedMessage message)
        {
            var key = message.Key.WithoutTrivia();
            var suffix = LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(ProcessingSuffix));
            var constant = semanticModel.GetConstantValue(message.Key);
            if (constant.HasValue && constant.Value is string text && text.Length > 0 && text.IndexOf('{') < 0 && text.IndexOf('}') < 0)
            {
                if (key is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression))
                    return LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("{" + text + "}" + ProcessingSuffix));
                return BinaryExpression(SyntaxKind.AddExpression,
                    BinaryExpression(SyntaxKind.AddExpression, LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("{")), key),
                    LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("}" + ProcessingSuffix)));
            }

            if (key is LiteralExpressionSyntax stringLiteral && stringLiteral.IsKind(SyntaxKind.StringLiteralExpression))
                return LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(stringLiteral.Token.ValueText + ProcessingSuffix));
            return message.KeyIsString
                ? BinaryExpression(SyntaxKind.AddExpression, key, suffix)
                : InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, key, IdentifierName("Append")), ArgumentList(SingletonSeparatedList(Argument(suffix))));
        }
    }
}
