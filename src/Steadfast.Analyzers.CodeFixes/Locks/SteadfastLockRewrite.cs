using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Steadfast.Analyzers.Queues;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// The Steadfast rewrite the lock fixes share: a hand-rolled Redis lock — take, critical section, release — becomes
    /// <c>await using var handle = await locks.AcquireAsync(name, new LockOptions { Lease = … }, ct);</c> (sync:
    /// <c>using var handle = locks.Acquire(…);</c>). Offered only when the compilation has
    /// <c>Steadfast.Locks.IDistributedLockProvider</c> and the function holds the usual shape:
    /// <list type="bullet">
    /// <item>the function has exactly one Redis acquire (LockTake or SET NX through StringSet) and one release of it;</item>
    /// <item>the acquire is a statement (result discarded, or an unread local) → <c>Acquire(Async)</c>, which waits;</item>
    /// <item><c>if (!acquire) exit;</c> → <c>TryAcquire(Async)</c> and <c>if (handle == null) exit;</c> (same exit);</item>
    /// <item><c>if (acquire) { …; release; }</c> as the last statement of its block → <c>TryAcquire(Async)</c> and
    /// <c>if (handle != null) { … }</c>;</item>
    /// <item><c>while (!acquire) sleep;</c> (SF1005) → one <c>Acquire(Async)</c> that waits (cancellable with the
    /// function's CancellationToken, if it has one) instead of polling;</item>
    /// <item>the release is a plain statement of the same block, or the only statement of a finally right after the
    /// acquire.</item>
    /// </list>
    /// The provider is an IDistributedLockProvider parameter, local, field or property in scope; else a
    /// <c>private readonly IDistributedLockProvider _locks</c> field set from a new constructor parameter (only when the
    /// type has at most one constructor and nothing in the solution calls it or derives from the type, so no caller
    /// breaks). The token local of the old lock is removed when nothing else reads it.
    /// </summary>
    internal static class SteadfastLockRewrite
    {
        public const string ProviderTypeName = "Steadfast.Locks.IDistributedLockProvider";
        private const string OptionsTypeName = "Steadfast.Locks.LockOptions";
        private const string FieldName = "_locks";
        private const string ParameterName = "locks";
        private const string DefaultLease = "TimeSpan.FromSeconds(30)";
        private const string DefaultTitle = "Use Steadfast's distributed lock";

        public static bool IsAvailable(Compilation compilation) =>
            compilation.GetBestTypeByMetadataName(ProviderTypeName) != null && compilation.GetBestTypeByMetadataName(OptionsTypeName) != null;

        /// <summary>Registers the Steadfast rewrite for the diagnostic when its function has the usual shape.</summary>
        public static async Task RegisterAsync(CodeFixContext context, Diagnostic diagnostic, string equivalenceKey, string title = DefaultTitle)
        {
            var document = context.Document;
            var semanticModel = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (semanticModel == null || root == null || !IsAvailable(semanticModel.Compilation))
                return;
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            // The light bulb's menu: no solution-wide search here (searchSolution: false); applying the fix does it.
            var plan = await PlanAsync(document, semanticModel, node, searchSolution: false, context.CancellationToken).ConfigureAwait(false);
            if (plan == null)
                return;
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => RewriteAsync(document, ImmutableArray.Create(diagnostic), ct), equivalenceKey),
                diagnostic);
        }

        /// <summary>FixAll for a fixer with a raw fix and this rewrite: dispatches on the equivalence key.</summary>
        public static FixAllProvider FixAllProvider(FixAllProvider raw, string equivalenceKey) => new Dispatcher(raw, equivalenceKey);

        private sealed class Dispatcher : FixAllProvider
        {
            private readonly FixAllProvider _raw;
            private readonly string _key;
            private readonly FixAllProvider _steadfast = Microsoft.CodeAnalysis.CodeFixes.FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false));

            public Dispatcher(FixAllProvider raw, string key)
            {
                _raw = raw;
                _key = key;
            }

            public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => _steadfast.GetSupportedFixAllScopes();

            public override Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext) =>
                fixAllContext.CodeActionEquivalenceKey == _key ? _steadfast.GetFixAsync(fixAllContext) : _raw.GetFixAsync(fixAllContext);
        }

        /// <summary>Rewrites one diagnostic at a time on the current document: the provider field added by one is reused by the next.</summary>
        public static async Task<Document> RewriteAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root == null)
                return document;
            var annotations = new List<SyntaxAnnotation>();
            var nodes = new Dictionary<SyntaxNode, SyntaxAnnotation>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                if (!nodes.ContainsKey(node))
                {
                    var annotation = new SyntaxAnnotation();
                    nodes.Add(node, annotation);
                    annotations.Add(annotation);
                }
            }

            document = document.WithSyntaxRoot(root.ReplaceNodes(nodes.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(nodes[original])));
            foreach (var annotation in annotations)
            {
                var currentRoot = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                var node = currentRoot?.GetAnnotatedNodes(annotation).FirstOrDefault();
                if (node == null || semanticModel == null)
                    continue;
                var plan = await PlanAsync(document, semanticModel, node, searchSolution: true, cancellationToken).ConfigureAwait(false);
                if (plan != null)
                    document = await ApplyAsync(document, currentRoot!, plan, cancellationToken).ConfigureAwait(false);
            }

            return document;
        }

        private enum Shape
        {
            /// <summary>The acquire's result is not used: the critical section runs after it → Acquire (waits).</summary>
            Unguarded,
            /// <summary><c>if (!acquire) exit;</c> → TryAcquire, <c>if (handle == null) exit;</c>.</summary>
            Guarded,
            /// <summary><c>if (acquire) { …; release; }</c> → TryAcquire, <c>if (handle != null) { … }</c>.</summary>
            IfAcquired,
        }

        private sealed class Plan
        {
            public Plan(Shape shape, bool isAsync, StatementSyntax acquireStatement, BlockSyntax block, IReadOnlyList<StatementSyntax> critical, StatementSyntax releaseStatement, bool declarationForm, string call, StatementSyntax? tokenDeclaration, string? provider, TypeDeclarationSyntax? addProviderTo, ConstructorDeclarationSyntax? constructor)
            {
                Shape = shape;
                IsAsync = isAsync;
                AcquireStatement = acquireStatement;
                Block = block;
                Critical = critical;
                ReleaseStatement = releaseStatement;
                DeclarationForm = declarationForm;
                Call = call;
                TokenDeclaration = tokenDeclaration;
                Provider = provider;
                AddProviderTo = addProviderTo;
                Constructor = constructor;
            }

            public Shape Shape { get; }
            public bool IsAsync { get; }
            public StatementSyntax AcquireStatement { get; }
            public BlockSyntax Block { get; }
            public IReadOnlyList<StatementSyntax> Critical { get; }
            public StatementSyntax ReleaseStatement { get; }
            public bool DeclarationForm { get; }
            /// <summary>The provider call after the receiver, e.g. <c>AcquireAsync(Key, new LockOptions { … }, ct)</c>.</summary>
            public string Call { get; }
            public StatementSyntax? TokenDeclaration { get; }
            public string? Provider { get; }
            public TypeDeclarationSyntax? AddProviderTo { get; }
            public ConstructorDeclarationSyntax? Constructor { get; }
        }

        /// <summary>
        /// The rewrite for the node's function, or null. With <paramref name="searchSolution"/> false (the menu) the
        /// constructor's callers and the derived types are looked for only in this document's syntax; the solution-wide
        /// search runs when the fix is applied, which then leaves the function alone if it finds any.
        /// </summary>
        private static async Task<Plan?> PlanAsync(Document document, SemanticModel semanticModel, SyntaxNode node, bool searchSolution, CancellationToken cancellationToken)
        {
            var model = LockModel.Create(semanticModel.Compilation);
            var providerType = semanticModel.Compilation.GetBestTypeByMetadataName(ProviderTypeName);
            if (model == null || !model.HasRedis || providerType == null)
                return null;
            var body = FunctionBody(node);
            if (body == null || !(semanticModel.GetOperation(body, cancellationToken) is { } bodyOperation))
                return null;
            // The new local is `handle`: not when the function already has that name.
            if (body.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == "handle"))
                return null;

            // Exactly one Redis acquire and one release in the function.
            RedisAcquire? acquire = null;
            IInvocationOperation? release = null;
            foreach (var invocation in LockModel.DescendantsInSameFunction(bodyOperation).OfType<IInvocationOperation>())
            {
                if (model.AsRedisAcquire(invocation) is { } candidate)
                {
                    if (acquire != null)
                        return null;
                    acquire = candidate;
                }
                else if (model.IsRedisRelease(invocation, out _, out _))
                {
                    if (release != null)
                        return null;
                    release = invocation;
                }
            }

            if (acquire == null || release == null || acquire.IsExecute || !(acquire.Call.Syntax is InvocationExpressionSyntax acquireSyntax))
                return null;
            if (!model.IsRedisRelease(release, out var releaseKey, out _) || releaseKey == null
                || !SyntaxFactory.AreEquivalent(LockModel.Unwrap(releaseKey)!.Syntax, LockModel.Unwrap(acquire.Key)!.Syntax))
            {
                return null;
            }

            var isAsync = acquire.Call.TargetMethod.Name.EndsWith("Async", System.StringComparison.Ordinal);
            var acquireExpression = Outer(acquireSyntax);
            if (isAsync != acquireExpression is AwaitExpressionSyntax)
                return null;

            // The acquire statement and its shape.
            var acquireStatement = acquireSyntax.Ancestors().OfType<StatementSyntax>().FirstOrDefault();
            if (acquireStatement == null || !(acquireStatement.Parent is BlockSyntax block))
                return null;
            Shape shape;
            BlockSyntax container = block;
            var start = block.Statements.IndexOf(acquireStatement) + 1;
            switch (acquireStatement)
            {
                case ExpressionStatementSyntax expressionStatement when Strip(expressionStatement.Expression) == acquireExpression
                    || (expressionStatement.Expression is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier: { ValueText: "_" } } } discard && Strip(discard.Right) == acquireExpression):
                    shape = Shape.Unguarded;
                    break;
                case LocalDeclarationStatementSyntax { Declaration: { Variables: { Count: 1 } variables } } declaration
                    when declaration.UsingKeyword.IsKind(SyntaxKind.None) && variables[0].Initializer is { } initializer && Strip(initializer.Value) == acquireExpression:
                    if (References(semanticModel, body, semanticModel.GetDeclaredSymbol(variables[0], cancellationToken), cancellationToken).Any())
                        return null;
                    shape = Shape.Unguarded;
                    break;
                case IfStatementSyntax { Else: null } ifStatement when Strip(ifStatement.Condition) is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not
                    && Strip(not.Operand) == acquireExpression && IsExit(ifStatement.Statement):
                    shape = Shape.Guarded;
                    break;
                case IfStatementSyntax { Else: null, Statement: BlockSyntax inner } ifStatement when Strip(ifStatement.Condition) == acquireExpression
                    && block.Statements.Last() == ifStatement:
                    shape = Shape.IfAcquired;
                    container = inner;
                    start = 0;
                    break;
                case WhileStatementSyntax loop when Strip(loop.Condition) is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not
                    && Strip(not.Operand) == acquireExpression && OnlySleeps(loop.Statement, semanticModel, model, cancellationToken):
                    shape = Shape.Unguarded;
                    break;
                default:
                    return null;
            }

            // The release: a statement of the same block, or the only statement of the finally of a try right after.
            var releaseStatement = release.Syntax.Ancestors().OfType<StatementSyntax>().FirstOrDefault();
            if (releaseStatement == null || !(releaseStatement is ExpressionStatementSyntax releaseExpressionStatement)
                || Strip(releaseExpressionStatement.Expression) != Outer((InvocationExpressionSyntax)release.Syntax))
            {
                return null;
            }

            IReadOnlyList<StatementSyntax> critical;
            StatementSyntax replacedUpTo;
            if (releaseStatement.Parent == container)
            {
                var releaseIndex = container.Statements.IndexOf(releaseStatement);
                if (releaseIndex < start)
                    return null;
                critical = container.Statements.Skip(start).Take(releaseIndex - start).ToList();
                replacedUpTo = releaseStatement;
            }
            else if (releaseStatement.Parent is BlockSyntax { Statements: { Count: 1 }, Parent: FinallyClauseSyntax { Parent: TryStatementSyntax { Catches: { Count: 0 } } tryStatement } }
                && tryStatement.Parent == container && container.Statements.IndexOf(tryStatement) == start)
            {
                critical = tryStatement.Block.Statements.ToList();
                replacedUpTo = tryStatement;
                // The try's locals join the enclosing block: no clash with the names already there.
                var tryFlow = critical.Count == 0 ? null : semanticModel.AnalyzeDataFlow(critical[0], critical[critical.Count - 1]);
                var otherNames = container.Statements.Where(s => s != tryStatement).SelectMany(s => s.DescendantNodesAndSelf().OfType<VariableDeclaratorSyntax>()).Select(v => v.Identifier.ValueText);
                if (tryFlow != null && (!tryFlow.Succeeded || tryFlow.VariablesDeclared.Select(v => v.Name).Intersect(otherNames).Any()))
                    return null;
            }
            else
            {
                return null;
            }

            var after = container.Statements.Skip(container.Statements.IndexOf(replacedUpTo) + 1).ToList();
            var declarationForm = after.Count == 0;
            if (shape == Shape.IfAcquired && !declarationForm)
                return null;
            if (!declarationForm && SF1003LockNotReleasedOnAllPathsFixer.OutOfScopeAfterMove(semanticModel, critical, after, cancellationToken))
                return null;

            // The call: name, lease, cancellation.
            var keySyntax = acquire.Key.Syntax is ArgumentSyntax keyArgument ? keyArgument.Expression : (ExpressionSyntax)acquire.Key.Syntax;
            var keyType = semanticModel.GetTypeInfo(keySyntax, cancellationToken).Type;
            var name = keyType?.SpecialType == SpecialType.System_String ? keySyntax.WithoutTrivia().ToString() : Parenthesize(keySyntax) + ".ToString()";
            var lease = DefaultLease;
            if (acquire.Expiry != null && SF1002LockAcquiredWithoutExpiryAnalyzer.NoExpiryReason(acquire, model, cancellationToken) == null
                && acquire.Expiry.Syntax is ExpressionSyntax expirySyntax
                && SymbolEqualityComparer.Default.Equals(semanticModel.GetTypeInfo(expirySyntax, cancellationToken).Type, model.TimeSpan))
            {
                lease = expirySyntax.WithoutTrivia().ToString();
            }

            var ct = CancellationTokenLookup.Find(semanticModel, acquireSyntax.SpanStart, cancellationToken);
            var method = (shape == Shape.Unguarded ? "Acquire" : "TryAcquire") + (isAsync ? "Async" : "");
            var call = method + "(" + name + ", new LockOptions { Lease = " + lease + " }" + (ct != null ? ", " + ct : "") + ")";

            // The token local, when only the old acquire and release read it.
            StatementSyntax? tokenDeclaration = null;
            if (LockModel.Unwrap(acquire.Value) is ILocalReferenceOperation tokenReference
                && tokenReference.Local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables: { Count: 1 }, Parent: LocalDeclarationStatementSyntax tokenStatement } }
                && tokenStatement.Parent == block && block.Statements.IndexOf(tokenStatement) < block.Statements.IndexOf(acquireStatement)
                && References(semanticModel, body, tokenReference.Local, cancellationToken).All(r => acquireSyntax.Span.Contains(r.Span) || release.Syntax.Span.Contains(r.Span)))
            {
                tokenDeclaration = tokenStatement;
            }

            // The provider: in scope, or a new field set by the constructor.
            if (semanticModel.GetEnclosingSymbol(acquireSyntax.SpanStart, cancellationToken) is not { } enclosing)
                return null;
            var isStaticContext = false;
            for (var symbol = enclosing; symbol != null && !(symbol is ITypeSymbol); symbol = symbol.ContainingSymbol)
                isStaticContext |= symbol.IsStatic;
            var inScope = semanticModel.LookupSymbols(acquireSyntax.SpanStart)
                .Where(s => SymbolEqualityComparer.Default.Equals(TypeOf(s), providerType) && (s.IsStatic || !isStaticContext || s is ILocalSymbol || s is IParameterSymbol))
                .OrderBy(s => s is IParameterSymbol || s is ILocalSymbol ? 0 : s is IFieldSymbol ? 1 : 2)
                .FirstOrDefault();
            if (inScope != null)
                return new Plan(shape, isAsync, acquireStatement, block, critical, replacedUpTo, declarationForm, call, tokenDeclaration, inScope.Name, null, null);

            if (isStaticContext || !(enclosing.ContainingType is { TypeKind: TypeKind.Class, IsStatic: false, DeclaringSyntaxReferences: { Length: 1 } } type)
                || !(type.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is ClassDeclarationSyntax typeDeclaration)
                || typeDeclaration.SyntaxTree != body.SyntaxTree
                || typeDeclaration.ParameterList != null
                || !type.GetMembers(FieldName).IsEmpty
                || semanticModel.LookupSymbols(acquireSyntax.SpanStart, name: FieldName).Any())
            {
                return null;
            }

            var constructors = type.InstanceConstructors;
            if (constructors.Length != 1)
                return null;
            ConstructorDeclarationSyntax? constructor = null;
            if (!constructors[0].IsImplicitlyDeclared)
            {
                constructor = constructors[0].DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as ConstructorDeclarationSyntax;
                if (constructor == null || constructor.Body == null || constructor.Initializer is { RawKind: (int)SyntaxKind.ThisConstructorInitializer }
                    || constructor.ParameterList.Parameters.Any(p => p.Identifier.ValueText == ParameterName || p.Modifiers.Any(SyntaxKind.ParamsKeyword)))
                {
                    return null;
                }
            }

            // A new constructor parameter breaks every `new T(…)` and every derived type: only when there are none.
            if (!searchSolution)
            {
                return ConstructedOrDerivedInDocument(typeDeclaration.SyntaxTree.GetRoot(cancellationToken), type.Name)
                    ? null
                    : new Plan(shape, isAsync, acquireStatement, block, critical, replacedUpTo, declarationForm, call, tokenDeclaration, null, typeDeclaration, constructor);
            }

            var solution = document.Project.Solution;
            var references = await SymbolFinder.FindReferencesAsync(constructors[0], solution, cancellationToken).ConfigureAwait(false);
            if (references.Any(r => r.Locations.Any()))
                return null;
            var derived = await SymbolFinder.FindDerivedClassesAsync(type, solution, transitive: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (derived.Any())
                return null;
            return new Plan(shape, isAsync, acquireStatement, block, critical, replacedUpTo, declarationForm, call, tokenDeclaration, null, typeDeclaration, constructor);
        }

        /// <summary>The document's text creates the type by name or names it in a base list: the menu's cheap stand-in for the search.</summary>
        private static bool ConstructedOrDerivedInDocument(SyntaxNode root, string typeName) =>
            root.DescendantNodes().Any(n => n switch
            {
                ObjectCreationExpressionSyntax creation => creation.Type is SimpleNameSyntax simple ? simple.Identifier.ValueText == typeName
                    : creation.Type is QualifiedNameSyntax qualified && qualified.Right.Identifier.ValueText == typeName,
                ImplicitObjectCreationExpressionSyntax _ => true,
                SimpleBaseTypeSyntax baseType => baseType.Type is SimpleNameSyntax name && name.Identifier.ValueText == typeName,
                _ => false,
            });

        private static async Task<Document> ApplyAsync(Document document, SyntaxNode root, Plan plan, CancellationToken cancellationToken)
        {
            var receiver = plan.Provider ?? FieldName;
            var acquireText = (plan.IsAsync ? "await " : "") + receiver + "." + plan.Call;
            var handle = "handle";
            var leading = plan.AcquireStatement.GetLeadingTrivia();
            var newLine = EndOfLine(root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } text ? text : "\n");

            var body = new List<StatementSyntax>();
            switch (plan.Shape)
            {
                case Shape.Guarded:
                    body.Add(((IfStatementSyntax)plan.AcquireStatement).WithCondition(ParseExpression(handle + " == null")).WithLeadingTrivia(ElasticMarker));
                    body.AddRange(plan.Critical);
                    break;
                case Shape.IfAcquired:
                    var ifStatement = (IfStatementSyntax)plan.AcquireStatement;
                    var inner = (BlockSyntax)ifStatement.Statement;
                    body.Add(ifStatement.WithCondition(ParseExpression(handle + " != null")).WithStatement(inner.WithStatements(List(plan.Critical))).WithLeadingTrivia(ElasticMarker));
                    break;
                default:
                    body.AddRange(plan.Critical);
                    break;
            }

            var usingPrefix = (plan.IsAsync ? "await " : "") + "using ";
            var replacement = new List<StatementSyntax>();
            if (plan.DeclarationForm)
            {
                replacement.Add(ParseStatement(usingPrefix + "var " + handle + " = " + acquireText + ";").WithLeadingTrivia(leading).WithTrailingTrivia(newLine));
                replacement.AddRange(body);
            }
            else
            {
                var usingStatement = (UsingStatementSyntax)ParseStatement(usingPrefix + "(var " + handle + " = " + acquireText + ") { }");
                replacement.Add(usingStatement.WithStatement(Block(body)).WithLeadingTrivia(leading).WithTrailingTrivia(newLine));
            }

            var statements = plan.Block.Statements;
            var first = statements.IndexOf(plan.AcquireStatement);
            var last = plan.Shape == Shape.IfAcquired ? first : statements.IndexOf(plan.ReleaseStatement);
            var newStatements = statements.Take(first)
                .Where(s => s != plan.TokenDeclaration)
                .Concat(replacement.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)))
                .Concat(statements.Skip(last + 1));
            var newBlock = plan.Block.WithStatements(List(newStatements));

            SyntaxNode newRoot;
            if (plan.AddProviderTo is { } typeDeclaration)
            {
                var newType = typeDeclaration.ReplaceNode(plan.Block, newBlock);
                newType = AddProvider(newType, newLine, plan.Constructor == null ? null : newType.Members.OfType<ConstructorDeclarationSyntax>().FirstOrDefault(c => !c.Modifiers.Any(SyntaxKind.StaticKeyword)));
                newRoot = root.ReplaceNode(typeDeclaration, newType);
            }
            else
            {
                newRoot = root.ReplaceNode(plan.Block, newBlock);
            }

            if (newRoot is CompilationUnitSyntax unit && !unit.Usings.Any(u => u.Name?.ToString() == "Steadfast.Locks")
                && !unit.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Usings.Any(u => u.Name?.ToString() == "Steadfast.Locks")))
            {
                newRoot = unit.AddUsings(UsingDirective(ParseName("Steadfast.Locks")).WithAdditionalAnnotations(Formatter.Annotation));
            }

            var usesTimeSpan = plan.Call.Contains(DefaultLease);
            if (usesTimeSpan && newRoot is CompilationUnitSyntax withSystem && !withSystem.Usings.Any(u => u.Name?.ToString() == "System"))
                newRoot = withSystem.WithUsings(withSystem.Usings.Insert(0, UsingDirective(ParseName("System")).WithAdditionalAnnotations(Formatter.Annotation)));

            return await Formatter.FormatAsync(document.WithSyntaxRoot(newRoot), Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }

        private static TypeDeclarationSyntax AddProvider(TypeDeclarationSyntax type, SyntaxTrivia newLine, ConstructorDeclarationSyntax? constructor)
        {
            var field = ParseMemberDeclaration("private readonly IDistributedLockProvider " + FieldName + ";")!.WithTrailingTrivia(newLine).WithAdditionalAnnotations(Formatter.Annotation);
            var assignment = ParseStatement(FieldName + " = " + ParameterName + ";").WithAdditionalAnnotations(Formatter.Annotation);
            var parameter = Parameter(Identifier(ParameterName)).WithType(ParseTypeName("IDistributedLockProvider"));
            if (constructor != null)
            {
                var newConstructor = constructor
                    .WithParameterList(constructor.ParameterList.AddParameters(parameter))
                    .WithBody(constructor.Body!.WithStatements(constructor.Body.Statements.Insert(0, assignment)))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                type = type.ReplaceNode(constructor, newConstructor);
            }
            else
            {
                var newConstructor = ConstructorDeclaration(type.Identifier.WithoutTrivia())
                    .WithModifiers(TokenList(Token(SyntaxKind.PublicKeyword)))
                    .WithParameterList(ParameterList(SingletonSeparatedList(parameter)))
                    .WithBody(Block(assignment))
                    .WithTrailingTrivia(newLine, newLine)
                    .WithAdditionalAnnotations(Formatter.Annotation);
                var lastField = type.Members.LastOrDefault(m => m is FieldDeclarationSyntax);
                var index = lastField == null ? 0 : type.Members.IndexOf(lastField) + 1;
                type = type.WithMembers(type.Members.Insert(index, newConstructor));
            }

            var fieldIndex = type.Members.LastOrDefault(m => m is FieldDeclarationSyntax) is { } lastExisting ? type.Members.IndexOf(lastExisting) + 1 : 0;
            return type.WithMembers(type.Members.Insert(fieldIndex, (MemberDeclarationSyntax)field));
        }

        private static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
        {
            IParameterSymbol p => p.Type,
            ILocalSymbol l => l.Type,
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.GetMethod == null ? null : p.Type,
            _ => null,
        };

        private static SyntaxNode? FunctionBody(SyntaxNode node)
        {
            foreach (var ancestor in node.AncestorsAndSelf())
            {
                switch (ancestor)
                {
                    case BaseMethodDeclarationSyntax method:
                        return method.Body;
                    case LocalFunctionStatementSyntax local:
                        return local.Body;
                    case AnonymousFunctionExpressionSyntax lambda:
                        return lambda.Block;
                    case AccessorDeclarationSyntax accessor:
                        return accessor.Body;
                    case MemberDeclarationSyntax _:
                    case CompilationUnitSyntax _:
                        return null;
                }
            }

            return null;
        }

        /// <summary>The invocation, or the await of it, through parentheses.</summary>
        private static ExpressionSyntax Outer(InvocationExpressionSyntax invocation)
        {
            SyntaxNode current = invocation;
            while (current.Parent is ParenthesizedExpressionSyntax || current.Parent is AwaitExpressionSyntax)
                current = current.Parent;
            return Strip((ExpressionSyntax)current);
        }

        private static ExpressionSyntax Strip(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
                expression = parenthesized.Expression;
            return expression;
        }

        private static string Parenthesize(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax || expression is MemberAccessExpressionSyntax || expression is InvocationExpressionSyntax
                ? expression.WithoutTrivia().ToString()
                : "(" + expression.WithoutTrivia() + ")";

        private static bool IsExit(StatementSyntax statement) => statement switch
        {
            ReturnStatementSyntax _ => true,
            ThrowStatementSyntax _ => true,
            BlockSyntax { Statements: { Count: 1 } statements } => statements[0] is ReturnStatementSyntax || statements[0] is ThrowStatementSyntax,
            _ => false,
        };

        private static bool OnlySleeps(StatementSyntax body, SemanticModel semanticModel, LockModel model, CancellationToken cancellationToken)
        {
            var statements = body is BlockSyntax block ? block.Statements.ToList() : new List<StatementSyntax> { body };
            return statements.Count > 0 && statements.All(s =>
                s is ExpressionStatementSyntax { Expression: var expression }
                && (expression is AwaitExpressionSyntax awaited ? awaited.Expression : expression) is InvocationExpressionSyntax invocation
                && semanticModel.GetOperation(invocation, cancellationToken) is IInvocationOperation call && model.IsSleep(call));
        }

        private static IEnumerable<IdentifierNameSyntax> References(SemanticModel semanticModel, SyntaxNode body, ISymbol? symbol, CancellationToken cancellationToken) =>
            symbol == null
                ? Enumerable.Empty<IdentifierNameSyntax>()
                : body.DescendantNodes().OfType<IdentifierNameSyntax>().Where(i => i.Identifier.ValueText == symbol.Name
                    && SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(i, cancellationToken).Symbol, symbol));
    }
}
