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
using Microsoft.CodeAnalysis.Text;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3001 fixes, offered as separate actions: a Dictionary becomes a ConcurrentDictionary with its call
    /// sites rewritten; any collection gets a new private lock object taken around every access; <c>n++</c>,
    /// <c>n--</c>, <c>n += k</c> become Interlocked calls.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF3001NonThreadSafeStateMutatedConcurrentlyFixer)), Shared]
    public sealed class SF3001NonThreadSafeStateMutatedConcurrentlyFixer : CodeFixProvider
    {
        public const string UseConcurrentDictionaryKey = "SF3001.UseConcurrentDictionary";
        public const string GuardWithLockKey = "SF3001.GuardWithLock";
        public const string UseInterlockedKey = "SF3001.UseInterlocked";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.NonThreadSafeStateMutatedConcurrently);

        public override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics.Select(d => d.Location.SourceSpan).ToList(), context.CodeActionEquivalenceKey, context.CancellationToken).ConfigureAwait(false));

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var diagnostic = context.Diagnostics[0];
            var spans = new[] { diagnostic.Location.SourceSpan };
            foreach (var (key, title) in new[]
            {
                (UseConcurrentDictionaryKey, "Use ConcurrentDictionary"),
                (GuardWithLockKey, "Take a lock around every access"),
                (UseInterlockedKey, "Use Interlocked"),
            })
            {
                if (await RewriteAsync(context.Document, spans, key, context.CancellationToken).ConfigureAwait(false) == null)
                    continue;
                context.RegisterCodeFix(
                    CodeAction.Create(title, async ct => await RewriteAsync(context.Document, spans, key, ct).ConfigureAwait(false) ?? context.Document, key),
                    diagnostic);
            }
        }

        private static async Task<Document?> RewriteAsync(Document document, IReadOnlyList<TextSpan> spans, string? key, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            var model = semanticModel == null ? null : SharedStateModel.Create(semanticModel.Compilation);
            if (root == null || semanticModel == null || model == null)
                return null;

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var changed = false;
            var states = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var span in spans)
            {
                var mutation = semanticModel.GetOperation(root.FindNode(span, getInnermostNodeForTie: true), cancellationToken);
                var reference = mutation == null ? null : FindStateReference(mutation);
                var state = reference == null ? null : SharedStateModel.ReferencedState(reference);
                if (mutation == null || reference == null || state == null)
                    continue;
                var kind = model.Classify(SharedStateModel.TypeOf(state));
                switch (key)
                {
                    case UseInterlockedKey:
                        changed |= UseInterlocked(editor, semanticModel, mutation, state);
                        break;
                    case UseConcurrentDictionaryKey when kind == StateKind.Dictionary && states.Add(state):
                        changed |= UseConcurrentDictionary(editor, semanticModel, root, state, cancellationToken);
                        break;
                    case GuardWithLockKey when kind != StateKind.Numeric && states.Add(state):
                        changed |= GuardWithLock(editor, semanticModel, model, root, state, cancellationToken);
                        break;
                }
            }

            if (!changed)
                return null;
            return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        private static IOperation? FindStateReference(IOperation mutation) => mutation switch
        {
            IIncrementOrDecrementOperation increment => ThroughIndexer(increment.Target),
            ICompoundAssignmentOperation compound => ThroughIndexer(compound.Target),
            IAssignmentOperation assignment => ThroughIndexer(assignment.Target),
            IInvocationOperation call when call.Instance != null => SharedStateModel.Unwrap(call.Instance),
            IInvocationOperation call when call.Arguments.Length > 0 => SharedStateModel.Unwrap(call.Arguments[0].Value),
            _ => null,
        };

        /// <summary><c>d[k] = v</c> mutates <c>d</c>.</summary>
        private static IOperation ThroughIndexer(IOperation target) =>
            target is IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } instance } ? instance : target;

        // ---- Interlocked ----

        private static bool UseInterlocked(DocumentEditor editor, SemanticModel semanticModel, IOperation mutation, ISymbol state)
        {
            if (!(state is IFieldSymbol || state is ILocalSymbol) || state is IFieldSymbol { IsReadOnly: true })
                return false;
            var type = SharedStateModel.TypeOf(state)!;
            if (type.SpecialType != SpecialType.System_Int32 && type.SpecialType != SpecialType.System_Int64)
                return false;

            var syntax = (ExpressionSyntax)mutation.Syntax;
            ExpressionSyntax target;
            string method;
            ExpressionSyntax? amount = null;
            // The body of a void expression-bodied member or lambda is a statement too (`void Hit() => _n++;`).
            var valueUsed = !(syntax.Parent is ExpressionStatementSyntax) && !(mutation.Parent is IExpressionStatementOperation);
            var adjustForPostfix = 0;
            switch (mutation)
            {
                case IIncrementOrDecrementOperation increment:
                    target = (ExpressionSyntax)increment.Target.Syntax;
                    method = increment.Kind == OperationKind.Increment ? "Increment" : "Decrement";
                    if (valueUsed && increment.IsPostfix)
                        adjustForPostfix = increment.Kind == OperationKind.Increment ? -1 : 1;
                    break;
                case ICompoundAssignmentOperation compound when compound.OperatorKind == BinaryOperatorKind.Add || compound.OperatorKind == BinaryOperatorKind.Subtract:
                    target = (ExpressionSyntax)compound.Target.Syntax;
                    method = "Add";
                    var value = ((AssignmentExpressionSyntax)syntax).Right.WithoutTrivia();
                    amount = compound.OperatorKind == BinaryOperatorKind.Add
                        ? value
                        : PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, value is IdentifierNameSyntax || value is LiteralExpressionSyntax || value is MemberAccessExpressionSyntax ? value : ParenthesizedExpression(value));
                    break;
                default:
                    return false;
            }

            var arguments = new List<ArgumentSyntax> { Argument(target.WithoutTrivia()).WithRefKindKeyword(Token(SyntaxKind.RefKeyword)) };
            if (amount != null)
                arguments.Add(Argument(amount));
            ExpressionSyntax call = InvocationExpression(FixSyntax.StaticMember("System.Threading.Interlocked", method), ArgumentList(SeparatedList(arguments)));
            if (adjustForPostfix != 0)
            {
                call = ParenthesizedExpression(BinaryExpression(
                    adjustForPostfix < 0 ? SyntaxKind.SubtractExpression : SyntaxKind.AddExpression, call,
                    LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(1))));
            }

            editor.ReplaceNode(syntax, call.WithTriviaFrom(syntax));
            return true;
        }

        // ---- Lock ----

        private static bool GuardWithLock(DocumentEditor editor, SemanticModel semanticModel, SharedStateModel model, SyntaxNode root, ISymbol state, CancellationToken cancellationToken)
        {
            var scope = Scope(state, root, cancellationToken);
            if (scope == null)
                return false;
            var accesses = References(semanticModel, scope, state, cancellationToken)
                .Where(r => !IsInitialization(semanticModel, r, state, cancellationToken))
                .ToList();
            if (accesses.Count == 0 || accesses.Any(a => a.Ancestors().Any(n => n is LockStatementSyntax)))
                return false;
            var targets = LockWrapping.Plan(semanticModel, accesses, GuardedState.Create(semanticModel, new[] { state }, new ISymbol[0], cancellationToken), cancellationToken);
            if (targets == null)
                return false;

            var baseName = state.Name + "Lock";
            var declaration = state.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            var name = FixSyntax.FreeName(semanticModel, declaration.SpanStart, baseName);
            // System.Threading.Lock only where the compilation has it (.NET 9) and C# 13 binds lock() to it; `new()` from C# 9.
            var useLockType = model.LockType != null && FixCompilation.Allows(root.SyntaxTree, (LanguageVersion)1300);
            var lockType = useLockType
                ? FixSyntax.ImportedType("System.Threading.Lock")
                : PredefinedType(Token(SyntaxKind.ObjectKeyword));
            ExpressionSyntax creation = FixCompilation.Allows(root.SyntaxTree, LanguageVersion.CSharp9)
                ? ImplicitObjectCreationExpression()
                : ObjectCreationExpression(lockType).WithArgumentList(ArgumentList());

            if (state is IFieldSymbol field && declaration.Parent?.Parent is FieldDeclarationSyntax fieldDeclaration)
            {
                var modifiers = new List<SyntaxToken> { Token(SyntaxKind.PrivateKeyword) };
                if (field.IsStatic)
                    modifiers.Add(Token(SyntaxKind.StaticKeyword));
                modifiers.Add(Token(SyntaxKind.ReadOnlyKeyword));
                var lockField = FieldDeclaration(VariableDeclaration(lockType, SingletonSeparatedList(VariableDeclarator(name).WithInitializer(EqualsValueClause(creation)))))
                    .WithModifiers(TokenList(modifiers))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                editor.InsertBefore(fieldDeclaration, lockField);
            }
            else if (state is ILocalSymbol && declaration.Parent?.Parent is LocalDeclarationStatementSyntax localDeclaration && localDeclaration.Parent is BlockSyntax)
            {
                var lockLocal = LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"),
                        SingletonSeparatedList(VariableDeclarator(name).WithInitializer(EqualsValueClause(ObjectCreationExpression(lockType).WithArgumentList(ArgumentList()))))))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                editor.InsertAfter(localDeclaration, lockLocal);
            }
            else
            {
                return false;
            }

            LockWrapping.Apply(editor, targets, IdentifierName(name));
            return true;
        }

        /// <summary>Where references to the state can be: the single declaration of its type in this document, or the local's body.</summary>
        private static SyntaxNode? Scope(ISymbol state, SyntaxNode root, CancellationToken cancellationToken)
        {
            if (state.DeclaringSyntaxReferences.Length != 1 || state.DeclaringSyntaxReferences[0].SyntaxTree != root.SyntaxTree)
                return null;
            switch (state)
            {
                case IFieldSymbol field when field.DeclaredAccessibility == Accessibility.Private && field.ContainingType.DeclaringSyntaxReferences.Length == 1:
                    return field.ContainingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                case ILocalSymbol _:
                    var declaration = state.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                    return declaration.Ancestors().OfType<BlockSyntax>().FirstOrDefault()
                        ?? (SyntaxNode?)declaration.Ancestors().OfType<CompilationUnitSyntax>().FirstOrDefault();
                default:
                    return null;
            }
        }

        private static IEnumerable<ExpressionSyntax> References(SemanticModel semanticModel, SyntaxNode scope, ISymbol state, CancellationToken cancellationToken) =>
            scope.DescendantNodes()
                .OfType<IdentifierNameSyntax>()
                .Where(i => i.Identifier.ValueText == state.Name
                    && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(i, cancellationToken).Symbol, state)
                    && !i.Ancestors().Any(a => a is InvocationExpressionSyntax call && call.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" }))
                .Select(i => i.Parent is MemberAccessExpressionSyntax access && access.Name == i && access.Expression is ThisExpressionSyntax ? (ExpressionSyntax)access : i);

        /// <summary>Accesses in the initializer, the constructors (static ones for static state) and the local's own declaration.</summary>
        private static bool IsInitialization(SemanticModel semanticModel, SyntaxNode reference, ISymbol state, CancellationToken cancellationToken)
        {
            foreach (var ancestor in reference.Ancestors())
            {
                switch (ancestor)
                {
                    case AnonymousFunctionExpressionSyntax _:
                    case LocalFunctionStatementSyntax _:
                        return false;
                    case ConstructorDeclarationSyntax constructor:
                        return constructor.Modifiers.Any(SyntaxKind.StaticKeyword) == state.IsStatic;
                    case FieldDeclarationSyntax _:
                    case PropertyDeclarationSyntax { Initializer: { } }:
                        return true;
                    case MemberDeclarationSyntax _:
                        return false;
                }
            }

            return false;
        }

        // ---- ConcurrentDictionary ----

        private static bool UseConcurrentDictionary(DocumentEditor editor, SemanticModel semanticModel, SyntaxNode root, ISymbol state, CancellationToken cancellationToken)
        {
            var stateType = SharedStateModel.TypeOf(state) as INamedTypeSymbol;
            var concurrent = semanticModel.Compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemCollectionsConcurrentConcurrentDictionary2);
            var scope = Scope(state, root, cancellationToken);
            if (stateType == null || concurrent == null || scope == null || stateType.TypeArguments.Length != 2)
                return false;
            var concurrentType = concurrent.Construct(stateType.TypeArguments[0], stateType.TypeArguments[1]);
            var generator = editor.Generator;
            TypeSyntax NewType() => FixSyntax.ImportedType(concurrentType);

            var declaration = state.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) as VariableDeclaratorSyntax;
            if (!(declaration?.Parent is VariableDeclarationSyntax variableDeclaration) || variableDeclaration.Variables.Count != 1)
                return false;

            var edits = new List<System.Action>();
            if (!variableDeclaration.Type.IsVar)
                edits.Add(() => editor.ReplaceNode(variableDeclaration.Type, NewType().WithTriviaFrom(variableDeclaration.Type)));
            if (declaration.Initializer != null && !PlanCreation(editor, semanticModel, declaration.Initializer.Value, stateType, NewType, edits, cancellationToken))
                return false;
            if (declaration.Initializer == null && variableDeclaration.Type.IsVar)
                return false;

            var handledIfs = new HashSet<SyntaxNode>();
            var collapsed = new List<TextSpan>();
            foreach (var reference in References(semanticModel, scope, state, cancellationToken))
            {
                var parent = reference.Parent;
                if (parent is AssignmentExpressionSyntax assignment && assignment.Left == reference)
                {
                    if (!PlanCreation(editor, semanticModel, assignment.Right, stateType, NewType, edits, cancellationToken))
                        return false;
                    continue;
                }

                if (parent is ElementAccessExpressionSyntax element && element.Expression == reference)
                    continue; // d[k] and d[k] = v work the same
                if (parent is ForEachStatementSyntax || parent is ArgumentSyntax argument && IsAcceptedArgument(semanticModel, argument, concurrentType, cancellationToken))
                    continue;
                if (!(parent is MemberAccessExpressionSyntax member) || member.Expression != reference)
                    return false;

                var symbol = semanticModel.GetSymbolInfo(member, cancellationToken).Symbol;
                if (symbol is IMethodSymbol { IsExtensionMethod: true } extension)
                {
                    var thisType = extension.ReducedFrom?.Parameters[0].Type ?? extension.Parameters.FirstOrDefault()?.Type;
                    if (thisType != null && (thisType.TypeKind == TypeKind.Interface || thisType.TypeKind == TypeKind.TypeParameter))
                        continue;
                    return false;
                }

                switch (member.Name.Identifier.ValueText)
                {
                    case "Count":
                    case "Keys":
                    case "Values":
                    case "TryGetValue":
                    case "ContainsKey":
                    case "Clear":
                    case "TryAdd":
                    case "GetEnumerator":
                    case "ToArray":
                        continue;
                    case "Remove" when member.Parent is InvocationExpressionSyntax removeCall:
                        var underscoreIsASymbol = Discards.UnderscoreIsASymbol(semanticModel, removeCall.SpanStart);
                        edits.Add(() => editor.ReplaceNode(removeCall, (current, _) =>
                        {
                            var call = (InvocationExpressionSyntax)current;
                            var access = (MemberAccessExpressionSyntax)call.Expression;
                            var args = call.ArgumentList.Arguments;
                            if (args.Count == 1)
                                args = args.Add(Discards.OutDiscard(underscoreIsASymbol));
                            return call.WithExpression(access.WithName(IdentifierName("TryRemove").WithTriviaFrom(access.Name))).WithArgumentList(call.ArgumentList.WithArguments(args));
                        }));
                        continue;
                    case "Add" when member.Parent is InvocationExpressionSyntax addCall && addCall.Parent is ExpressionStatementSyntax addStatement && addCall.ArgumentList.Arguments.Count == 2:
                        if (!PlanAdd(editor, semanticModel, state, addCall, addStatement, handledIfs, collapsed, edits, cancellationToken))
                            return false;
                        continue;
                    default:
                        return false;
                }
            }

            // Each call is atomic on a ConcurrentDictionary, two in a row are not: ContainsKey then the indexer, a Contains helper
            // then Add, a count then a walk. Where a function makes two (or calls a helper that makes one and makes another),
            // the type swap would leave that race in place: no fix (the lock fix puts them in one critical section).
            if (MakesSeveralCalls(semanticModel, scope, state, collapsed, cancellationToken))
                return false;
            foreach (var edit in edits)
                edit();
            return true;
        }

        private static bool MakesSeveralCalls(SemanticModel semanticModel, SyntaxNode scope, ISymbol state, List<TextSpan> collapsed, CancellationToken cancellationToken)
        {
            var guarded = GuardedState.Create(semanticModel, new[] { state }, new ISymbol[0], cancellationToken);
            var uses = scope.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(i => guarded.Touches(i, cancellationToken) && !IsInitialization(semanticModel, i, state, cancellationToken))
                .Select(i => (Function: i.Ancestors().FirstOrDefault(a => a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax || a is AccessorDeclarationSyntax || a is BaseMethodDeclarationSyntax || a is ArrowExpressionClauseSyntax),
                    Unit: collapsed.FirstOrDefault(c => c.Contains(i.Span)) is var span && span.Length > 0 ? span : i.Span,
                    Reads: !collapsed.Any(c => c.Contains(i.Span)) && !IsBlindWrite(semanticModel, i, cancellationToken)))
                .ToList();
            // A read (a test, a lookup, a walk, a helper) followed by another use in the same function.
            return uses.GroupBy(u => u.Function).Any(g => g.Key != null
                && g.Any(read => read.Reads && g.Any(other => other.Unit.Start > read.Unit.End)));
        }

        /// <summary><c>d[k] = v;</c>, <c>d.Remove(k);</c>, <c>d.Add(k, v);</c>, <c>d.Clear();</c> as statements: nothing read decides anything.</summary>
        private static bool IsBlindWrite(SemanticModel semanticModel, IdentifierNameSyntax use, CancellationToken cancellationToken)
        {
            SyntaxNode node = use.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } self && self.Name == use ? self : use;
            if (node.Parent is ElementAccessExpressionSyntax element && element.Expression == node)
                return element.Parent is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assignment && assignment.Left == element
                    && assignment.Parent is ExpressionStatementSyntax;
            return node.Parent is MemberAccessExpressionSyntax member && member.Expression == node
                && member.Name.Identifier.ValueText is "Remove" or "TryRemove" or "Add" or "TryAdd" or "Clear"
                && member.Parent is InvocationExpressionSyntax call && call.Parent is ExpressionStatementSyntax;
        }

        private static bool IsAcceptedArgument(SemanticModel semanticModel, ArgumentSyntax argument, INamedTypeSymbol concurrentType, CancellationToken cancellationToken)
        {
            if (argument.RefKindKeyword != default || !(semanticModel.GetOperation(argument, cancellationToken) is IArgumentOperation { Parameter: { } parameter }))
                return false;
            return parameter.Type.SpecialType == SpecialType.System_Object
                || (parameter.Type.TypeKind == TypeKind.Interface && concurrentType.AllInterfaces.Contains((INamedTypeSymbol)parameter.Type, SymbolEqualityComparer.Default));
        }

        /// <summary><c>new Dictionary&lt;K,V&gt;()</c> (or with a comparer) becomes <c>new ConcurrentDictionary&lt;K,V&gt;(…)</c>; <c>new()</c> stays.</summary>
        private static bool PlanCreation(DocumentEditor editor, SemanticModel semanticModel, ExpressionSyntax value, INamedTypeSymbol stateType, System.Func<TypeSyntax> newType, List<System.Action> edits, CancellationToken cancellationToken)
        {
            if (!(semanticModel.GetOperation(value, cancellationToken) is IObjectCreationOperation creation) || creation.Initializer != null)
                return false;
            if (creation.Arguments.Length > 1
                || (creation.Arguments.Length == 1 && !(creation.Arguments[0].Parameter?.Type is INamedTypeSymbol { Name: "IEqualityComparer" })))
            {
                return false;
            }

            if (value is ObjectCreationExpressionSyntax explicitCreation)
                edits.Add(() => editor.ReplaceNode(explicitCreation.Type, newType().WithTriviaFrom(explicitCreation.Type)));
            return value is ObjectCreationExpressionSyntax || value is ImplicitObjectCreationExpressionSyntax;
        }

        /// <summary>
        /// <c>if (!d.ContainsKey(k)) d.Add(k, v);</c> becomes <c>d.TryAdd(k, v);</c> (and with a following
        /// <c>return d[k];</c>, <c>return d.GetOrAdd(k, …);</c>); any other Add keeps throwing on a duplicate.
        /// </summary>
        private static bool PlanAdd(DocumentEditor editor, SemanticModel semanticModel, ISymbol state, InvocationExpressionSyntax addCall, ExpressionStatementSyntax addStatement, HashSet<SyntaxNode> handledIfs, List<TextSpan> collapsed, List<System.Action> edits, CancellationToken cancellationToken)
        {
            var keyArgument = addCall.ArgumentList.Arguments[0].Expression;
            var valueArgument = addCall.ArgumentList.Arguments[1].Expression;
            var tryAdd = addCall.WithExpression(((MemberAccessExpressionSyntax)addCall.Expression).WithName(IdentifierName("TryAdd")));
            var guard = addStatement.Parent is BlockSyntax { Statements.Count: 1 } block ? block.Parent : addStatement.Parent;
            if (guard is IfStatementSyntax ifStatement && ifStatement.Else == null && handledIfs.Add(ifStatement)
                && ifStatement.Condition is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression, Operand: InvocationExpressionSyntax contains }
                && contains.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ContainsKey" } containsAccess
                && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(containsAccess.Expression, cancellationToken).Symbol, state)
                && contains.ArgumentList.Arguments.Count == 1 && SyntaxFactory.AreEquivalent(contains.ArgumentList.Arguments[0].Expression, keyArgument))
            {
                // if (!d.ContainsKey(k)) d.Add(k, v); return d[k];  →  return d.GetOrAdd(k, v);
                if (ifStatement.Parent is BlockSyntax outer && outer.Statements.IndexOf(ifStatement) is var index && index + 1 < outer.Statements.Count
                    && outer.Statements[index + 1] is ReturnStatementSyntax { Expression: ElementAccessExpressionSyntax lookup } returnStatement
                    && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(lookup.Expression, cancellationToken).Symbol, state)
                    && lookup.ArgumentList.Arguments.Count == 1 && SyntaxFactory.AreEquivalent(lookup.ArgumentList.Arguments[0].Expression, keyArgument))
                {
                    var simpleValue = valueArgument is LiteralExpressionSyntax || valueArgument is IdentifierNameSyntax || valueArgument is MemberAccessExpressionSyntax;
                    // The factory ignores its key; a parameter called _ would hide a _ the value reads.
                    var parameterName = Discards.UnderscoreIsASymbol(semanticModel, valueArgument.SpanStart) ? FixSyntax.FreeName(semanticModel, valueArgument.SpanStart, "key") : "_";
                    var factory = simpleValue ? valueArgument : SimpleLambdaExpression(Parameter(Identifier(parameterName)), valueArgument.WithoutTrivia());
                    var getOrAdd = InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, lookup.Expression.WithoutTrivia(), IdentifierName("GetOrAdd")),
                        ArgumentList(SeparatedList(new[] { Argument(keyArgument.WithoutTrivia()), Argument(factory) })));
                    collapsed.Add(TextSpan.FromBounds(ifStatement.SpanStart, returnStatement.Span.End));
                    edits.Add(() =>
                    {
                        editor.RemoveNode(ifStatement, SyntaxRemoveOptions.KeepLeadingTrivia | SyntaxRemoveOptions.KeepExteriorTrivia);
                        editor.ReplaceNode(returnStatement, returnStatement.WithExpression(getOrAdd.WithTriviaFrom(lookup)).WithAdditionalAnnotations(Formatter.Annotation));
                    });
                    return true;
                }

                collapsed.Add(ifStatement.Span);
                edits.Add(() => editor.ReplaceNode(ifStatement, ExpressionStatement(tryAdd).WithTriviaFrom(ifStatement).WithAdditionalAnnotations(Formatter.Annotation)));
                return true;
            }

            // Add throws on a duplicate key; TryAdd returns false. Keep the exception.
            var throwStatement = ThrowStatement(ObjectCreationExpression(
                    FixSyntax.ImportedType("System.ArgumentException"))
                .WithArgumentList(ArgumentList(SingletonSeparatedList(Argument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("An item with the same key has already been added.")))))));
            var replacement = IfStatement(PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, tryAdd.WithoutTrivia()), throwStatement)
                .WithTriviaFrom(addStatement)
                .WithAdditionalAnnotations(Formatter.Annotation);
            edits.Add(() => editor.ReplaceNode(addStatement, replacement));
            return true;
        }
    }
}
