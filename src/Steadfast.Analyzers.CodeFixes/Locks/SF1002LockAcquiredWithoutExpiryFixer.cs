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

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1002 fix: give the lock a lease. The type gets one named lease, <c>private static readonly TimeSpan LockLease =
    /// TimeSpan.FromSeconds(30);</c> (easy to find and change), and every acquire without expiry in it passes it: the
    /// null/zero/infinite expiry is replaced, an omitted one is added as <c>expiry: LockLease</c>, SET NX gets
    /// <c>"PX", (long)LockLease.TotalMilliseconds</c>. Top-level code gets <c>TimeSpan.FromSeconds(30)</c> in place.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF1002LockAcquiredWithoutExpiryFixer)), Shared]
    public sealed class SF1002LockAcquiredWithoutExpiryFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF1002.AddLease";

        /// <summary>The Steadfast rewrite: acquire, critical section and release become a lock handle from IDistributedLockProvider.</summary>
        public const string UseSteadfastLockKey = "SF1002.UseSteadfastLock";
        public const string LeaseName = "LockLease";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.LockAcquiredWithoutExpiry);

        // Every fix in a type shares the one lease field: the edits interact, so FixAll rewrites each document once.
        public override FixAllProvider GetFixAllProvider() =>
            SteadfastLockRewrite.FixAllProvider(
                FixAllProvider.Create(async (context, document, diagnostics) =>
                await FixAsync(document, diagnostics.Select(d => d.Location.SourceSpan).ToList(), context.CancellationToken).ConfigureAwait(false)),
                UseSteadfastLockKey);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            await SteadfastLockRewrite.RegisterAsync(context, context.Diagnostics[0], UseSteadfastLockKey).ConfigureAwait(false);
            var diagnostic = context.Diagnostics[0];
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (!(root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is InvocationExpressionSyntax invocation))
                return;
            var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (semanticModel != null && LockModel.Create(semanticModel.Compilation)?.AsRedisAcquire(semanticModel.GetOperation(invocation, context.CancellationToken)) is { } acquire
                && ((acquire.Call.TargetMethod.Name.StartsWith("HashSet", System.StringComparison.Ordinal) || acquire.Call.TargetMethod.Name.StartsWith("StringGetSet", System.StringComparison.Ordinal))
                    || (acquire.IsExecute && LockModel.IsConstantString(acquire.Call.Arguments[0].Value, "SETNX"))))
            {
                return; // no lease argument to add: HSETNX and SETNX take none
            }

            var own = semanticModel == null ? null : OwnLease(semanticModel, invocation, context.CancellationToken);
            context.RegisterCodeFix(
                CodeAction.Create(own == null ? "Give the lock a 30 s lease" : $"Give the lock the lease the method sets later ({own})", async ct => await FixAsync(context.Document, new[] { diagnostic.Location.SourceSpan }, ct).ConfigureAwait(false) ?? context.Document, EquivalenceKey),
                diagnostic);
        }

        private static async Task<Document?> FixAsync(Document document, IReadOnlyList<TextSpan> spans, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var model = LockModel.Create(editor.SemanticModel.Compilation);
            if (model == null)
                return null;
            var leaseFields = new Dictionary<TypeDeclarationSyntax, string>();
            var changed = false;
            foreach (var span in spans.OrderBy(s => s.Start))
            {
                if (!(editor.OriginalRoot.FindNode(span, getInnermostNodeForTie: true) is InvocationExpressionSyntax invocation)
                    || !(model.AsRedisAcquire(editor.SemanticModel.GetOperation(invocation, cancellationToken)) is { } acquire))
                {
                    continue;
                }

                var type = invocation.FirstAncestorOrSelf<TypeDeclarationSyntax>();
                ExpressionSyntax lease;
                if (OwnLease(editor.SemanticModel, invocation, cancellationToken) is { } own)
                {
                    lease = own;
                }
                else if (type == null || type is InterfaceDeclarationSyntax)
                {
                    lease = Seconds30();
                }
                else
                {
                    if (!leaseFields.TryGetValue(type, out var name))
                    {
                        name = LeaseFieldName(editor.SemanticModel, type, cancellationToken, out var exists);
                        if (!exists)
                            editor.InsertMembers(type, 0, new[] { LeaseField(name) });
                        leaseFields[type] = name;
                    }

                    lease = IdentifierName(name);
                }

                if (!Rewrite(editor, invocation, acquire, lease))
                    continue;
                changed = true;
            }

            if (!changed)
                return null;
            return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        private static bool Rewrite(DocumentEditor editor, InvocationExpressionSyntax invocation, RedisAcquire acquire, ExpressionSyntax lease)
        {
            // HSETNX has no expiry argument and SETNX takes none: the claim has to become SET NX PX by hand.
            if ((acquire.Call.TargetMethod.Name.StartsWith("HashSet", System.StringComparison.Ordinal) || acquire.Call.TargetMethod.Name.StartsWith("StringGetSet", System.StringComparison.Ordinal))
                || (acquire.IsExecute && LockModel.IsConstantString(acquire.Call.Arguments[0].Value, "SETNX")))
            {
                return false;
            }

            if (acquire.IsExecute)
            {
                if (acquire.Call.Arguments.Length != 2 || acquire.Call.Arguments[1].ArgumentKind != ArgumentKind.ParamArray || acquire.Expiry != null)
                    return false;
                var milliseconds = CastExpression(PredefinedType(Token(SyntaxKind.LongKeyword)),
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, lease, IdentifierName("TotalMilliseconds")));
                var arguments = invocation.ArgumentList.Arguments
                    .Add(Argument(LiteralExpression(SyntaxKind.StringLiteralExpression, Literal("PX"))))
                    .Add(Argument(milliseconds));
                editor.ReplaceNode(invocation, invocation.WithArgumentList(invocation.ArgumentList.WithArguments(arguments)));
                return true;
            }

            if (acquire.Expiry != null && acquire.ExpiryArgument?.Syntax is ArgumentSyntax written)
            {
                // null, TimeSpan.Zero, a local holding one …: the call now gets the lease instead.
                editor.ReplaceNode(written.Expression, lease.WithTriviaFrom(written.Expression));
                return true;
            }

            if (acquire.Expiry == null && !acquire.IsLockTake)
            {
                var argument = Argument(lease).WithNameColon(NameColon(IdentifierName("expiry")));
                var list = invocation.ArgumentList.Arguments;
                var firstNamed = list.IndexOf(a => a.NameColon != null);
                editor.ReplaceNode(invocation, invocation.WithArgumentList(invocation.ArgumentList.WithArguments(
                    firstNamed < 0 ? list.Add(argument) : list.Insert(firstNamed, argument))));
                return true;
            }

            return false;
        }

        /// <summary>
        /// The lease the method itself gives the lock, too late: a <c>KeyExpire(key, lease)</c> of the same key after the
        /// acquire (SET NX, then EXPIRE — a crash between them leaves the lock forever). The acquire takes that lease
        /// instead of a made-up 30 s, when it is a TimeSpan whose every local is declared before the acquire.
        /// </summary>
        private static ExpressionSyntax? OwnLease(SemanticModel semanticModel, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
        {
            var body = invocation.Ancestors().FirstOrDefault(a => a is BaseMethodDeclarationSyntax || a is AccessorDeclarationSyntax || a is LocalFunctionStatementSyntax || a is AnonymousFunctionExpressionSyntax);
            if (body == null || invocation.ArgumentList.Arguments.Count == 0)
                return null;
            var key = invocation.ArgumentList.Arguments[0].Expression.ToString();
            var timeSpan = semanticModel.Compilation.GetTypeByMetadataName("System.TimeSpan");
            foreach (var expire in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (expire.SpanStart <= invocation.Span.End
                    || !(expire.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "KeyExpire" or "KeyExpireAsync" })
                    || expire.ArgumentList.Arguments.Count < 2
                    || expire.ArgumentList.Arguments[0].Expression.ToString() != key)
                {
                    continue;
                }

                var lease = expire.ArgumentList.Arguments[1].Expression;
                var type = semanticModel.GetTypeInfo(lease, cancellationToken).Type;
                if (type == null || !(SymbolEqualityComparer.Default.Equals(type, timeSpan)
                        || (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable && SymbolEqualityComparer.Default.Equals(nullable.TypeArguments[0], timeSpan))))
                {
                    continue;
                }

                var localsDeclaredBefore = lease.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                    .Select(n => semanticModel.GetSymbolInfo(n, cancellationToken).Symbol)
                    .OfType<ILocalSymbol>()
                    .All(l => l.DeclaringSyntaxReferences.All(r => r.Span.End < invocation.SpanStart));
                if (localsDeclaredBefore)
                    return lease.WithoutTrivia();
            }

            return null;
        }

        private static ExpressionSyntax Seconds30() =>
            FixSyntax.StaticCall("System.TimeSpan", "FromSeconds", LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(30)));

        private static MemberDeclarationSyntax LeaseField(string name) =>
            FieldDeclaration(
                    VariableDeclaration(FixSyntax.ImportedType("System.TimeSpan"))
                        .WithVariables(SingletonSeparatedList(VariableDeclarator(name).WithInitializer(EqualsValueClause(Seconds30())))))
                .WithModifiers(TokenList(Token(SyntaxKind.PrivateKeyword), Token(SyntaxKind.StaticKeyword), Token(SyntaxKind.ReadOnlyKeyword)))
                .WithLeadingTrivia(Comment("// How long a lock outlives a holder that crashed; renew it (LockExtend) for longer work."), ElasticCarriageReturnLineFeed)
                .WithAdditionalAnnotations(Formatter.Annotation);

        /// <summary>LockLease, reused when the type already declares a static TimeSpan of that name; else a free variant.</summary>
        private static string LeaseFieldName(SemanticModel semanticModel, TypeDeclarationSyntax type, CancellationToken cancellationToken, out bool exists)
        {
            exists = false;
            var symbol = semanticModel.GetDeclaredSymbol(type, cancellationToken);
            for (var i = 1; ; i++)
            {
                var name = i == 1 ? LeaseName : LeaseName + i;
                var member = symbol?.GetMembers(name).FirstOrDefault();
                if (member == null)
                    return name;
                if (member is IFieldSymbol { IsStatic: true } field && field.Type.Name == "TimeSpan")
                {
                    exists = true;
                    return name;
                }
            }
        }
    }
}
