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
                // A lock around "return _items" or "return Ok(_items)" releases before the caller enumerates or changes it.
                if (HandsTheObjectOut(semanticModel, access, cancellationToken))
                    return null;
                var target = FindTarget(semanticModel, access, cancellationToken);
                if (target == null)
                    return null;
                target = WidenToTheCheck(semanticModel, access, target, cancellationToken);
                targets[target.Node] = target;
            }

            var outermost = targets.Values
                .Where(t => !targets.Keys.Any(other => other != t.Node && other.Span.Contains(t.Node.Span)))
                .ToList();
            foreach (var target in outermost)
            {
                // `if (!map.TryGetValue(k, out var v)) return;` declares v for the rest of the block: a lock block would end its scope.
                if (!(target.Node is LocalDeclarationStatementSyntax) && DeclaresForTheEnclosingBlock(semanticModel, target.Node, cancellationToken))
                    return null;
                if (target.Node.DescendantNodesAndSelf().Any(n => n is AwaitExpressionSyntax || (n is LocalDeclarationStatementSyntax d && d.AwaitKeyword != default)))
                    return null; // no await inside lock
                if (target.Node.DescendantNodes().Any(n => n is YieldStatementSyntax))
                    return null;
            }

            return outermost;
        }

        /// <summary>
        /// The access is the shared object itself (not a member of it) and it leaves the critical section: returned,
        /// yielded, stored, or passed to a call whose result is returned or stored (<c>return Ok(_items)</c>).
        /// </summary>
        private static bool HandsTheObjectOut(SemanticModel semanticModel, SyntaxNode access, CancellationToken cancellationToken)
        {
            var type = semanticModel.GetTypeInfo(access, cancellationToken).Type;
            if (type == null || type.IsValueType || type.SpecialType == SpecialType.System_String)
                return false;
            if (Leaves(access, depth: 0))
                return true;

            // A live view of it leaves: _items.Where(…)/Take(…) (deferred: enumerated after the lock), _map.Values, _map.Keys.
            SyntaxNode node = access;
            var isView = false;
            while (node.Parent is MemberAccessExpressionSyntax member && member.Expression == node)
            {
                SyntaxNode next = member.Parent is InvocationExpressionSyntax invocation && invocation.Expression == member ? invocation : member;
                var nextType = semanticModel.GetTypeInfo(next, cancellationToken).Type;
                if (nextType == null || nextType.IsValueType || nextType.SpecialType == SpecialType.System_String
                    || !nextType.AllInterfaces.Concat(nextType is INamedTypeSymbol named && named.TypeKind == TypeKind.Interface ? new[] { named } : new INamedTypeSymbol[0])
                        .Any(i => i.ToDisplayString() == "System.Collections.IEnumerable" || i.ToDisplayString() == "System.Collections.IEnumerator"))
                {
                    return false; // a count, an element, a string: nothing shared leaves
                }

                // A call that returns a concrete collection (ToList, ToArray) copies; one that returns an interface is deferred.
                isView = next is InvocationExpressionSyntax ? nextType.TypeKind == TypeKind.Interface : true;
                node = next;
            }

            return isView && Leaves(node, depth: 0);

            bool Leaves(SyntaxNode node, int depth)
            {
                while (node.Parent is ParenthesizedExpressionSyntax || node.Parent is CastExpressionSyntax
                       || (node.Parent is ConditionalExpressionSyntax conditional && conditional.Condition != node)
                       || (node.Parent is BinaryExpressionSyntax binary && (binary.IsKind(SyntaxKind.AsExpression) || binary.IsKind(SyntaxKind.CoalesceExpression)))
                       || node.Parent is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression })
                {
                    node = node.Parent;
                }

                switch (node.Parent)
                {
                    case ReturnStatementSyntax _:
                    case YieldStatementSyntax _:
                    case ArrowExpressionClauseSyntax _:
                    case EqualsValueClauseSyntax _:
                    case LambdaExpressionSyntax lambda when lambda.ExpressionBody == node:
                        return true;
                    case AssignmentExpressionSyntax assignment when assignment.Right == node:
                        return true;
                    case ArgumentSyntax argument when depth < 3 && argument.Parent?.Parent is ExpressionSyntax call
                                                      && (call is InvocationExpressionSyntax || call is BaseObjectCreationExpressionSyntax):
                        return !IsCopy(semanticModel, call, cancellationToken) && Leaves(call, depth + 1);
                    case InitializerExpressionSyntax initializer when depth < 3 && initializer.Parent is ExpressionSyntax created:
                        return Leaves(created, depth + 1);
                    default:
                        return false;
                }
            }
        }

        private static bool DeclaresForTheEnclosingBlock(SemanticModel semanticModel, SyntaxNode target, CancellationToken cancellationToken)
        {
            if (!(target is StatementSyntax) || !(target.Parent is BlockSyntax || target.Parent is SwitchSectionSyntax))
                return false;
            var declared = target.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax || n is BlockSyntax))
                .OfType<SingleVariableDesignationSyntax>()
                .Select(d => semanticModel.GetDeclaredSymbol(d, cancellationToken))
                .OfType<ILocalSymbol>()
                .ToList();
            if (declared.Count == 0)
                return false;
            return target.Parent.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Any(i => !target.Span.Contains(i.Span) && declared.Any(l => l.Name == i.Identifier.ValueText
                    && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(i, cancellationToken).Symbol, l)));
        }

        /// <summary><c>new List&lt;T&gt;(_items)</c>, <c>string.Join(",", _items)</c>: a new collection or string made from it.</summary>
        private static bool IsCopy(SemanticModel semanticModel, ExpressionSyntax call, CancellationToken cancellationToken)
        {
            var type = semanticModel.GetTypeInfo(call, cancellationToken).Type;
            if (type == null || type.IsValueType || type.SpecialType == SpecialType.System_String)
                return true;
            return call is BaseObjectCreationExpressionSyntax
                && type.ContainingNamespace?.ToDisplayString() is { } ns
                && (ns == "System.Collections.Generic" || ns == "System.Collections.Immutable" || ns == "System.Collections.Concurrent");
        }

        /// <summary>
        /// A statement inside <c>if (check of the state) { … }</c> (or a while loop on it): the check and the act go in one
        /// critical section, or another thread acts between them. The outermost such statement in the same function.
        /// </summary>
        private static Target WidenToTheCheck(SemanticModel semanticModel, SyntaxNode access, Target target, CancellationToken cancellationToken)
        {
            if (!(target.Node is StatementSyntax statement) || target.Node is LocalDeclarationStatementSyntax)
                return target;
            var state = semanticModel.GetSymbolInfo(access, cancellationToken).Symbol;
            if (state == null)
                return target;
            StatementSyntax? widest = null;
            for (var node = statement.Parent; node != null; node = node.Parent)
            {
                if (node is MemberDeclarationSyntax || node is AnonymousFunctionExpressionSyntax || node is LocalFunctionStatementSyntax || node is LockStatementSyntax)
                    break;
                var condition = node switch
                {
                    IfStatementSyntax ifStatement => ifStatement.Condition,
                    WhileStatementSyntax whileStatement => whileStatement.Condition,
                    _ => null,
                };
                if (condition != null && (node.Parent is BlockSyntax || node.Parent is SwitchSectionSyntax || node.Parent is GlobalStatementSyntax)
                    && condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(i =>
                        i.Identifier.ValueText == state.Name && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(i, cancellationToken).Symbol, state)))
                {
                    widest = (StatementSyntax)node;
                }
            }

            return widest == null ? target : new Target(widest, null, false);
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
