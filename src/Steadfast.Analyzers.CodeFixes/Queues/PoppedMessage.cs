using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// What both SF2002 fixes need to know about a flagged pop: <c>var message = [await] db.ListRightPop(key);</c>
    /// declared by a statement of a block that also handles the message (not returned, stored in a field or captured
    /// by a lambda: then the handler is elsewhere), and the last statement of that block that uses it — where the
    /// acknowledgement goes.
    /// </summary>
    internal sealed class PoppedMessage
    {
        private PoppedMessage(InvocationExpressionSyntax pop, MemberAccessExpressionSyntax member, IInvocationOperation call, bool isAwaited,
            ArgumentSyntax? configureAwait, bool keyIsString, LocalDeclarationStatementSyntax declaration, VariableDeclaratorSyntax declarator, ILocalSymbol local, StatementSyntax lastHandler)
        {
            Pop = pop;
            Member = member;
            Call = call;
            IsAwaited = isAwaited;
            ConfigureAwait = configureAwait;
            KeyIsString = keyIsString;
            Declaration = declaration;
            Declarator = declarator;
            Local = local;
            LastHandler = lastHandler;
        }

        public InvocationExpressionSyntax Pop { get; }

        public MemberAccessExpressionSyntax Member { get; }

        public IInvocationOperation Call { get; }

        /// <summary><c>await db.ListRightPopAsync(key)</c> rather than <c>db.ListRightPop(key)</c>.</summary>
        public bool IsAwaited { get; }

        /// <summary>The argument of <c>.ConfigureAwait(…)</c> on the awaited pop, if it has one: the rewrite keeps it.</summary>
        public ArgumentSyntax? ConfigureAwait { get; }

        public bool KeyIsString { get; }

        public LocalDeclarationStatementSyntax Declaration { get; }

        public VariableDeclaratorSyntax Declarator { get; }

        public ILocalSymbol Local { get; }

        public StatementSyntax LastHandler { get; }

        /// <summary>An <c>if</c> between the pop and the last handler leaves (return, continue, break, throw) on a test of the message.</summary>
        public bool LeavesWhenEmpty { get; private set; }

        public ExpressionSyntax Key => Pop.ArgumentList.Arguments[0].Expression;

        /// <summary>"Left" for ListLeftPop(Async), "Right" for ListRightPop(Async).</summary>
        public string Side => Member.Name.Identifier.ValueText.StartsWith("ListLeft", System.StringComparison.Ordinal) ? "Left" : "Right";

        public static async Task<(PoppedMessage? Message, SemanticModel? SemanticModel)> FindAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return (null, null);
            return (Find(semanticModel, root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true), cancellationToken), semanticModel);
        }

        private static PoppedMessage? Find(SemanticModel semanticModel, SyntaxNode node, CancellationToken cancellationToken)
        {
            if (!(node is InvocationExpressionSyntax pop)
                || !(pop.Expression is MemberAccessExpressionSyntax member)
                || pop.ArgumentList.Arguments.Count != 1
                || !(semanticModel.GetOperation(pop, cancellationToken) is IInvocationOperation call)
                || !QueueSymbols.IsRedisListPop(call)) // the other destructive reads (SetPop, GETDEL, early acks …) have no list to move through
            {
                return null;
            }

            // var message = [await] db.ListRightPop(key)[.ConfigureAwait(x)];  — a local declared by a statement of a block.
            ArgumentSyntax? configureAwait = null;
            SyntaxNode awaited = pop;
            if (pop.Parent is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } configure
                && configure.Parent is InvocationExpressionSyntax { ArgumentList.Arguments.Count: 1 } configured
                && configured.Parent is AwaitExpressionSyntax)
            {
                configureAwait = configured.ArgumentList.Arguments[0];
                awaited = configured;
            }

            var isAwaited = awaited.Parent is AwaitExpressionSyntax;
            var valueNode = isAwaited ? (SyntaxNode)awaited.Parent! : pop;
            if (!(valueNode.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator })
                || !(declarator.Parent?.Parent is LocalDeclarationStatementSyntax declaration)
                || !(declaration.Parent is BlockSyntax block)
                || !(semanticModel.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol local))
            {
                return null;
            }

            // The processing-list fix evaluates the key twice: it must be a plain name or literal.
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
            // A local made from the message (var order = Deserialize(message)) carries it on: its uses count as the message's.
            var derived = block.DescendantNodes().OfType<VariableDeclaratorSyntax>()
                .Where(d => d.Initializer != null && references.Any(r => d.Initializer.Span.Contains(r.Span)))
                .Select(d => semanticModel.GetDeclaredSymbol(d, cancellationToken))
                .OfType<ILocalSymbol>()
                .ToList();
            var carried = references.Concat(block.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(n => derived.Any(l => l.Name == n.Identifier.ValueText && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(n, cancellationToken).Symbol, l))))
                .ToList();

            // Added to a collection (msgList.Add(message)) is handed out too: whoever reads the collection handles it later.
            if (carried.Any(r => r.Parent is ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } }
                    && semanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol { IsStatic: false } method
                    && method.ContainingType.AllInterfaces.Any(i => i.ToDisplayString() == "System.Collections.IEnumerable")
                    && method.ContainingType.SpecialType != SpecialType.System_String))
            {
                return null;
            }

            if (references.Count == 0 || carried.Any(r => r.Ancestors().TakeWhile(a => a != block).Any(a =>
                    a is ReturnStatementSyntax || a is YieldStatementSyntax || a is LambdaExpressionSyntax || a is AnonymousMethodExpressionSyntax
                    || (a is AssignmentExpressionSyntax assignment && assignment.Right.Span.Contains(r.Span) && !(semanticModel.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol)))))
            {
                return null;
            }

            var lastHandler = block.Statements.Last(s => carried.Any(r => s.Span.Contains(r.Span)));
            if (lastHandler == declaration || lastHandler is ReturnStatementSyntax || lastHandler is ThrowStatementSyntax)
                return null;

            // The acknowledgement goes after the last handler: if no path gets past it (every branch returns), it would
            // never run and the processing list would only grow. No fix then.
            var flow = semanticModel.AnalyzeControlFlow(lastHandler);
            if (flow == null || !flow.Succeeded || !flow.EndPointIsReachable)
                return null;

            // An empty pop gives a null message: unless an earlier statement leaves on it, the acknowledgement checks it.
            var statements = block.Statements;
            var leavesWhenEmpty = statements.Skip(statements.IndexOf(declaration) + 1).Take(statements.IndexOf(lastHandler) - statements.IndexOf(declaration) - 1)
                .OfType<IfStatementSyntax>()
                .Any(i => i.Else == null && references.Any(r => i.Condition.Span.Contains(r.Span))
                          && semanticModel.AnalyzeControlFlow(i.Statement) is { Succeeded: true, EndPointIsReachable: false });
            return new PoppedMessage(pop, member, call, isAwaited, configureAwait, key.Type?.SpecialType == SpecialType.System_String, declaration, declarator, local, lastHandler)
            {
                LeavesWhenEmpty = leavesWhenEmpty,
            };
        }
    }
}
