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
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1004 fix: leave when the lock was not taken. A discarded result becomes <c>if (!acquire) { return; }</c>; an
    /// unread local or lockTaken flag gets <c>if (!acquired) { return; }</c> right after it. The exit fits the function:
    /// <c>return;</c>, <c>return false;</c> or a throw. A finally that releases even when the acquire failed releases only when a
    /// <c>lockTaken</c> flag, set from the acquire's result (or the existing ref flag of TryEnter), says it was taken.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1004LockAcquisitionResultIgnoredFixer)), Shared]
    public sealed class SF1004LockAcquisitionResultIgnoredFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF1004.GuardOnAcquired";

        /// <summary>The Steadfast rewrite: acquire, critical section and release become a lock handle from IDistributedLockProvider.</summary>
        public const string UseSteadfastLockKey = "SF1004.UseSteadfastLock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockAcquisitionResultIgnored);

        public override FixAllProvider GetFixAllProvider() =>
            SteadfastLockRewrite.FixAllProvider(
                WellKnownFixAllProviders.BatchFixer,
                UseSteadfastLockKey);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            if (context.Diagnostics[0].Properties.TryGetValue(SF1004LockAcquisitionResultIgnoredAnalyzer.ShapeProperty, out var handleShape)
                && handleShape == SF1004LockAcquisitionResultIgnoredAnalyzer.NullableHandleShape)
            {
                return; // already Steadfast's lock: the null test and the await using are the user's to write
            }

            await SteadfastLockRewrite.RegisterAsync(context, context.Diagnostics[0], UseSteadfastLockKey).ConfigureAwait(false);
            var diagnostic = context.Diagnostics[0];
            if (!diagnostic.Properties.TryGetValue(SF1004LockAcquisitionResultIgnoredAnalyzer.ShapeProperty, out var shape))
                return;
            if (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.FinallyShape)
            {
                await RegisterFinallyFixAsync(context, diagnostic).ConfigureAwait(false);
                return;
            }

            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (!(root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax call))
                return;

            // A TryEnter that does not wait fails on any contention: leaving then would drop the work the lock was meant to
            // serialise. Its author wanted the lock, so the fix is to wait for it (Enter), not to leave.
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (model != null && IsTryEnterWithoutTimeout(model, call, context.CancellationToken))
            {
                if (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.UnreadLocalShape
                    || (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.DiscardedShape && call.Parent is ExpressionStatementSyntax))
                {
                    context.RegisterCodeFix(
                        CodeAction.Create("Wait for the lock (Enter)", ct => UseEnterAsync(context.Document, call, ct), EnterKey),
                        diagnostic);
                }

                return;
            }

            // Inside a try whose finally releases: an early return would run that release on a lock never taken (Monitor.Exit
            // throws, a Redis delete drops another owner's lock). Guard the release with the taken flag instead, or offer nothing.
            if (EnclosingTryWithFinally(call) is { } enclosingTry)
            {
                // A finally that already releases only under the flag this acquire sets: leaving inside the try is safe.
                var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
                var statementOfCall = call.FirstAncestorOrSelf<StatementSyntax>();
                var guardedBy = statementOfCall == null || shape != SF1004LockAcquisitionResultIgnoredAnalyzer.UnreadLocalShape ? null : Flag(call, statementOfCall);
                var releasesUnderFlag = semanticModel != null && guardedBy != null && ReleasesOnlyUnder(semanticModel, enclosingTry.Finally!, guardedBy, context.CancellationToken);
                if (!releasesUnderFlag)
                {
                    if (semanticModel != null && PlanFinally(semanticModel, call, context.CancellationToken) != null)
                    {
                        await RegisterFinallyFixAsync(context, diagnostic).ConfigureAwait(false);
                        return;
                    }

                    if (semanticModel == null || ReleasesALock(semanticModel, enclosingTry.Finally!, context.CancellationToken))
                        return;
                }
            }

            var statement = call.FirstAncestorOrSelf<StatementSyntax>();
            if (statement == null || !(statement.Parent is BlockSyntax || statement.Parent is GlobalStatementSyntax))
                return;
            if (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.UnreadLocalShape && Flag(call, statement) == null)
                return;

            context.RegisterCodeFix(
                CodeAction.Create("Leave when the lock was not acquired", ct => FixAsync(context.Document, call, statement, shape!, ct), EquivalenceKey),
                diagnostic);
        }

        /// <summary>Replaces the non-waiting TryEnter with Enter and the same arguments (Monitor.Enter(obj[, ref taken]), SpinLock.Enter(ref taken)).</summary>
        public const string EnterKey = "SF1004.WaitWithEnter";

        /// <summary>Monitor.TryEnter or SpinLock.TryEnter with no timeout argument: it returns at once when the lock is busy.</summary>
        private static bool IsTryEnterWithoutTimeout(SemanticModel semanticModel, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            if (!(semanticModel.GetSymbolInfo(call, cancellationToken).Symbol is IMethodSymbol method) || method.Name != "TryEnter"
                || !(method.ContainingType is { Name: "Monitor" or "SpinLock" } type) || type.ContainingNamespace?.ToDisplayString() != "System.Threading")
            {
                return false;
            }

            return method.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Object || p.RefKind == RefKind.Ref)
                && call.Expression is MemberAccessExpressionSyntax;
        }

        private static async Task<Document> UseEnterAsync(Document document, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var access = (MemberAccessExpressionSyntax)call.Expression;
            var enter = call.WithExpression(access.WithName(IdentifierName("Enter").WithTriviaFrom(access.Name)));
            return document.WithSyntaxRoot(root!.ReplaceNode(call, enter));
        }

        /// <summary>Every lock release in the finally sits under <c>if (flag …)</c>: it runs only when the acquire succeeded.</summary>
        private static bool ReleasesOnlyUnder(SemanticModel semanticModel, FinallyClauseSyntax @finally, string flag, CancellationToken cancellationToken)
        {
            var model = LockModel.Create(semanticModel.Compilation);
            if (model == null)
                return false;
            foreach (var invocation in @finally.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (!(semanticModel.GetOperation(invocation, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation operation)
                    || model.AsRelease(operation, cancellationToken) == null)
                {
                    continue;
                }

                var guarded = invocation.Ancestors().TakeWhile(a => a != @finally).OfType<IfStatementSyntax>().Any(i =>
                    i.Statement.Span.Contains(invocation.Span) && TestsFlag(i.Condition, flag));
                if (!guarded)
                    return false;
            }

            return true;
        }

        /// <summary><c>flag</c>, or <c>flag &amp;&amp; …</c>.</summary>
        private static bool TestsFlag(ExpressionSyntax condition, string flag)
        {
            while (condition is ParenthesizedExpressionSyntax parenthesized)
                condition = parenthesized.Expression;
            if (condition is IdentifierNameSyntax name)
                return name.Identifier.ValueText == flag;
            return condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalAndExpression } and
                && (TestsFlag(and.Left, flag) || TestsFlag(and.Right, flag));
        }

        /// <summary>The local that says whether the lock was taken: the declared variable or the ref lockTaken argument.</summary>
        private static string? Flag(InvocationExpressionSyntax call, StatementSyntax statement)
        {
            if (statement is LocalDeclarationStatementSyntax { Declaration: { Variables: { Count: 1 } variables } })
                return variables[0].Identifier.ValueText;
            if (statement is ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: IdentifierNameSyntax assigned } })
                return assigned.Identifier.ValueText;
            var refArgument = call.ArgumentList.Arguments.FirstOrDefault(a => a.RefKindKeyword.IsKind(SyntaxKind.RefKeyword));
            return (refArgument?.Expression as IdentifierNameSyntax)?.Identifier.ValueText;
        }

        private static async Task<Document> FixAsync(Document document, InvocationExpressionSyntax call, StatementSyntax statement, string shape, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var exit = LockFixSyntax.ExitStatement(editor.SemanticModel, statement, cancellationToken);
            if (shape == SF1004LockAcquisitionResultIgnoredAnalyzer.DiscardedShape && statement is ExpressionStatementSyntax expressionStatement)
            {
                var acquired = expressionStatement.Expression is AssignmentExpressionSyntax discard ? discard.Right : expressionStatement.Expression;
                var guard = LockFixSyntax.Guard(LockFixSyntax.Not(acquired), exit).WithTriviaFrom(statement);
                editor.ReplaceNode(statement, guard);
            }
            else
            {
                var flag = Flag(call, statement)!;
                var guard = LockFixSyntax.Guard(LockFixSyntax.Not(IdentifierName(flag)), exit)
                    .WithTrailingTrivia(statement.GetTrailingTrivia());
                if (statement.Parent is GlobalStatementSyntax global)
                    editor.InsertAfter(global, GlobalStatement(guard));
                else
                    editor.InsertAfter(statement, guard);
            }

            var changed = await Simplifier.ReduceAsync(editor.GetChangedDocument(), Simplifier.Annotation, null, cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(changed, Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }

        private const string FlagName = "lockTaken";

        /// <summary>The innermost try (in the acquire's own function) whose block holds the acquire and that has a finally.</summary>
        private static TryStatementSyntax? EnclosingTryWithFinally(InvocationExpressionSyntax call) =>
            call.Ancestors()
                .TakeWhile(a => !(a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax || a is MemberDeclarationSyntax))
                .OfType<TryStatementSyntax>()
                .FirstOrDefault(t => t.Block.Span.Contains(call.Span) && t.Finally != null);

        private static bool ReleasesALock(SemanticModel semanticModel, FinallyClauseSyntax @finally, CancellationToken cancellationToken)
        {
            var model = LockModel.Create(semanticModel.Compilation);
            return model == null || @finally.DescendantNodes().OfType<InvocationExpressionSyntax>().Any(invocation =>
                semanticModel.GetOperation(invocation, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation operation
                && model.AsRelease(operation, cancellationToken) != null);
        }

        /// <summary>
        /// The finally shape: <c>try { … acquire … } finally { release; }</c>. The acquire's result is also stored in a
        /// <c>lockTaken</c> flag declared before the try (TryEnter's own ref flag when it has one) and the release runs
        /// only if it is true. Offered when the release is a statement of the finally block.
        /// </summary>
        private static async Task RegisterFinallyFixAsync(CodeFixContext context, Diagnostic diagnostic)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null || !(root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax call))
                return;
            var plan = PlanFinally(semanticModel, call, context.CancellationToken);
            if (plan == null)
                return;
            context.RegisterCodeFix(
                CodeAction.Create("Release only when the lock was acquired", ct => FixFinallyAsync(context.Document, root, call, plan.Value, ct), EquivalenceKey),
                diagnostic);
        }

        private static (TryStatementSyntax Try, StatementSyntax Release, string? RefFlag)? PlanFinally(SemanticModel semanticModel, InvocationExpressionSyntax call, CancellationToken cancellationToken)
        {
            var model = LockModel.Create(semanticModel.Compilation);
            if (model == null || !(semanticModel.GetOperation(call, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation operation)
                || !(model.AsAcquire(operation, cancellationToken) is { } acquire))
            {
                return null;
            }

            var tryStatement = call.Ancestors().OfType<TryStatementSyntax>().FirstOrDefault(t => t.Block.Span.Contains(call.Span) && t.Finally != null);
            if (tryStatement?.Finally == null || !(tryStatement.Parent is BlockSyntax || tryStatement.Parent is GlobalStatementSyntax))
                return null;
            // The acquire must run in the same function as the try (not in a lambda inside it).
            if (call.Ancestors().TakeWhile(a => a != tryStatement).Any(a => a is AnonymousFunctionExpressionSyntax || a is LocalFunctionStatementSyntax))
                return null;
            StatementSyntax? release = null;
            foreach (var statement in tryStatement.Finally.Block.Statements)
            {
                // The release itself, or `if (guess) { release; }` (a guess such as CurrentCount == 0 that the flag replaces).
                var candidateStatement = statement is IfStatementSyntax { Else: null } conditional
                    ? (conditional.Statement is BlockSyntax { Statements: { Count: 1 } only } ? only[0] : conditional.Statement)
                    : statement;
                if (candidateStatement is ExpressionStatementSyntax expressionStatement
                    && (expressionStatement.Expression is AwaitExpressionSyntax awaited ? awaited.Expression : expressionStatement.Expression) is InvocationExpressionSyntax invocation
                    && semanticModel.GetOperation(invocation, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation releaseOperation
                    && model.AsRelease(releaseOperation, cancellationToken) is { } candidate && candidate.Kind == acquire.Kind)
                {
                    release = statement;
                    break;
                }
            }

            if (release == null)
                return null;
            var refArgument = call.ArgumentList.Arguments.FirstOrDefault(a => a.RefKindKeyword.IsKind(SyntaxKind.RefKeyword));
            if (refArgument != null)
            {
                // TryEnter(…, ref taken): the flag exists; it must be declared outside the try to be read in the finally.
                if (!(refArgument.Expression is IdentifierNameSyntax flag)
                    || !(semanticModel.GetSymbolInfo(flag, cancellationToken).Symbol is ILocalSymbol local)
                    || local.DeclaringSyntaxReferences.FirstOrDefault() is not { } declaration
                    || tryStatement.Span.Contains(declaration.Span))
                {
                    return null;
                }

                return (tryStatement, release, flag.Identifier.ValueText);
            }

            if (!acquire.ReturnsSuccess || semanticModel.LookupSymbols(tryStatement.SpanStart, name: FlagName).Any()
                || tryStatement.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == FlagName))
            {
                return null;
            }

            return (tryStatement, release, null);
        }

        private static async Task<Document> FixFinallyAsync(Document document, SyntaxNode root, InvocationExpressionSyntax call, (TryStatementSyntax Try, StatementSyntax Release, string? RefFlag) plan, CancellationToken cancellationToken)
        {
            var (tryStatement, release, refFlag) = plan;
            var flag = refFlag ?? FlagName;
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            StatementSyntax guardedRelease = release is IfStatementSyntax conditional
                ? conditional.WithCondition(BinaryExpression(SyntaxKind.LogicalAndExpression, IdentifierName(flag), Operand(conditional.Condition)))
                : IfStatement(IdentifierName(flag), release.WithoutTrivia()).WithTriviaFrom(release);
            guardedRelease = guardedRelease.WithAdditionalAnnotations(Formatter.Annotation);

            // The code after an acquire whose result nothing reads runs without the lock: leave right after it. The finally
            // now releases only under the flag, so leaving from inside the try is safe.
            var acquireStatement = call.FirstAncestorOrSelf<StatementSyntax>();
            var result = Result(call);
            var discardAssignment = result.Parent is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier: { ValueText: "_" } } } discard
                && discard.Parent is ExpressionStatementSyntax ? discard : null;
            var leave = acquireStatement?.Parent is BlockSyntax && semanticModel != null
                && (refFlag == null
                    ? result.Parent is ExpressionStatementSyntax || discardAssignment != null
                    : call.Parent is ExpressionStatementSyntax && !ReadsFlagBesides(tryStatement.Block, refFlag, call))
                ? LockFixSyntax.Guard(LockFixSyntax.Not(IdentifierName(flag)), LockFixSyntax.ExitStatement(semanticModel, acquireStatement!, cancellationToken))
                : null;
            var marker = new SyntaxAnnotation();

            var replaced = refFlag == null ? new SyntaxNode[] { release, (SyntaxNode?)discardAssignment ?? result } : new SyntaxNode[] { release, acquireStatement! };
            var newTry = tryStatement.ReplaceNodes(
                replaced,
                (original, rewritten) =>
                {
                    if (original == release)
                        return guardedRelease;
                    if (original == acquireStatement)
                        return rewritten.WithAdditionalAnnotations(marker);
                    // acquire → (lockTaken = acquire); as the whole condition of an if: lockTaken = acquire
                    var acquired = original == discardAssignment ? ((AssignmentExpressionSyntax)rewritten).Right : (ExpressionSyntax)rewritten;
                    var assignment = AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(FlagName), acquired.WithoutTrivia());
                    ExpressionSyntax replacement = original.Parent is IfStatementSyntax || original.Parent is ExpressionStatementSyntax ? assignment : ParenthesizedExpression(assignment);
                    return replacement.WithTriviaFrom(rewritten).WithAdditionalAnnotations(marker);
                });
            if (leave != null && newTry.GetAnnotatedNodes(marker).FirstOrDefault()?.FirstAncestorOrSelf<StatementSyntax>() is { Parent: BlockSyntax } markedStatement)
                newTry = newTry.InsertNodesAfter(markedStatement, new SyntaxNode[] { leave.WithTrailingTrivia(markedStatement.GetTrailingTrivia()) });

            var newRoot = root.ReplaceNode(tryStatement, newTry.WithAdditionalAnnotations(Formatter.Annotation));
            if (refFlag == null)
            {
                var declaration = ParseStatement("var " + FlagName + " = false;")
                    .WithLeadingTrivia(tryStatement.GetLeadingTrivia())
                    .WithTrailingTrivia(ElasticMarker)
                    .WithAdditionalAnnotations(Formatter.Annotation);
                var tryInNewRoot = newRoot.DescendantNodes().OfType<TryStatementSyntax>().First(t => t.SpanStart == tryStatement.SpanStart);
                if (tryInNewRoot.Parent is GlobalStatementSyntax global)
                    newRoot = newRoot.InsertNodesBefore(global, new SyntaxNode[] { GlobalStatement(declaration) });
                else
                    newRoot = newRoot.InsertNodesBefore(tryInNewRoot, new SyntaxNode[] { declaration });
            }

            var changed = await Simplifier.ReduceAsync(document.WithSyntaxRoot(newRoot), Simplifier.Annotation, null, cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(changed, Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>An operand of <c>&amp;&amp;</c>: parenthesized unless it already binds tighter.</summary>
        private static ExpressionSyntax Operand(ExpressionSyntax condition) =>
            condition.IsKind(SyntaxKind.LogicalOrExpression) || condition.IsKind(SyntaxKind.CoalesceExpression)
            || condition is ConditionalExpressionSyntax || condition is AssignmentExpressionSyntax || condition is LambdaExpressionSyntax
                ? ParenthesizedExpression(condition.WithoutTrivia())
                : condition.WithoutTrivia();

        /// <summary>Whether the try block reads the ref flag anywhere other than the acquire's own argument.</summary>
        private static bool ReadsFlagBesides(BlockSyntax block, string flag, InvocationExpressionSyntax call) =>
            block.DescendantNodes().OfType<IdentifierNameSyntax>().Any(n => n.Identifier.ValueText == flag && !call.Span.Contains(n.Span));

        /// <summary>The acquire as the value it produces: the await of it when awaited, through parentheses.</summary>
        private static ExpressionSyntax Result(InvocationExpressionSyntax call)
        {
            ExpressionSyntax current = call;
            while (current.Parent is AwaitExpressionSyntax || current.Parent is ParenthesizedExpressionSyntax)
                current = (ExpressionSyntax)current.Parent;
            return current;
        }
    }
}
