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

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>SF3002 fix: wrap the unguarded access in the lock the other members take.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF3002InconsistentlyGuardedFieldFixer)), Shared]
    public sealed class SF3002InconsistentlyGuardedFieldFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF3002.TakeTheSameLock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.InconsistentlyGuardedField);

        // Accesses in one statement share one lock statement: the edits interact, so all of a document's are planned together.
        public override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue(SF3002InconsistentlyGuardedFieldAnalyzer.LockProperty, out var lockText) || lockText == null)
                return;
            var diagnostics = ImmutableArray.Create(diagnostic);
            if (await RewriteAsync(context.Document, diagnostics, context.CancellationToken).ConfigureAwait(false) == null)
                return;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Take lock ({lockText}) here too",
                    async ct => await RewriteAsync(context.Document, diagnostics, ct).ConfigureAwait(false) ?? context.Document,
                    EquivalenceKey),
                diagnostic);
        }

        private static async Task<Document?> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var changed = false;
            var byLock = diagnostics
                .Where(d => d.Properties.ContainsKey(SF3002InconsistentlyGuardedFieldAnalyzer.LockProperty))
                .GroupBy(d => d.Properties[SF3002InconsistentlyGuardedFieldAnalyzer.LockProperty]!);
            var planned = new List<Microsoft.CodeAnalysis.Text.TextSpan>();
            foreach (var group in byLock)
            {
                var lockIsStatic = group.First().Properties.ContainsKey(SF3002InconsistentlyGuardedFieldAnalyzer.LockIsStaticProperty);
                var accesses = group
                    .Select(d => root.FindNode(d.Location.SourceSpan, getInnermostNodeForTie: true))
                    .Where(n => lockIsStatic || !IsInStaticMember(n))
                    .ToList();
                if (accesses.Count == 0)
                    continue;
                var lockExpression = SyntaxFactory.ParseExpression(group.Key);
                var fields = accesses.Select(a => a.DescendantNodesAndSelf().OfType<ExpressionSyntax>()
                        .Select(e => semanticModel.GetSymbolInfo(e, cancellationToken).Symbol)
                        .FirstOrDefault(f => f is IFieldSymbol || f is IPropertySymbol)?.OriginalDefinition)
                    .Where(f => f != null).Distinct(SymbolEqualityComparer.Default).Cast<ISymbol>().ToList();
                if (fields.Count == 0)
                    continue;
                var locked = LockedCode(root, fields, lockExpression, cancellationToken);
                // A field some of whose locked accesses hold another lock only: this lock does not guard it everywhere.
                if (!HeldAtEveryLockedAccess(semanticModel, root, fields, lockExpression, cancellationToken))
                    continue;
                var state = GuardedState.Create(semanticModel, fields, GuardedBeside(semanticModel, locked, fields, cancellationToken), cancellationToken);
                var targets = LockWrapping.Plan(semanticModel, accesses, state, cancellationToken);
                if (targets == null)
                    continue;
                // Locking on a field that the wrapped code itself replaces or null-tests locks a different object each
                // time, or throws on null: no fix is better than that.
                if (targets.Any(t => LockWrapping.Run(t).Any(n => ReplacesOrNullTests(n, lockExpression))))
                    continue;
                // A lone store of a constant to a flag the locked code only tests and sets: the store was whole already, and
                // the race is in the unlocked test that decides it (or in a caller); a lock around the store alone changes nothing.
                if (targets.Any(t => IsLoneFlagStore(semanticModel, state, locked, t, cancellationToken)))
                    continue;
                // Two locks over the same statement would nest in an order nobody chose: leave the second for a later pass.
                targets = targets.Where(t => !planned.Any(p => p.IntersectsWith(t.Span))).ToList();
                if (targets.Count == 0)
                    continue;
                planned.AddRange(targets.Select(t => t.Span));
                LockWrapping.Apply(editor, targets, lockExpression);
                changed = true;
            }

            if (!changed)
                return null;
            return await Formatter.FormatAsync(editor.GetChangedDocument(), Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The bodies of <c>lock (x)</c> with this lock in the declarations (in this document) of the fields' types.</summary>
        private static List<StatementSyntax> LockedCode(SyntaxNode root, IReadOnlyList<ISymbol> fields, ExpressionSyntax lockExpression, CancellationToken cancellationToken) =>
            GuardedState.Declarations(fields, root.SyntaxTree, cancellationToken)
                .SelectMany(t => t.DescendantNodes().OfType<LockStatementSyntax>())
                .Where(l => LockWrapping.SameExpression(l.Expression, lockExpression))
                .Select(l => l.Statement)
                .ToList();

        /// <summary>Every access of the fields written inside some <c>lock</c> holds this lock (among the locks around it).</summary>
        private static bool HeldAtEveryLockedAccess(SemanticModel semanticModel, SyntaxNode root, IReadOnlyList<ISymbol> fields, ExpressionSyntax lockExpression, CancellationToken cancellationToken)
        {
            var names = new HashSet<string>(fields.Select(f => f.Name));
            foreach (var type in GuardedState.Declarations(fields, root.SyntaxTree, cancellationToken))
            {
                foreach (var identifier in type.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => names.Contains(i.Identifier.ValueText)))
                {
                    var locks = identifier.Ancestors().TakeWhile(a => !(a is MemberDeclarationSyntax || a is AnonymousFunctionExpressionSyntax)).OfType<LockStatementSyntax>().ToList();
                    if (locks.Count == 0 || locks.Any(l => LockWrapping.SameExpression(l.Expression, lockExpression) || l.Expression.Span.Contains(identifier.Span)))
                        continue;
                    if (fields.Contains(semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol?.OriginalDefinition, SymbolEqualityComparer.Default))
                        return false;
                }
            }

            return true;
        }

        /// <summary>The other fields and properties of the same types the lock guards: a test of them decides a write of the fields.</summary>
        private static IEnumerable<ISymbol> GuardedBeside(SemanticModel semanticModel, List<StatementSyntax> locked, IReadOnlyList<ISymbol> fields, CancellationToken cancellationToken)
        {
            var types = new HashSet<ISymbol>(fields.Select(f => f.ContainingType.OriginalDefinition), SymbolEqualityComparer.Default);
            return locked.SelectMany(b => b.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
                .Select(i => semanticModel.GetSymbolInfo(i, cancellationToken).Symbol)
                .Where(s => (s is IFieldSymbol { IsConst: false } || s is IPropertySymbol) && types.Contains(s.ContainingType.OriginalDefinition))
                .Cast<ISymbol>()
                .Distinct(SymbolEqualityComparer.Default)
                .ToList();
        }

        /// <summary>
        /// The target is one statement storing a constant (<c>_running = false;</c>, <c>_current = null;</c>) in a field of whole-store
        /// width, and the locked code never changes that field from its own value (<c>_count++</c>, <c>_n = _n + 1</c>), which a store
        /// landing in the middle would undo: only then does the lock around the store matter.
        /// </summary>
        private static bool IsLoneFlagStore(SemanticModel semanticModel, GuardedState state, List<StatementSyntax> locked, LockWrapping.Target target, CancellationToken cancellationToken)
        {
            if (target.Node != target.Last || !(target.Node is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } store }))
                return false;
            var field = semanticModel.GetSymbolInfo(store.Left, cancellationToken).Symbol;
            if (!state.IsState(field) || state.Touches(store.Right, cancellationToken))
                return false;
            var constant = store.Right.IsKind(SyntaxKind.NullLiteralExpression) || store.Right.IsKind(SyntaxKind.DefaultLiteralExpression)
                || semanticModel.GetConstantValue(store.Right, cancellationToken).HasValue;
            var type = field switch { IFieldSymbol f => f.Type, IPropertySymbol p => p.Type, _ => null };
            if (!constant || type == null || !IsWholeStore(type))
                return false;
            foreach (var node in locked.SelectMany(b => b.DescendantNodesAndSelf()))
            {
                var changed = node switch
                {
                    PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression) => postfix.Operand,
                    PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression) => prefix.Operand,
                    AssignmentExpressionSyntax compound when !compound.IsKind(SyntaxKind.SimpleAssignmentExpression) => compound.Left,
                    AssignmentExpressionSyntax simple when state.Touches(simple.Right, cancellationToken) => simple.Left,
                    _ => null,
                };
                if (changed != null && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(changed, cancellationToken).Symbol?.OriginalDefinition, field!.OriginalDefinition))
                    return false;
            }

            return true;
        }

        private static bool IsWholeStore(ITypeSymbol type)
        {
            if (!type.IsValueType)
                return true;
            if (type.TypeKind == TypeKind.Enum)
                type = ((INamedTypeSymbol)type).EnumUnderlyingType!;
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean:
                case SpecialType.System_Char:
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Single:
                    return true;
                default:
                    return false;
            }
        }

        private static bool ReplacesOrNullTests(SyntaxNode wrapped, ExpressionSyntax lockExpression)
        {
            var lockName = LastName(lockExpression);
            if (lockName == null)
                return false;
            foreach (var node in wrapped.DescendantNodesAndSelf())
            {
                switch (node)
                {
                    case AssignmentExpressionSyntax assignment when LastName(assignment.Left) == lockName:
                        return true;
                    case BinaryExpressionSyntax binary when (binary.IsKind(SyntaxKind.EqualsExpression) || binary.IsKind(SyntaxKind.NotEqualsExpression) || binary.IsKind(SyntaxKind.CoalesceExpression))
                        && (LastName(binary.Left) == lockName || LastName(binary.Right) == lockName):
                        return true;
                    case IsPatternExpressionSyntax pattern when LastName(pattern.Expression) == lockName:
                        return true;
                    case ConditionalAccessExpressionSyntax conditional when LastName(conditional.Expression) == lockName:
                        return true;
                }
            }

            return false;
        }

        private static string? LastName(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax member when member.Expression is ThisExpressionSyntax => member.Name.Identifier.ValueText,
            ParenthesizedExpressionSyntax parenthesized => LastName(parenthesized.Expression),
            _ => null,
        };

        private static bool IsInStaticMember(SyntaxNode node)
        {
            var member = node.Ancestors().OfType<MemberDeclarationSyntax>().FirstOrDefault();
            return member switch
            {
                BaseMethodDeclarationSyntax method => method.Modifiers.Any(SyntaxKind.StaticKeyword),
                BasePropertyDeclarationSyntax property => property.Modifiers.Any(SyntaxKind.StaticKeyword),
                _ => true,
            };
        }
    }
}
