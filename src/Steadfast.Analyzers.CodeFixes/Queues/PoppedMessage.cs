using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
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

        /// <summary>
        /// The statements the declaration is one of, and the node that holds them: a block's, or — in a file of top-level
        /// statements, where each statement is wrapped in its own <see cref="GlobalStatementSyntax"/> — the file's.
        /// </summary>
        private static (SyntaxNode Container, IReadOnlyList<StatementSyntax> Statements)? StatementsAround(StatementSyntax declaration)
        {
            switch (declaration.Parent)
            {
                case BlockSyntax block:
                    return (block, block.Statements);
                case GlobalStatementSyntax { Parent: CompilationUnitSyntax unit }:
                    return (unit, unit.Members.OfType<GlobalStatementSyntax>().Select(g => g.Statement).ToList());
                default:
                    return null;
            }
        }

        /// <summary>Inserts <paramref name="inserted"/> after <paramref name="statement"/>, in a block or among top-level statements.</summary>
        public static void InsertAfter(DocumentEditor editor, StatementSyntax statement, StatementSyntax inserted)
        {
            if (!(statement.Parent is GlobalStatementSyntax global))
            {
                editor.InsertAfter(statement, inserted);
                return;
            }

            // The formatter puts a blank line between top-level members it lays out itself, so the new statement gets
            // its line break and indentation spelled out: on the line after the neighbour (after its trailing comment).
            var endsLine = global.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            var lineBreak = LineBreakOf(global);
            var leading = endsLine ? Indentation(global) : Indentation(global).Insert(0, lineBreak);
            var trailing = endsLine ? SyntaxFactory.TriviaList(lineBreak) : SyntaxFactory.TriviaList();
            editor.InsertAfter(global, SyntaxFactory.GlobalStatement(inserted.WithLeadingTrivia(leading).WithTrailingTrivia(trailing)));
        }

        /// <summary>Inserts <paramref name="inserted"/> (which keeps its leading trivia) before <paramref name="statement"/>, in a block or among top-level statements.</summary>
        public static void InsertBefore(DocumentEditor editor, StatementSyntax statement, StatementSyntax inserted)
        {
            if (statement.Parent is GlobalStatementSyntax global)
                editor.InsertBefore(global, SyntaxFactory.GlobalStatement(inserted.WithTrailingTrivia(LineBreakOf(global))));
            else
                editor.InsertBefore(statement, inserted);
        }

        /// <summary>The whitespace that indents <paramref name="node"/>'s first line.</summary>
        public static SyntaxTriviaList Indentation(SyntaxNode node) =>
            SyntaxFactory.TriviaList(node.GetLeadingTrivia().Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());

        /// <summary>The file's line break (its first one), so inserted lines match the others.</summary>
        public static SyntaxTrivia LineBreakOf(SyntaxNode node)
        {
            foreach (var trivia in node.AncestorsAndSelf().Last().DescendantTrivia())
            {
                if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                    return trivia;
            }

            return SyntaxFactory.CarriageReturnLineFeed;
        }

        /// <summary>Whether the pop is a top-level statement of the program (where <c>await</c> is always allowed).</summary>
        public bool IsTopLevelStatement => Declaration.Parent is GlobalStatementSyntax;

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
                || !(StatementsAround(declaration) is { } scope)
                || !(semanticModel.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol local))
            {
                return null;
            }

            var (container, statements) = scope;

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
            var references = statements.SelectMany(statement => statement.DescendantNodes()).OfType<IdentifierNameSyntax>()
                .Where(n => n.Identifier.ValueText == local.Name && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(n, cancellationToken).Symbol, local))
                .ToList();
            // A local made from the message (var order = Deserialize(message)) carries it on: its uses count as the message's.
            var derived = statements.SelectMany(statement => statement.DescendantNodes()).OfType<VariableDeclaratorSyntax>()
                .Where(d => d.Initializer != null && references.Any(r => d.Initializer.Span.Contains(r.Span)))
                .Select(d => semanticModel.GetDeclaredSymbol(d, cancellationToken))
                .OfType<ILocalSymbol>()
                .ToList();
            var carried = references.Concat(statements.SelectMany(statement => statement.DescendantNodes()).OfType<IdentifierNameSyntax>()
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

            if (references.Count == 0 || carried.Any(r => r.Ancestors().TakeWhile(a => a != container).Any(a =>
                    a is ReturnStatementSyntax || a is YieldStatementSyntax || a is LambdaExpressionSyntax || a is AnonymousMethodExpressionSyntax
                    || a is LocalFunctionStatementSyntax
                    || (a is AssignmentExpressionSyntax assignment && assignment.Right.Span.Contains(r.Span) && !(semanticModel.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol)))))
            {
                return null;
            }

            var lastHandler = statements.Last(s => carried.Any(r => s.Span.Contains(r.Span)));
            if (lastHandler == declaration || lastHandler is ReturnStatementSyntax || lastHandler is ThrowStatementSyntax)
                return null;

            // The acknowledgement goes after the last handler: if no path gets past it (every branch returns), it would
            // never run and the processing list would only grow. No fix then.
            var flow = semanticModel.AnalyzeControlFlow(lastHandler);
            if (flow == null || !flow.Succeeded || !flow.EndPointIsReachable)
                return null;

            // An empty pop gives a null message: unless an earlier statement leaves on it, the acknowledgement checks it.
            var ordered = statements.ToList();
            var leavesWhenEmpty = ordered.Skip(ordered.IndexOf(declaration) + 1).Take(ordered.IndexOf(lastHandler) - ordered.IndexOf(declaration) - 1)
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
