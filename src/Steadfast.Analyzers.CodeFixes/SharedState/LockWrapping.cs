using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// Wraps accesses in <c>lock (x) { … }</c>: the smallest statement around each access (a local declaration
    /// is split so the local stays in scope), or the expression body of a member or lambda. Used by the SF3001
    /// and SF3002 fixes.
    /// </summary>
    internal static class LockWrapping
    {
        private static readonly SymbolDisplayFormat NullableFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>What will be wrapped: a statement, or an expression body (of a member, accessor or lambda).</summary>
        internal sealed class Target
        {
            public Target(SyntaxNode node, string? splitLocalType, bool returnsValue)
            {
                Node = node;
                SplitLocalType = splitLocalType;
                ReturnsValue = returnsValue;
            }

            public SyntaxNode Node { get; }

            /// <summary>For a local declaration: the local's type, so it can be declared before the lock.</summary>
            public string? SplitLocalType { get; }

            /// <summary>For an expression body: whether its value is returned.</summary>
            public bool ReturnsValue { get; }
        }

        /// <summary>The targets for these accesses, outermost only; null when one of them cannot be wrapped.</summary>
        public static List<Target>? Plan(SemanticModel semanticModel, IEnumerable<SyntaxNode> accesses, CancellationToken cancellationToken)
        {
            var targets = new Dictionary<SyntaxNode, Target>();
            foreach (var access in accesses)
            {
                var target = FindTarget(semanticModel, access, cancellationToken);
                if (target == null)
                    return null;
                targets[target.Node] = target;
            }

            var outermost = targets.Values
                .Where(t => !targets.Keys.Any(other => other != t.Node && other.Span.Contains(t.Node.Span)))
                .ToList();
            foreach (var target in outermost)
            {
                if (target.Node.DescendantNodesAndSelf().Any(n => n is AwaitExpressionSyntax || (n is LocalDeclarationStatementSyntax d && d.AwaitKeyword != default)))
                    return null; // no await inside lock
                if (target.Node.DescendantNodes().Any(n => n is YieldStatementSyntax))
                    return null;
            }

            return outermost;
        }

        private static Target? FindTarget(SemanticModel semanticModel, SyntaxNode access, CancellationToken cancellationToken)
        {
            SyntaxNode child = access;
            for (var node = access.Parent; node != null; child = node, node = node.Parent)
            {
                switch (node)
                {
                    case LambdaExpressionSyntax lambda when lambda.ExpressionBody == child:
                        if (lambda.AsyncKeyword != default)
                            return null;
                        var lambdaSymbol = semanticModel.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol;
                        return lambdaSymbol == null ? null : new Target(lambda, null, !lambdaSymbol.ReturnsVoid);
                    case ArrowExpressionClauseSyntax arrow:
                        var owner = arrow.Parent;
                        if (owner is BaseMethodDeclarationSyntax method && method.Modifiers.Any(SyntaxKind.AsyncKeyword))
                            return null;
                        if (owner is LocalFunctionStatementSyntax localFunction && localFunction.Modifiers.Any(SyntaxKind.AsyncKeyword))
                            return null;
                        var returns = owner switch
                        {
                            MethodDeclarationSyntax m => !(m.ReturnType is PredefinedTypeSyntax p && p.Keyword.IsKind(SyntaxKind.VoidKeyword)),
                            LocalFunctionStatementSyntax l => !(l.ReturnType is PredefinedTypeSyntax p && p.Keyword.IsKind(SyntaxKind.VoidKeyword)),
                            AccessorDeclarationSyntax a => a.IsKind(SyntaxKind.GetAccessorDeclaration),
                            PropertyDeclarationSyntax _ => true,
                            IndexerDeclarationSyntax _ => true,
                            _ => (bool?)null,
                        };
                        return returns == null ? null : new Target(arrow, null, returns.Value);
                    case LocalDeclarationStatementSyntax declaration:
                        if (declaration.UsingKeyword != default || declaration.IsConst || declaration.Declaration.Variables.Count != 1
                            || declaration.Declaration.Variables[0].Initializer == null || declaration.Declaration.Type is RefTypeSyntax)
                        {
                            return null;
                        }

                        var local = semanticModel.GetDeclaredSymbol(declaration.Declaration.Variables[0], cancellationToken) as ILocalSymbol;
                        if (local == null || local.Type.IsAnonymousType || local.Type.TypeKind == TypeKind.Error)
                            return null;
                        var typeName = declaration.Declaration.Type.IsVar
                            ? local.Type.ToMinimalDisplayString(semanticModel, declaration.SpanStart, NullableFormat)
                            : declaration.Declaration.Type.ToString();
                        return new Target(declaration, typeName, false);
                    case LocalFunctionStatementSyntax _:
                        return null;
                    case StatementSyntax statement when !(statement is BlockSyntax)
                        && (statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax || statement.Parent is GlobalStatementSyntax):
                        return new Target(statement, null, false); // an embedded statement (if (c) x.Add(1);) takes its whole parent statement
                    case MemberDeclarationSyntax _:
                    case AttributeSyntax _:
                    case ConstructorInitializerSyntax _:
                        return null;
                }
            }

            return null;
        }

        /// <summary>Registers the rewrite of each target with the editor (composable with other edits of the same nodes).</summary>
        public static void Apply(SyntaxEditor editor, IEnumerable<Target> targets, ExpressionSyntax lockExpression)
        {
            foreach (var target in targets)
            {
                switch (target.Node)
                {
                    case LambdaExpressionSyntax lambda:
                        editor.ReplaceNode(lambda, (current, _) =>
                        {
                            var currentLambda = (LambdaExpressionSyntax)current;
                            var body = (ExpressionSyntax)currentLambda.ExpressionBody!;
                            return currentLambda.WithExpressionBody(null).WithBlock(Block(Lock(lockExpression, BodyStatement(body.WithoutTrivia(), target.ReturnsValue))))
                                .WithAdditionalAnnotations(Formatter.Annotation);
                        });
                        break;
                    case ArrowExpressionClauseSyntax arrow:
                        editor.ReplaceNode(arrow.Parent!, (current, _) => ExpandArrow(current, Lock(lockExpression, BodyStatement(
                            GetArrow(current)!.Expression.WithoutTrivia(), target.ReturnsValue))).WithAdditionalAnnotations(Formatter.Annotation));
                        break;
                    case LocalDeclarationStatementSyntax declaration:
                        var declared = Identifier(declaration.Declaration.Variables[0].Identifier.ValueText);
                        var split = LocalDeclarationStatement(VariableDeclaration(ParseTypeName(target.SplitLocalType!), SingletonSeparatedList(VariableDeclarator(declared))))
                            .WithLeadingTrivia(declaration.GetLeadingTrivia())
                            .WithAdditionalAnnotations(Formatter.Annotation);
                        editor.InsertBefore(declaration, split);
                        editor.ReplaceNode(declaration, (current, _) =>
                        {
                            var currentDeclaration = (LocalDeclarationStatementSyntax)current;
                            var value = currentDeclaration.Declaration.Variables[0].Initializer!.Value.WithoutTrivia();
                            var assignment = ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(declared), value));
                            return Lock(lockExpression, assignment)
                                .WithLeadingTrivia(ElasticMarker)
                                .WithTrailingTrivia(currentDeclaration.GetTrailingTrivia())
                                .WithAdditionalAnnotations(Formatter.Annotation);
                        });
                        break;
                    case StatementSyntax statement:
                        editor.ReplaceNode(statement, (current, _) =>
                        {
                            var currentStatement = (StatementSyntax)current;
                            return Lock(lockExpression, currentStatement.WithoutLeadingTrivia().WithoutTrailingTrivia())
                                .WithLeadingTrivia(currentStatement.GetLeadingTrivia())
                                .WithTrailingTrivia(currentStatement.GetTrailingTrivia())
                                .WithAdditionalAnnotations(Formatter.Annotation);
                        });
                        break;
                }
            }
        }

        private static StatementSyntax BodyStatement(ExpressionSyntax expression, bool returnsValue) =>
            returnsValue ? ReturnStatement(expression) : (StatementSyntax)ExpressionStatement(expression);

        private static LockStatementSyntax Lock(ExpressionSyntax lockExpression, StatementSyntax statement) =>
            LockStatement(lockExpression.WithoutTrivia(), Block(statement));

        private static ArrowExpressionClauseSyntax? GetArrow(SyntaxNode member) => member switch
        {
            BaseMethodDeclarationSyntax method => method.ExpressionBody,
            LocalFunctionStatementSyntax localFunction => localFunction.ExpressionBody,
            AccessorDeclarationSyntax accessor => accessor.ExpressionBody,
            BasePropertyDeclarationSyntax property => property switch
            {
                PropertyDeclarationSyntax p => p.ExpressionBody,
                IndexerDeclarationSyntax i => i.ExpressionBody,
                _ => null,
            },
            _ => null,
        };

        private static SyntaxNode ExpandArrow(SyntaxNode member, StatementSyntax lockStatement)
        {
            var body = Block(lockStatement);
            switch (member)
            {
                case MethodDeclarationSyntax method:
                    return method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithTrailingTrivia(method.SemicolonToken.TrailingTrivia);
                case OperatorDeclarationSyntax op:
                    return op.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithTrailingTrivia(op.SemicolonToken.TrailingTrivia);
                case LocalFunctionStatementSyntax localFunction:
                    return localFunction.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithTrailingTrivia(localFunction.SemicolonToken.TrailingTrivia);
                case AccessorDeclarationSyntax accessor:
                    return accessor.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body).WithTrailingTrivia(accessor.SemicolonToken.TrailingTrivia);
                case PropertyDeclarationSyntax property:
                    return property.WithExpressionBody(null).WithSemicolonToken(default)
                        .WithAccessorList(AccessorList(SingletonList(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, body))))
                        .WithTrailingTrivia(property.SemicolonToken.TrailingTrivia);
                case IndexerDeclarationSyntax indexer:
                    return indexer.WithExpressionBody(null).WithSemicolonToken(default)
                        .WithAccessorList(AccessorList(SingletonList(AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, body))))
                        .WithTrailingTrivia(indexer.SemicolonToken.TrailingTrivia);
                default:
                    return member;
            }
        }
    }
}
