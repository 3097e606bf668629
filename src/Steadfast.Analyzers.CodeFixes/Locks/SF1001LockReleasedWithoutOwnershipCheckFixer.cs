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
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1001 fix, the safe raw form: a token unique to the acquisition.
    /// <list type="bullet">
    /// <item>A value written at the call (literal, machine name, constant): <c>var lockToken = Guid.NewGuid().ToString("N");</c>
    /// before the acquire, and the acquire and every release of that value in the function use <c>lockToken</c>.</item>
    /// <item>A value from an instance field's initializer (the seed's <c>_lockValue = ""</c>): the initializer becomes
    /// <c>Guid.NewGuid().ToString("N")</c>, a token per lock object.</item>
    /// <item>KeyDelete of a lock key: <c>LockRelease(key, token)</c> with the token the type's acquire uses.</item>
    /// </list>
    /// <item>A value from a private static field or property (one token shared by every acquisition in the process) whose
    /// every use is the value of an acquire or a release in one function: a token local there, as for a value written at
    /// the call; the static member is left in place.</item>
    /// Values from a caller's argument, static members used elsewhere, and handles whose Dispose deletes the key are
    /// reported without a fix: the token has to be introduced where the acquisition is owned and carried to the release,
    /// which changes signatures across the code.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1001LockReleasedWithoutOwnershipCheckFixer)), Shared]
    public sealed class SF1001LockReleasedWithoutOwnershipCheckFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF1001.UniqueToken";

        /// <summary>The Steadfast rewrite: acquire, critical section and release become a lock handle from IDistributedLockProvider.</summary>
        public const string UseSteadfastLockKey = "SF1001.UseSteadfastLock";
        private const string TokenName = "lockToken";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockReleasedWithoutOwnershipCheck);

        // An acquire and its releases share one new token local: the edits interact.
        public override FixAllProvider GetFixAllProvider() =>
            SteadfastLockRewrite.FixAllProvider(
                FixAllProvider.Create(async (context, document, diagnostics) =>
                await FixAsync(document, diagnostics, context.CancellationToken).ConfigureAwait(false)),
                UseSteadfastLockKey);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            await SteadfastLockRewrite.RegisterAsync(context, context.Diagnostics[0], UseSteadfastLockKey).ConfigureAwait(false);
            var diagnostic = context.Diagnostics[0];
            var fixedDocument = await FixAsync(context.Document, ImmutableArray.Create(diagnostic), context.CancellationToken).ConfigureAwait(false);
            if (fixedDocument == null)
                return;
            var title = diagnostic.Properties.TryGetValue(SF1001LockReleasedWithoutOwnershipCheckAnalyzer.ShapeProperty, out var shape) && shape == SF1001LockReleasedWithoutOwnershipCheckAnalyzer.DeleteShape
                ? "Release with LockRelease(key, token)"
                : "Use a token unique to this acquisition";
            context.RegisterCodeFix(CodeAction.Create(title, ct => FixAsync(context.Document, ImmutableArray.Create(diagnostic), ct).ContinueWith(t => t.Result ?? context.Document, ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default), EquivalenceKey), diagnostic);
        }

        private static async Task<Document?> FixAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var semanticModel = editor.SemanticModel;
            var model = LockModel.Create(semanticModel.Compilation);
            if (model == null)
                return null;
            var root = editor.OriginalRoot;
            var done = new HashSet<SyntaxNode>();
            var changed = false;
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                diagnostic.Properties.TryGetValue(SF1001LockReleasedWithoutOwnershipCheckAnalyzer.ShapeProperty, out var shape);
                if (shape == SF1001LockReleasedWithoutOwnershipCheckAnalyzer.SharedTokenShape || shape == SF1001LockReleasedWithoutOwnershipCheckAnalyzer.CallerValueShape)
                    continue; // the per-instance token is already random: it has to become per acquisition, by hand
                if (shape == SF1001LockReleasedWithoutOwnershipCheckAnalyzer.DeleteShape)
                    changed |= FixDelete(editor, model, node, done, cancellationToken);
                else if (diagnostic.AdditionalLocations.Count == 1 && diagnostic.AdditionalLocations[0].SourceTree == root.SyntaxTree)
                    changed |= FixFieldOrigin(editor, root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true), done, cancellationToken)
                        || (node is ExpressionSyntax staticValue && OnlyLockUsesInOneFunction(editor.SemanticModel, model, staticValue, cancellationToken)
                            && FixInlineValue(editor, model, staticValue, done, cancellationToken));
                else if (diagnostic.AdditionalLocations.Count == 0 && node is ExpressionSyntax value)
                    changed |= FixInlineValue(editor, model, value, done, cancellationToken);
            }

            if (!changed)
                return null;
            return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        private static ExpressionSyntax NewToken() =>
            InvocationExpression(
                MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                    FixSyntax.StaticCall("System.Guid", "NewGuid"),
                    IdentifierName("ToString")),
                ArgumentList(SingletonSeparatedList(Argument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("N"))))));

        /// <summary>The value comes from an instance field's initializer: make that a fresh token.</summary>
        private static bool FixFieldOrigin(DocumentEditor editor, SyntaxNode origin, HashSet<SyntaxNode> done, CancellationToken cancellationToken)
        {
            if (!(origin is ExpressionSyntax expression) || !(origin.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator })
                || !(declarator.Parent?.Parent is FieldDeclarationSyntax field) || field.Modifiers.Any(SyntaxKind.StaticKeyword) || field.Modifiers.Any(SyntaxKind.ConstKeyword))
            {
                return false;
            }

            var type = (editor.SemanticModel.GetDeclaredSymbol(declarator, cancellationToken) as IFieldSymbol)?.Type;
            if (type == null || !(type.SpecialType == SpecialType.System_String || type.Name == "RedisValue"))
                return false;
            if (done.Add(origin))
                editor.ReplaceNode(expression, NewToken().WithTriviaFrom(expression));
            return true;
        }

        /// <summary>The value is written at the call: a new token local before the acquire, used by the acquire and its releases.</summary>
        private static bool FixInlineValue(DocumentEditor editor, LockModel model, ExpressionSyntax value, HashSet<SyntaxNode> done, CancellationToken cancellationToken)
        {
            var semanticModel = editor.SemanticModel;
            var operation = semanticModel.GetOperation(value, cancellationToken);
            if (operation == null)
                return false;
            var function = LockModel.GetFunction(operation);
            var text = value.WithoutTrivia().ToString();

            // The acquire that takes this value, and every acquire/release in the function that passes the same value.
            RedisAcquire? acquire = null;
            var sites = new List<ExpressionSyntax>();
            var releases = 0;
            foreach (var call in LockModel.DescendantsInSameFunction(function).OfType<IInvocationOperation>())
            {
                var taken = model.AsRedisAcquire(call);
                IOperation? passed = taken?.Value;
                if (taken == null && model.IsRedisRelease(call, out _, out var released))
                    passed = released;
                if (passed == null || !(LockModel.Unwrap(passed)?.Syntax is ExpressionSyntax passedSyntax) || passedSyntax.WithoutTrivia().ToString() != text)
                    continue;
                if (taken != null && acquire == null)
                    acquire = taken;
                if (taken == null)
                    releases++;
                sites.Add(passedSyntax);
            }

            // A token the release never sees changes nothing: when the release is in another function (a lock service's
            // Release(key)), the token has to be returned to the caller and carried there — a signature change, no fix here.
            // A KeyDelete of the same key in this function counts: its own SF1001 fix turns it into LockRelease(key, lockToken).
            if (acquire == null)
                return false;
            var statement = acquire.Call.Syntax.FirstAncestorOrSelf<StatementSyntax>();
            if (statement == null || !(statement.Parent is BlockSyntax || statement.Parent is GlobalStatementSyntax) || sites.Any(s => s.SpanStart < statement.SpanStart))
                return false;

            // A KeyDelete of the same key after the acquire releases whatever holds the key now: it becomes
            // LockRelease(key, lockToken) in the same edit, or the new token would change nothing.
            var keyText = (LockModel.Unwrap(acquire.Key)?.Syntax as ExpressionSyntax)?.WithoutTrivia().ToString();
            var deletes = LockModel.DescendantsInSameFunction(function).OfType<IInvocationOperation>().Where(call =>
                    model.IsRedisRelease(call, out var releasedKey, out var releasedValue) && releasedValue == null
                    && call.Syntax.SpanStart > statement.Span.End
                    && call.Syntax is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax }
                    && (LockModel.Unwrap(releasedKey)?.Syntax as ExpressionSyntax)?.WithoutTrivia().ToString() == keyText)
                .Select(call => (InvocationExpressionSyntax)call.Syntax)
                .ToList();
            if (releases == 0 && deletes.Count == 0)
                return false;
            if (!done.Add(statement))
                return true; // the same acquire was fixed for another of its diagnostics

            var name = TokenName;
            for (var i = 2; semanticModel.LookupSymbols(statement.SpanStart, name: name).Any(); i++)
                name = TokenName + i;
            var declaration = LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"))
                    .WithVariables(SingletonSeparatedList(VariableDeclarator(name).WithInitializer(EqualsValueClause(NewToken())))))
                .WithAdditionalAnnotations(Formatter.Annotation);
            foreach (var site in sites)
                editor.ReplaceNode(site, IdentifierName(name).WithTriviaFrom(site));
            foreach (var delete in deletes)
            {
                if (done.Add(delete))
                    editor.ReplaceNode(delete, ReleaseWithToken(delete, IdentifierName(name)));
            }
            if (statement.Parent is GlobalStatementSyntax global)
            {
                editor.InsertBefore(global, GlobalStatement(declaration));
            }
            else
            {
                // Comments above the acquire stay above it: they now head the token and the acquire.
                editor.InsertBefore(statement, declaration.WithLeadingTrivia(statement.GetLeadingTrivia()));
                editor.ReplaceNode(statement, (current, _) => current.WithLeadingTrivia(statement.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia))));
            }

            return true;
        }

        /// <summary>
        /// The value is a private static field or property, declared in this tree, and every reference to it is the value of
        /// a Redis acquire or release in the function of this acquire: a per-acquisition token there changes nothing else.
        /// </summary>
        private static bool OnlyLockUsesInOneFunction(SemanticModel semanticModel, LockModel model, ExpressionSyntax value, CancellationToken cancellationToken)
        {
            var symbol = semanticModel.GetSymbolInfo(value, cancellationToken).Symbol;
            if (!(symbol is IFieldSymbol || symbol is IPropertySymbol) || !symbol!.IsStatic || symbol.DeclaredAccessibility != Accessibility.Private
                || symbol.ContainingType?.DeclaringSyntaxReferences.Length != 1
                || symbol.ContainingType.DeclaringSyntaxReferences[0].SyntaxTree != semanticModel.SyntaxTree
                || !(semanticModel.GetOperation(value, cancellationToken) is { } valueOperation))
            {
                return false;
            }

            var function = LockModel.GetFunction(valueOperation);
            var type = symbol.ContainingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            foreach (var identifier in type.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (identifier.Identifier.ValueText != symbol.Name || !SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol))
                    continue;
                var reference = semanticModel.GetOperation(identifier, cancellationToken);
                if (reference == null || LockModel.GetFunction(reference) != function)
                    return false;
                var argument = reference.Parent;
                while (argument is IConversionOperation || argument is IParenthesizedOperation)
                    argument = argument.Parent;
                if (!(argument is IArgumentOperation { Parent: IInvocationOperation call } passed))
                    return false;
                var lockValue = model.AsRedisAcquire(call)?.Value;
                if (lockValue == null && model.IsRedisRelease(call, out _, out var released))
                    lockValue = released;
                if (lockValue == null || LockModel.Unwrap(lockValue)?.Syntax != identifier)
                    return false;
            }

            return true;
        }

        /// <summary>KeyDelete(key) → LockRelease(key, token), the token being what the type's acquire of that key uses.</summary>
        private static bool FixDelete(DocumentEditor editor, LockModel model, SyntaxNode node, HashSet<SyntaxNode> done, CancellationToken cancellationToken)
        {
            var semanticModel = editor.SemanticModel;
            if (!(node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax } invocation)
                || !(semanticModel.GetOperation(invocation, cancellationToken) is IInvocationOperation delete)
                || !(LockModel.Argument(delete, "key") is { } key))
            {
                return false;
            }

            var identity = model.ValueFlow.Identity(key, cancellationToken);
            var type = LockValueFlow.ContainingType(delete);
            if (identity == null || type == null)
                return false;
            var function = LockModel.GetFunction(delete);
            ExpressionSyntax? token = null;
            foreach (var reference in type.DeclaringSyntaxReferences.Where(r => r.SyntaxTree == semanticModel.SyntaxTree))
            {
                foreach (var candidate in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    var acquire = model.AsRedisAcquire(semanticModel.GetOperation(candidate, cancellationToken));
                    if (acquire == null || model.ValueFlow.Identity(acquire.Key, cancellationToken) != identity)
                        continue;
                    var value = LockModel.Unwrap(acquire.Value);
                    var usable = value is IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation }
                        || value is IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation }
                        || (value is ILocalReferenceOperation && LockModel.GetFunction(value) == function && candidate.SpanStart < invocation.SpanStart);
                    if (usable && value!.Syntax is ExpressionSyntax syntax)
                    {
                        token = syntax.WithoutTrivia();
                        break;
                    }
                }

                if (token != null)
                    break;
            }

            if (token == null)
            {
                // The acquire of this key in the same function writes its value at the call: give it a token, which
                // turns this delete (and the function's other deletes of the key) into LockRelease with it.
                if (done.Contains(invocation))
                    return true;
                var keyText = (LockModel.Unwrap(key)?.Syntax as ExpressionSyntax)?.WithoutTrivia().ToString();
                foreach (var call in LockModel.DescendantsInSameFunction(function).OfType<IInvocationOperation>())
                {
                    if (call.Syntax.SpanStart < invocation.SpanStart && model.AsRedisAcquire(call) is { } acquire
                        && (LockModel.Unwrap(acquire.Key)?.Syntax as ExpressionSyntax)?.WithoutTrivia().ToString() == keyText
                        && LockModel.Unwrap(acquire.Value) is { } value && (value.ConstantValue.HasValue || value is IFieldReferenceOperation { Field: { IsConst: true } })
                        && value.Syntax is ExpressionSyntax valueSyntax)
                    {
                        return FixInlineValue(editor, model, valueSyntax, done, cancellationToken) && done.Contains(invocation);
                    }
                }

                return false;
            }

            if (!done.Add(invocation))
                return true;
            editor.ReplaceNode(invocation, ReleaseWithToken(invocation, token));
            return true;
        }

        /// <summary>KeyDelete(key[, flags]) → LockRelease(key, token[, flags]); the Async form stays async.</summary>
        private static InvocationExpressionSyntax ReleaseWithToken(InvocationExpressionSyntax delete, ExpressionSyntax token)
        {
            var access = (MemberAccessExpressionSyntax)delete.Expression;
            var name = access.Name.Identifier.ValueText.EndsWith("Async", System.StringComparison.Ordinal) ? "LockReleaseAsync" : "LockRelease";
            var arguments = delete.ArgumentList.Arguments.Insert(1, Argument(token));
            return delete
                .WithExpression(access.WithName(IdentifierName(name).WithTriviaFrom(access.Name)))
                .WithArgumentList(delete.ArgumentList.WithArguments(arguments));
        }
    }
}
