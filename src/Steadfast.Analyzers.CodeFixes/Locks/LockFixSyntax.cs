using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>Syntax the lock fixes share: how to leave a function when the lock was not taken.</summary>
    internal static class LockFixSyntax
    {
        /// <summary>
        /// <c>return;</c> in void / Task / ValueTask functions and top-level code, <c>return false;</c> where the function
        /// returns bool, else <c>throw new InvalidOperationException(…)</c>.
        /// </summary>
        public static StatementSyntax ExitStatement(SemanticModel semanticModel, SyntaxNode at, CancellationToken cancellationToken)
        {
            var returnType = ReturnType(semanticModel, at, cancellationToken);
            if (returnType == null || returnType.SpecialType == SpecialType.System_Void
                || (returnType is INamedTypeSymbol { IsGenericType: false } plain && (plain.Name == "Task" || plain.Name == "ValueTask") && plain.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks"))
            {
                return ReturnStatement();
            }

            if (Locks.LockModel.ReturnsBoolType(returnType))
                return ReturnStatement(LiteralExpression(SyntaxKind.FalseLiteralExpression));

            return ThrowStatement(
                ObjectCreationExpression(ParseTypeName("System.InvalidOperationException").WithAdditionalAnnotations(Simplifier.Annotation))
                    .WithArgumentList(ArgumentList(SingletonSeparatedList(Argument(
                        LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("The lock could not be acquired.")))))));
        }

        private static ITypeSymbol? ReturnType(SemanticModel semanticModel, SyntaxNode at, CancellationToken cancellationToken)
        {
            for (var node = at.Parent; node != null; node = node.Parent)
            {
                switch (node)
                {
                    case AnonymousFunctionExpressionSyntax lambda:
                        return (semanticModel.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol)?.ReturnType;
                    case LocalFunctionStatementSyntax local:
                        return (semanticModel.GetDeclaredSymbol(local, cancellationToken) as IMethodSymbol)?.ReturnType;
                    case BaseMethodDeclarationSyntax method:
                        return (semanticModel.GetDeclaredSymbol(method, cancellationToken) as IMethodSymbol)?.ReturnType;
                    case AccessorDeclarationSyntax accessor:
                        return (semanticModel.GetDeclaredSymbol(accessor, cancellationToken) as IMethodSymbol)?.ReturnType;
                    case CompilationUnitSyntax _:
                        return null;
                }
            }

            return null;
        }

        /// <summary><c>if (condition) { exit }</c>, formatted.</summary>
        public static IfStatementSyntax Guard(ExpressionSyntax condition, StatementSyntax exit) =>
            IfStatement(condition, Block(exit)).WithAdditionalAnnotations(Formatter.Annotation);

        /// <summary><c>!expression</c>, parenthesized when it needs to be.</summary>
        public static ExpressionSyntax Not(ExpressionSyntax expression)
        {
            var operand = expression.WithoutTrivia();
            if (!(operand is IdentifierNameSyntax || operand is InvocationExpressionSyntax || operand is MemberAccessExpressionSyntax || operand is AwaitExpressionSyntax || operand is ParenthesizedExpressionSyntax))
                operand = ParenthesizedExpression(operand);
            return PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, operand);
        }
    }
}
