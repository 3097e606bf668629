using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;
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

        /// <summary>
        /// What will be wrapped: a run of statements of one block (<see cref="Node"/> to <see cref="Last"/>), or an expression
        /// body (of a member, accessor or lambda).
        /// </summary>
        internal sealed class Target
        {
            public Target(SyntaxNode node, bool returnsValue)
            {
                Node = node;
                Last = node;
                ReturnsValue = returnsValue;
            }

            public Target(StatementSyntax first, StatementSyntax last, IReadOnlyList<(LocalDeclarationStatementSyntax Declaration, string Type)> hoisted)
            {
                Node = first;
                Last = last;
                Hoisted = hoisted;
            }

            public SyntaxNode Node { get; }

            /// <summary>The last statement of the run (the node itself for one statement or an expression body).</summary>
            public SyntaxNode Last { get; }

            /// <summary>Locals of the run that are used after it: declared before the lock, assigned inside it.</summary>
            public IReadOnlyList<(LocalDeclarationStatementSyntax Declaration, string Type)> Hoisted { get; } = new (LocalDeclarationStatementSyntax, string)[0];

            /// <summary>For an expression body: whether its value is returned.</summary>
            public bool ReturnsValue { get; }

            public TextSpan Span => TextSpan.FromBounds(Node.SpanStart, Last.Span.End);
        }

        /// <summary>
        /// The targets for these accesses, outermost only; null when one of them cannot be wrapped. A statement grows to the
        /// test that decides it and to the other statements of its block on the same state (see <see cref="Grow"/>).
        /// </summary>
        public static List<Target>? Plan(SemanticModel semanticModel, IEnumerable<SyntaxNode> accesses, GuardedState state, CancellationToken cancellationToken)
        {
            var targets = new List<Target>();
            foreach (var access in accesses)
            {
                // A lock around "return _items" or "return Ok(_items)" releases before the caller enumerates or changes it.
                if (HandsTheObjectOut(semanticModel, access, cancellationToken))
                    return null;
                var target = FindTarget(semanticModel, access, cancellationToken);
                if (target == null)
                    return null;
                if (target.Node is StatementSyntax statement && !(statement.Parent is GlobalStatementSyntax))
                {
                    target = Grow(semanticModel, state, statement, cancellationToken);
                    if (target == null)
                        return null;
                }
                else if (target.Node is LocalDeclarationStatementSyntax)
                {
                    return null; // a top-level statement's local: no block to declare it in before the lock
                }

                targets.Add(target);
            }

            var outermost = targets
                .GroupBy(t => t.Span).Select(g => g.First())
                .ToList();
            outermost = outermost.Where(t => !outermost.Any(other => other != t && other.Span.Contains(t.Span))).ToList();
            foreach (var target in outermost)
            {
                foreach (var statement in Run(target))
                {
                    if (statement.DescendantNodesAndSelf().Any(n => n is AwaitExpressionSyntax || (n is LocalDeclarationStatementSyntax d && d.AwaitKeyword != default)))
                        return null; // no await inside lock
                    if (statement.DescendantNodes().Any(n => n is YieldStatementSyntax))
                        return null;
                }
            }

            return outermost;
        }

        /// <summary>The statements a target wraps (or its expression body).</summary>
        public static IEnumerable<SyntaxNode> Run(Target target)
        {
            if (target.Node == target.Last || !(target.Node is StatementSyntax first))
                return new[] { target.Node };
            var statements = Statements(first)!.Value;
            return statements.Skip(statements.IndexOf(first)).Take(statements.IndexOf((StatementSyntax)target.Last) - statements.IndexOf(first) + 1);
        }

        private static SyntaxList<StatementSyntax>? Statements(StatementSyntax statement) => statement.Parent switch
        {
            BlockSyntax block => block.Statements,
            SwitchSectionSyntax section => section.Statements,
            _ => null,
        };

        /// <summary>
        /// Grows a statement to the critical section it belongs to, until nothing changes:
        /// <list type="bullet">
        /// <item>the outermost <c>if</c>/<c>while</c> around it whose test reads what the lock guards (the check that decides the act);</item>
        /// <item>every statement of its block that touches the state, and those between (a guard clause
        /// <c>if (_items[slot] != null) return false;</c> and the write after it; the lookup of an index and the removal at it),
        /// stopping at an <c>await</c>;</item>
        /// <item>to the last use of a local the run fills with a collection that is part of the state (<c>var list = _map[id];</c>
        /// walked afterwards), and of a local the run declares that cannot be declared before the lock.</item>
        /// </list>
        /// Other locals the run declares and the rest of the block uses are declared before the lock.
        /// </summary>
        private static Target? Grow(SemanticModel semanticModel, GuardedState state, StatementSyntax statement, CancellationToken cancellationToken)
        {
            var first = statement;
            var last = statement;
            for (var round = 0; round < 32; round++)
            {
                var changed = false;
                var check = EnclosingCheck(state, first, cancellationToken);
                if (check != null)
                {
                    first = last = check;
                    changed = true;
                }

                var statements = Statements(first);
                if (statements == null)
                    return null;
                var list = statements.Value;
                int lo = list.IndexOf(first), hi = list.IndexOf(last);
                var newLo = lo;
                var newHi = hi;
                for (var k = lo - 1; k >= 0 && !IsBarrier(list[k]) && !RunsElsewhere(state, list[k], cancellationToken); k--)
                {
                    if (state.Touches(list[k], cancellationToken))
                        newLo = k;
                }

                for (var k = hi + 1; k < list.Count && !IsBarrier(list[k]) && !RunsElsewhere(state, list[k], cancellationToken); k++)
                {
                    if (state.Touches(list[k], cancellationToken))
                        newHi = k;
                }

                foreach (var (local, mustStayInside) in LocalsOfTheRun(semanticModel, state, list, newLo, newHi, cancellationToken))
                {
                    if (!mustStayInside)
                        continue;
                    var lastUse = LastUse(semanticModel, local, list, newHi, cancellationToken);
                    if (lastUse <= newHi)
                        continue;
                    for (var k = newHi + 1; k <= lastUse; k++)
                    {
                        if (IsBarrier(list[k]))
                            return null;
                    }

                    newHi = lastUse;
                }

                changed |= newLo != lo || newHi != hi;
                first = list[newLo];
                last = list[newHi];
                if (!changed)
                {
                    var hoisted = new List<(LocalDeclarationStatementSyntax, string)>();
                    for (var k = newLo; k <= newHi; k++)
                    {
                        if (list[k] is LocalDeclarationStatementSyntax declaration
                            && declaration.Declaration.Variables.Any(v => semanticModel.GetDeclaredSymbol(v, cancellationToken) is ILocalSymbol local && LastUse(semanticModel, local, list, newHi, cancellationToken) > newHi))
                        {
                            var type = HoistedType(semanticModel, declaration, cancellationToken);
                            if (type == null)
                                return null;
                            hoisted.Add((declaration, type));
                        }
                    }

                    // The run returns a collection that belongs to the state (return _map[id];): the caller walks it unlocked.
                    if (list.Skip(newLo).Take(newHi - newLo + 1).SelectMany(s => s.DescendantNodesAndSelf(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)))
                        .OfType<ReturnStatementSyntax>()
                        .Any(r => r.Expression != null && ReturnsPartOfTheState(semanticModel, state, r.Expression, list, newLo, newHi, cancellationToken)))
                    {
                        return null;
                    }

                    return new Target(first, last, hoisted);
                }
            }

            return null;
        }

        /// <summary>The outermost if/while (the head of an else-if chain) around the statement whose test reads what the lock guards.</summary>
        private static StatementSyntax? EnclosingCheck(GuardedState state, StatementSyntax statement, CancellationToken cancellationToken)
        {
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
                if (condition == null || !state.Decides(condition, cancellationToken))
                    continue;
                if (node is WhileStatementSyntax && Blocks(node))
                    continue; // a worker loop that sleeps: the lock would be held across every sleep
                var head = (StatementSyntax)node;
                while (head.Parent is ElseClauseSyntax elseClause && elseClause.Parent is IfStatementSyntax outer)
                    head = outer;
                if (head.Parent is BlockSyntax || head.Parent is SwitchSectionSyntax)
                    widest = head;
            }

            return widest;
        }

        /// <summary>
        /// A statement with a lambda or local function on the state (<c>Parallel.ForEach(urls, u => _found.Add(u));</c>): that code
        /// may run on other threads, which would wait for the lock this thread holds while it waits for them.
        /// </summary>
        private static bool RunsElsewhere(GuardedState state, StatementSyntax statement, CancellationToken cancellationToken) =>
            statement.DescendantNodes().Any(n => (n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax) && state.Touches(n, cancellationToken));

        /// <summary>
        /// A sleep or a blocking wait (<c>Thread.Sleep</c>, <c>.Wait()</c>, <c>.Join()</c>, <c>WaitOne</c>): a worker loop with one is
        /// never taken into a lock the fix did not need, which would hold it across the wait and starve every other user.
        /// </summary>
        private static bool Blocks(SyntaxNode node) =>
            node.DescendantNodesAndSelf(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax))
                .OfType<InvocationExpressionSyntax>()
                .Any(i => (i.Expression is MemberAccessExpressionSyntax m ? m.Name.Identifier.ValueText : (i.Expression as IdentifierNameSyntax)?.Identifier.ValueText)
                    is "Sleep" or "Wait" or "WaitOne" or "WaitAll" or "WaitAny" or "Join" or "SpinUntil");

        /// <summary>An await, a yield, a local function or a label: a lock cannot take it in.</summary>
        private static bool IsBarrier(StatementSyntax statement) =>
            statement is LocalFunctionStatementSyntax || statement is LabeledStatementSyntax || Blocks(statement)
            || statement.DescendantNodesAndSelf(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax))
                .Any(n => n is AwaitExpressionSyntax || n is YieldStatementSyntax
                    || (n is LocalDeclarationStatementSyntax d && d.AwaitKeyword != default)
                    || (n is CommonForEachStatementSyntax f && f.AwaitKeyword != default)
                    || (n is UsingStatementSyntax u && u.AwaitKeyword != default));

        /// <summary>
        /// Locals the run declares (and the pattern and out variables its statements leak into the block), and outer locals it fills;
        /// whether each must stay inside the lock: it holds a collection that belongs to the state, or cannot be declared apart.
        /// </summary>
        private static IEnumerable<(ILocalSymbol Local, bool MustStayInside)> LocalsOfTheRun(
            SemanticModel semanticModel, GuardedState state, SyntaxList<StatementSyntax> list, int lo, int hi, CancellationToken cancellationToken)
        {
            for (var k = lo; k <= hi; k++)
            {
                var statement = list[k];
                if (statement is LocalDeclarationStatementSyntax declaration)
                {
                    foreach (var variable in declaration.Declaration.Variables)
                    {
                        if (semanticModel.GetDeclaredSymbol(variable, cancellationToken) is ILocalSymbol local)
                        {
                            var aliases = variable.Initializer != null && AliasesTheState(semanticModel, state, variable.Initializer.Value, cancellationToken);
                            yield return (local, aliases || HoistedType(semanticModel, declaration, cancellationToken) == null);
                        }
                    }
                }

                var inner = statement.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax || n is BlockSyntax)).ToList();
                foreach (var designation in inner.OfType<SingleVariableDesignationSyntax>())
                {
                    if (semanticModel.GetDeclaredSymbol(designation, cancellationToken) is ILocalSymbol local)
                        yield return (local, true);
                }

                // An outer local filled here with part of the state: list = _map[id]; … foreach (var x in list)
                foreach (var node in statement.DescendantNodesAndSelf(n => !(n is AnonymousFunctionExpressionSyntax || n is LocalFunctionStatementSyntax)))
                {
                    if (node is AssignmentExpressionSyntax assignment && assignment.Left is IdentifierNameSyntax
                        && semanticModel.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol assigned
                        && AliasesTheState(semanticModel, state, assignment.Right, cancellationToken))
                    {
                        yield return (assigned, true);
                    }
                    else if (node is ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.OutKeyword, Expression: IdentifierNameSyntax outLocal } outArgument
                        && semanticModel.GetSymbolInfo(outLocal, cancellationToken).Symbol is ILocalSymbol filled
                        && IsCollection(filled.Type) && outArgument.Parent?.Parent is InvocationExpressionSyntax call && state.Touches(call.Expression, cancellationToken))
                    {
                        yield return (filled, true);
                    }
                }
            }
        }

        /// <summary>The index of the last statement after <paramref name="after"/> that uses the local, or <paramref name="after"/>.</summary>
        private static int LastUse(SemanticModel semanticModel, ILocalSymbol local, SyntaxList<StatementSyntax> list, int after, CancellationToken cancellationToken)
        {
            var lastUse = after;
            for (var k = after + 1; k < list.Count; k++)
            {
                if (list[k].DescendantNodes().OfType<IdentifierNameSyntax>().Any(i => i.Identifier.ValueText == local.Name
                        && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(i, cancellationToken).Symbol, local)))
                {
                    lastUse = k;
                }
            }

            return lastUse;
        }

        /// <summary>The type to declare a local with before the lock; null when it cannot be declared apart from its value.</summary>
        private static string? HoistedType(SemanticModel semanticModel, LocalDeclarationStatementSyntax declaration, CancellationToken cancellationToken)
        {
            if (declaration.UsingKeyword != default || declaration.IsConst || declaration.Declaration.Variables.Count != 1
                || declaration.Declaration.Variables[0].Initializer == null || declaration.Declaration.Type is RefTypeSyntax)
            {
                return null;
            }

            var local = semanticModel.GetDeclaredSymbol(declaration.Declaration.Variables[0], cancellationToken) as ILocalSymbol;
            if (local == null || local.Type.IsAnonymousType || local.Type.TypeKind == TypeKind.Error)
                return null;
            return declaration.Declaration.Type.IsVar
                ? local.Type.ToMinimalDisplayString(semanticModel, declaration.SpanStart, NullableFormat)
                : declaration.Declaration.Type.ToString();
        }

        /// <summary>
        /// The value is a collection that belongs to the state, not a copy: <c>_map[id]</c>, <c>_items</c>, <c>_map.Values</c>,
        /// <c>_map.GetValueOrDefault(id)</c>; not <c>_items.ToList()</c> or <c>new List&lt;T&gt;(_items)</c>.
        /// </summary>
        private static bool AliasesTheState(SemanticModel semanticModel, GuardedState state, ExpressionSyntax value, CancellationToken cancellationToken)
        {
            while (value is ParenthesizedExpressionSyntax || value is CastExpressionSyntax || value is PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression }
                   || (value is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AsExpression }))
            {
                value = value switch
                {
                    ParenthesizedExpressionSyntax p => p.Expression,
                    CastExpressionSyntax c => c.Expression,
                    PostfixUnaryExpressionSyntax u => u.Operand,
                    BinaryExpressionSyntax b => b.Left,
                    _ => value,
                };
            }

            if (!IsCollection(semanticModel.GetTypeInfo(value, cancellationToken).Type))
                return false;
            switch (value)
            {
                case ElementAccessExpressionSyntax element:
                    return state.Touches(element.Expression, cancellationToken);
                case IdentifierNameSyntax _:
                case MemberAccessExpressionSyntax _:
                    return !value.DescendantNodes().OfType<InvocationExpressionSyntax>().Any() && state.Touches(value, cancellationToken);
                case InvocationExpressionSyntax invocation:
                    var name = invocation.Expression switch
                    {
                        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                        _ => "",
                    };
                    if (name.StartsWith("To", System.StringComparison.Ordinal) || name == "Clone" || name == "Copy")
                        return false;
                    return invocation.Expression is MemberAccessExpressionSyntax receiver && state.Touches(receiver.Expression, cancellationToken);
                default:
                    return false;
            }
        }

        private static bool ReturnsPartOfTheState(SemanticModel semanticModel, GuardedState state, ExpressionSyntax value, SyntaxList<StatementSyntax> list, int lo, int hi, CancellationToken cancellationToken)
        {
            if (AliasesTheState(semanticModel, state, value, cancellationToken))
                return true;
            if (!(value is IdentifierNameSyntax identifier) || !(semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol is ILocalSymbol local))
                return false;
            return LocalsOfTheRun(semanticModel, state, list, lo, hi, cancellationToken).Any(l => l.MustStayInside && SymbolEqualityComparer.Default.Equals(l.Local, local) && IsCollection(local.Type));
        }

        private static bool IsCollection(ITypeSymbol? type) =>
            type != null && !type.IsValueType && type.SpecialType != SpecialType.System_String
            && (type.AllInterfaces.Concat(type is INamedTypeSymbol { TypeKind: TypeKind.Interface } named ? new[] { named } : new INamedTypeSymbol[0])
                .Any(i => i.ToDisplayString() == "System.Collections.IEnumerable"));

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
            // _map[id] too, when the element is itself a collection: return _doors[id] hands out the list registration adds to.
            while ((node.Parent is MemberAccessExpressionSyntax member && member.Expression == node)
                   || (node.Parent is ElementAccessExpressionSyntax element && element.Expression == node))
            {
                SyntaxNode next = node.Parent is MemberAccessExpressionSyntax m && m.Parent is InvocationExpressionSyntax invocation && invocation.Expression == m ? invocation : node.Parent;
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
                    // Into a local: the lock grows to the local's last use (see Grow), unless the local is handed out itself.
                    case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: LocalDeclarationStatementSyntax } } }:
                        return false;
                    case AssignmentExpressionSyntax assignment when assignment.Right == node
                        && semanticModel.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is ILocalSymbol:
                        return false;
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
                        return lambdaSymbol == null ? null : new Target(lambda, !lambdaSymbol.ReturnsVoid);
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
                        return returns == null ? null : new Target(arrow, returns.Value);
                    case LocalDeclarationStatementSyntax declaration:
                        return new Target(declaration, false); // whether its local is declared before the lock is decided when it grows
                    case LocalFunctionStatementSyntax _:
                        return null;
                    case StatementSyntax statement when !(statement is BlockSyntax)
                        && (statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax || statement.Parent is GlobalStatementSyntax):
                        return new Target(statement, false); // an embedded statement (if (c) x.Add(1);) takes its whole parent statement
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
                    case StatementSyntax first:
                        ApplyToRun(editor, target, first, lockExpression);
                        break;
                }
            }
        }

        private static void ApplyToRun(SyntaxEditor editor, Target target, StatementSyntax first, ExpressionSyntax lockExpression)
        {
            var run = Run(target).Cast<StatementSyntax>().ToList();
            var last = run[run.Count - 1];
            var before = new List<StatementSyntax>();
            var inside = new List<StatementSyntax>();
            foreach (var statement in run)
            {
                var hoisted = target.Hoisted.FirstOrDefault(h => h.Declaration == statement);
                if (hoisted.Declaration != null)
                {
                    var variable = hoisted.Declaration.Declaration.Variables[0];
                    var name = Identifier(variable.Identifier.ValueText);
                    before.Add(LocalDeclarationStatement(VariableDeclaration(ParseTypeName(hoisted.Type), SingletonSeparatedList(VariableDeclarator(name))))
                        .WithAdditionalAnnotations(Formatter.Annotation));
                    inside.Add(ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(name), variable.Initializer!.Value.WithoutTrivia()))
                        .WithTriviaFrom(statement));
                }
                else if (statement is LockStatementSyntax nested && SameExpression(nested.Expression, lockExpression))
                {
                    // The same lock already taken for part of the run: its body joins the one critical section.
                    if (nested.Statement is BlockSyntax block)
                        inside.AddRange(block.Statements);
                    else
                        inside.Add(nested.Statement);
                }
                else
                {
                    inside.Add(statement);
                }
            }

            if (inside.Count > 0)
            {
                inside[0] = inside[0].WithoutLeadingTrivia();
                inside[inside.Count - 1] = inside[inside.Count - 1].WithoutTrailingTrivia();
            }

            StatementSyntax lockStatement = LockStatement(lockExpression.WithoutTrivia(), Block(inside))
                .WithTrailingTrivia(last.GetTrailingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            if (before.Count > 0)
            {
                before[0] = before[0].WithLeadingTrivia(first.GetLeadingTrivia());
                lockStatement = lockStatement.WithLeadingTrivia(ElasticMarker);
                editor.InsertBefore(first, before);
            }
            else
            {
                lockStatement = lockStatement.WithLeadingTrivia(first.GetLeadingTrivia());
            }

            editor.ReplaceNode(first, lockStatement);
            foreach (var statement in run.Skip(1))
                editor.RemoveNode(statement, SyntaxRemoveOptions.KeepNoTrivia);
        }

        /// <summary>The same lock expression, with or without <c>this.</c>.</summary>
        public static bool SameExpression(ExpressionSyntax a, ExpressionSyntax b) => Key(a) == Key(b);

        private static string Key(ExpressionSyntax expression) => expression switch
        {
            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } member => member.Name.Identifier.ValueText,
            ParenthesizedExpressionSyntax parenthesized => Key(parenthesized.Expression),
            _ => expression.WithoutTrivia().ToString(),
        };

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
