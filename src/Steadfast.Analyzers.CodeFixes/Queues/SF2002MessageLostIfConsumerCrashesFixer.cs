using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
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
    /// handler throws or the process dies, the message is still in the processing list for a sweeper to re-queue.</item>
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
                if (CanMoveToProcessingList(semanticModel, message))
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
            foreach (var diagnostic in diagnostics)
            {
                var (message, semanticModel) = await PoppedMessage.FindAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
                if (message == null || semanticModel == null)
                    continue;
                if (!useReliableQueue)
                {
                    if (CanMoveToProcessingList(semanticModel, message))
                        MoveToProcessingList(editor, semanticModel, message);
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

        private static void MoveToProcessingList(DocumentEditor editor, SemanticModel semanticModel, PoppedMessage message)
        {
            var key = message.Key.WithoutTrivia();
            var move = HasListMove(semanticModel.Compilation, message)
                ? InvocationExpression(
                    message.Member.WithName(IdentifierName(message.IsAwaited ? "ListMoveAsync" : "ListMove")),
                    ArgumentList(SeparatedList(new[]
                    {
                        Argument(key),
                        Argument(ProcessingKey(key, message.KeyIsString)),
                        Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", message.Side)),
                        Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", "Left")),
                    })))
                : InvocationExpression(
                    message.Member.WithName(IdentifierName(message.IsAwaited ? "ListRightPopLeftPushAsync" : "ListRightPopLeftPush")),
                    ArgumentList(SeparatedList(new[] { Argument(key), Argument(ProcessingKey(key, message.KeyIsString)) })));
            editor.ReplaceNode(message.Pop, move.WithTriviaFrom(message.Pop));

            // Acknowledge: remove one copy from the processing list once the handler is done.
            ExpressionSyntax remove = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, message.Member.Expression.WithoutTrivia(), IdentifierName(message.IsAwaited ? "ListRemoveAsync" : "ListRemove")),
                ArgumentList(SeparatedList(new[]
                {
                    Argument(ProcessingKey(key, message.KeyIsString)),
                    Argument(IdentifierName(message.Local.Name)),
                    Argument(LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(1))),
                })));
            if (message.ConfigureAwait != null)
                remove = InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, remove, IdentifierName("ConfigureAwait")),
                    ArgumentList(SingletonSeparatedList(message.ConfigureAwait.WithoutTrivia())));
            if (message.IsAwaited)
                remove = AwaitExpression(remove);
            StatementSyntax acknowledge = ExpressionStatement(remove);
            if (!message.LeavesWhenEmpty && EmptyPopTest(message) is { } notEmpty)
                acknowledge = IfStatement(notEmpty, Block(acknowledge));
            PoppedMessage.InsertAfter(editor, message.LastHandler, acknowledge.WithAdditionalAnnotations(Formatter.Annotation));
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

        private static ExpressionSyntax ProcessingKey(ExpressionSyntax key, bool keyIsString)
        {
            var suffix = LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(ProcessingSuffix));
            if (key is LiteralExpressionSyntax literal && literal.IsKind(SyntaxKind.StringLiteralExpression))
                return LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(literal.Token.ValueText + ProcessingSuffix));
            return keyIsString
                ? BinaryExpression(SyntaxKind.AddExpression, key, suffix)
                : InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, key, IdentifierName("Append")), ArgumentList(SingletonSeparatedList(Argument(suffix))));
        }
    }
}
