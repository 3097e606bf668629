using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// The SF2002 rewrite to Steadfast's reliable queue:
    /// <code>
    /// var order = await db.ListRightPopAsync("orders");         var orderDelivery = await db.AsReliableQueue&lt;string&gt;("orders").DequeueAsync(TimeSpan.Zero, ct);
    /// if (order.IsNull) return;                             →   RedisValue order = orderDelivery?.Message;
    /// Handle(order);                                            if (order.IsNull) return;
    ///                                                           Handle(order);
    ///                                                           if (orderDelivery is not null)
    ///                                                               await orderDelivery.AckAsync(ct);
    /// </code>
    /// <c>AsReliableQueue</c> (Steadfast.Redis) is a Redis Streams queue named after the list that first moves whatever the
    /// list's producers keep pushing into its stream, so producers that have not moved are not orphaned. The wait is zero,
    /// like the pop it replaces. Offered when the compilation references Steadfast.Redis, the receiver is an
    /// <c>IDatabase</c> (not a batch or transaction, whose other commands the pop would leave) and <c>await</c> is legal
    /// at the pop: an async function or a top-level statement, outside a <c>lock</c>.
    /// </summary>
    internal static class ReliableQueueConsumption
    {
        private const string ExtensionsTypeName = "Steadfast.Queues.RedisListQueueExtensions";
        private const string ExtensionsNamespace = "Steadfast.Queues";

        public static bool CanRewrite(SemanticModel semanticModel, PoppedMessage message, CancellationToken cancellationToken)
        {
            var compilation = semanticModel.Compilation;
            var database = compilation.GetBestTypeByMetadataName("StackExchange.Redis.IDatabase");
            var redisKey = compilation.GetBestTypeByMetadataName("StackExchange.Redis.RedisKey");
            if (database == null || compilation.GetBestTypeByMetadataName(ExtensionsTypeName) == null
                || message.Declaration.Declaration.Variables.Count != 1)
            {
                return false;
            }

            var receiver = message.Call.Instance?.Type;
            if (receiver == null || !(SymbolEqualityComparer.Default.Equals(receiver, database) || receiver.AllInterfaces.Contains(database, SymbolEqualityComparer.Default)))
                return false;

            // AsReliableQueue takes the key as a string; a RedisKey converts implicitly.
            var keyType = semanticModel.GetTypeInfo(message.Key, cancellationToken).Type;
            if (!(keyType?.SpecialType == SpecialType.System_String || SymbolEqualityComparer.Default.Equals(keyType, redisKey)))
                return false;

            // Top-level statements may always await: the compiler makes the entry point async when one does.
            return (message.IsTopLevelStatement || semanticModel.GetEnclosingSymbol(message.Pop.SpanStart, cancellationToken) is IMethodSymbol { IsAsync: true })
                && !message.Pop.Ancestors().TakeWhile(a => !(a is MemberDeclarationSyntax || a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
                    .Any(a => a is LockStatementSyntax);
        }

        public static void Rewrite(DocumentEditor editor, SemanticModel semanticModel, PoppedMessage message, CancellationToken cancellationToken)
        {
            var declaration = message.Declaration;
            var delivery = FixSyntax.FreeName(semanticModel, declaration.SpanStart, message.Local.Name + "Delivery");
            var token = CancellationTokenLookup.Find(semanticModel, message.Pop.SpanStart, cancellationToken);

            // var orderDelivery = await db.AsReliableQueue<string>(key[, ListSide.Left]).DequeueAsync(TimeSpan.Zero[, ct]);
            var queueArguments = SeparatedList(new[] { Argument(message.Key.WithoutTrivia()) });
            if (message.Side == "Left")
                queueArguments = queueArguments.Add(Argument(FixSyntax.StaticMember("StackExchange.Redis.ListSide", "Left")));
            // A byte[] local keeps binary values intact on a byte[] queue; everything else reads them as text on a string queue.
            var isBytes = message.Local.Type is IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Byte };
            TypeSyntax messageType = isBytes
                ? ParseTypeName("byte[]")
                : PredefinedType(Token(SyntaxKind.StringKeyword));
            var queue = InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, message.Member.Expression.WithoutTrivia(),
                    GenericName(Identifier("AsReliableQueue"), TypeArgumentList(SingletonSeparatedList(messageType)))),
                ArgumentList(queueArguments));
            var dequeue = AwaitExpression(Configured(message, InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, queue, IdentifierName("DequeueAsync")),
                ArgumentList(WithToken(token, FixSyntax.StaticMember("System.TimeSpan", "Zero"))))));
            var dequeueStatement = LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"),
                    SingletonSeparatedList(VariableDeclarator(Identifier(delivery)).WithInitializer(EqualsValueClause(dequeue)))))
                .WithLeadingTrivia(declaration.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);

            // RedisValue order = orderDelivery?.Message;  — the local keeps its type, so the code after it reads it as before.
            var type = declaration.Declaration.Type.IsVar
                ? FixSyntax.ImportedType(message.Local.Type)
                : declaration.Declaration.Type.WithoutTrivia();
            ExpressionSyntax value = ConditionalAccessExpression(IdentifierName(delivery), MemberBindingExpression(IdentifierName("Message")));
            var localType = message.Local.Type;
            if (!isBytes && localType.SpecialType != SpecialType.System_String && localType.ToDisplayString() != "StackExchange.Redis.RedisValue")
            {
                // byte[], object …: go through RedisValue, as the pop's value did, so the same conversion applies.
                value = CastExpression(FixSyntax.ImportedType("StackExchange.Redis.RedisValue"), value);
            }

            var messageStatement = declaration
                .WithDeclaration(declaration.Declaration
                    .WithType(type.WithTrailingTrivia(Space))
                    .WithVariables(SingletonSeparatedList(message.Declarator.WithInitializer(EqualsValueClause(value)))))
                // Among top-level statements an elastic start would get a blank line before it: keep the line's indentation.
                .WithLeadingTrivia(message.IsTopLevelStatement ? PoppedMessage.Indentation(declaration) : TriviaList(ElasticMarker))
                .WithAdditionalAnnotations(Formatter.Annotation);

            // if (orderDelivery is not null) await orderDelivery.AckAsync(ct);  — after the handler; a throw leaves it unacknowledged.
            var acknowledge = IfStatement(
                    IsPatternExpression(IdentifierName(delivery), UnaryPattern(Token(SyntaxKind.NotKeyword), ConstantPattern(LiteralExpression(SyntaxKind.NullLiteralExpression)))),
                    ExpressionStatement(AwaitExpression(Configured(message, InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(delivery), IdentifierName("AckAsync")),
                        ArgumentList(WithToken(token)))))))
                .WithAdditionalAnnotations(Formatter.Annotation);

            PoppedMessage.InsertBefore(editor, declaration, dequeueStatement);
            editor.ReplaceNode(declaration, messageStatement);
            PoppedMessage.InsertAfter(editor, message.LastHandler, acknowledge);
        }

        /// <summary>Whether <c>AsReliableQueue</c> is already in scope at the pop (a using or global using of Steadfast.Queues).</summary>
        public static bool ExtensionInScope(SemanticModel semanticModel, PoppedMessage message) =>
            message.Call.Instance?.Type is { } receiver
            && semanticModel.LookupSymbols(message.Pop.SpanStart, receiver, "AsReliableQueue", includeReducedExtensionMethods: true).Any();

        /// <summary>Adds <c>using Steadfast.Queues;</c> among the file's usings, in order.</summary>
        public static SyntaxNode AddExtensionsUsing(SyntaxNode root)
        {
            if (!(root is CompilationUnitSyntax unit))
                return root;
            var usingDirective = UsingDirective(ParseName(ExtensionsNamespace))
                .WithTrailingTrivia(unit.Usings.Count > 0 ? unit.Usings.Last().GetTrailingTrivia() : TriviaList(ElasticCarriageReturnLineFeed))
                .WithAdditionalAnnotations(Formatter.Annotation);
            var position = unit.Usings.TakeWhile(u => Precedes(u.Name?.ToString() ?? "", ExtensionsNamespace)).Count();
            return unit.WithUsings(unit.Usings.Insert(position, usingDirective));
        }

        // System first, then ordinal: the order `dotnet format` keeps.
        private static bool Precedes(string name, string other)
        {
            var nameIsSystem = name == "System" || name.StartsWith("System.", System.StringComparison.Ordinal);
            var otherIsSystem = other == "System" || other.StartsWith("System.", System.StringComparison.Ordinal);
            return nameIsSystem != otherIsSystem ? nameIsSystem : string.CompareOrdinal(name, other) < 0;
        }

        /// <summary><c>call.ConfigureAwait(x)</c> when the pop had it, else the call.</summary>
        private static ExpressionSyntax Configured(PoppedMessage message, ExpressionSyntax call) =>
            message.ConfigureAwait == null
                ? call
                : InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, call, IdentifierName("ConfigureAwait")),
                    ArgumentList(SingletonSeparatedList(message.ConfigureAwait.WithoutTrivia())));

        private static SeparatedSyntaxList<ArgumentSyntax> WithToken(string? token, params ExpressionSyntax[] arguments)
        {
            var list = SeparatedList(arguments.Select(Argument));
            return token == null ? list : list.Add(Argument(IdentifierName(token)));
        }
    }
}
