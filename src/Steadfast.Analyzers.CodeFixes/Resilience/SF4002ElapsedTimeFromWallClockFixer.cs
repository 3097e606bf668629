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
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4002 fix: start timestamps become <c>Stopwatch.GetTimestamp()</c> (or the type's TimeProvider),
    /// differences become <c>GetElapsedTime(start)</c>, deadlines become "elapsed &lt; timeout".
    /// Offered only where every use of the converted locals can be rewritten with them.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SF4002ElapsedTimeFromWallClockFixer)), Shared]
    public sealed class SF4002ElapsedTimeFromWallClockFixer : CodeFixProvider
    {
        public const string EquivalenceKey = "SF4002.UseMonotonicClock";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.ElapsedTimeFromWallClock);

        public override FixAllProvider GetFixAllProvider() =>
            FixAllProvider.Create(async (context, document, diagnostics) =>
                await RewriteAsync(document, diagnostics.Select(d => d.Location.SourceSpan), context.CancellationToken).ConfigureAwait(false));

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var diagnostic = context.Diagnostics[0];
            var spans = new[] { diagnostic.Location.SourceSpan };
            var plan = await PrepareAsync(context.Document, spans, context.CancellationToken).ConfigureAwait(false);
            string title;
            if (plan != null)
            {
                title = plan.Clock.UsesTimeProvider ? "Measure with the TimeProvider's timestamps"
                    : plan.Clock.UsesStopwatchInstance ? "Measure with a Stopwatch"
                    : "Measure with Stopwatch.GetTimestamp/GetElapsedTime";
            }
            else
            {
                var members = await PrepareMembersAsync(context.Document, spans, null, null, context.CancellationToken).ConfigureAwait(false);
                if (members != null && members.Count > 0)
                {
                    title = "Keep the stamp as a monotonic timestamp";
                }
                else
                {
                    var companions = await PrepareCompanionsAsync(context.Document, spans, new HashSet<ISymbol>(SymbolEqualityComparer.Default), context.CancellationToken).ConfigureAwait(false);
                    if (companions == null)
                        return;
                    title = "Measure from a monotonic timestamp read with the stamp";
                }
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    title,
                    async ct => await RewriteAsync(context.Document, spans, ct).ConfigureAwait(false) ?? context.Document,
                    EquivalenceKey),
                diagnostic);
        }

        private sealed class Prepared
        {
            public Prepared(SemanticModel semanticModel, WallClockModel model, SyntaxNode root, MonotonicClock clock, List<WallClockRewritePlan.Site> sites)
            {
                SemanticModel = semanticModel;
                Model = model;
                Root = root;
                Clock = clock;
                Sites = sites;
            }

            public SemanticModel SemanticModel { get; }
            public WallClockModel Model { get; }
            public SyntaxNode Root { get; }
            public MonotonicClock Clock { get; }
            public List<WallClockRewritePlan.Site> Sites { get; }
        }

        private static async Task<Prepared?> PrepareAsync(Document document, IEnumerable<TextSpan> spans, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;
            var model = WallClockModel.Create(semanticModel.Compilation);
            if (model == null)
                return null;

            // Group the flagged operations by the body they live in: each body gets its own plan.
            var byBody = new Dictionary<IOperation, List<IOperation>>();
            foreach (var span in spans)
            {
                var node = root.FindNode(span, getInnermostNodeForTie: true);
                var operation = semanticModel.GetOperation(node, cancellationToken);
                if (operation == null)
                    continue;
                var body = WallClockModel.GetBody(operation);
                if (!byBody.TryGetValue(body, out var list))
                    byBody[body] = list = new List<IOperation>();
                list.Add(operation);
            }

            var sites = new List<WallClockRewritePlan.Site>();
            MonotonicClock? clock = null;
            foreach (var pair in byBody)
            {
                var plan = WallClockRewritePlan.Create(model, pair.Key, cancellationToken);
                var bodySites = plan.SitesToFix(pair.Value);
                if (bodySites.Count == 0)
                    continue;
                clock = clock ?? MonotonicClock.Find(semanticModel, pair.Value[0].Syntax.SpanStart, cancellationToken);
                sites.AddRange(bodySites);
            }

            // A running Stopwatch measures from its own start only: "end - start" between two reads has no form there.
            if (clock != null && clock.UsesStopwatchInstance && sites.Any(s => s.Kind == WallClockRewritePlan.SiteKind.ElapsedBetween))
                return null;
            return sites.Count == 0 || clock == null ? null : new Prepared(semanticModel, model, root, clock, sites);
        }

        private static async Task<Document?> RewriteAsync(Document document, IEnumerable<TextSpan> spans, CancellationToken cancellationToken)
        {
            // Spans the locals-only rewrite fixes go there; the rest are tried as stamps kept in members.
            var localSpans = new List<TextSpan>();
            var memberSpans = new List<TextSpan>();
            foreach (var span in spans)
            {
                if (await PrepareAsync(document, new[] { span }, cancellationToken).ConfigureAwait(false) != null)
                    localSpans.Add(span);
                else
                    memberSpans.Add(span);
            }

            var prepared = localSpans.Count == 0 ? null : await PrepareAsync(document, localSpans, cancellationToken).ConfigureAwait(false);
            var convertedLocals = prepared == null ? new HashSet<ISymbol>(SymbolEqualityComparer.Default)
                : new HashSet<ISymbol>(prepared.Sites.SelectMany(s => new[] { s.Start, s.End }).Where(l => l != null).Cast<ISymbol>(), SymbolEqualityComparer.Default);
            var companionSpans = new List<TextSpan>();
            var memberPlans = memberSpans.Count == 0 ? null : await PrepareMembersAsync(document, memberSpans, convertedLocals, companionSpans, cancellationToken).ConfigureAwait(false);

            // What neither rewrite converts is measured from companion timestamps, away from the variables those convert.
            var taken = new HashSet<ISymbol>(convertedLocals, SymbolEqualityComparer.Default);
            if (memberPlans != null)
                taken.UnionWith(memberPlans.SelectMany(p => p.Variables));
            var companions = companionSpans.Count == 0 ? null : await PrepareCompanionsAsync(document, companionSpans, taken, cancellationToken).ConfigureAwait(false);
            if (prepared == null && (memberPlans == null || memberPlans.Count == 0) && companions == null)
                return null;

            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            if (memberPlans != null && memberPlans.Count > 0)
                await RewriteMembersAsync(editor, document, memberPlans, cancellationToken).ConfigureAwait(false);
            if (companions != null)
                await RewriteCompanionsAsync(editor, document, companions, cancellationToken).ConfigureAwait(false);
            if (prepared == null)
                return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
            var clock = prepared.Clock;
            var newNames = new Dictionary<ILocalSymbol, string>(SymbolEqualityComparer.Default);

            // Declarations first: each converted local now holds a timestamp (deadlines are renamed: they hold the start).
            foreach (var local in prepared.Sites.SelectMany(s => new[] { s.Start, s.End }).Where(l => l != null).Distinct(SymbolEqualityComparer.Default).Cast<ILocalSymbol>())
            {
                if (!(local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax declarator)
                    || !(declarator.Parent is VariableDeclarationSyntax declaration) || declarator.Initializer == null)
                {
                    return null;
                }

                var isDeadline = prepared.Sites.Any(s => s.Kind == WallClockRewritePlan.SiteKind.DeadlineLocal && SymbolEqualityComparer.Default.Equals(s.Start, local));
                var name = isDeadline ? FixSyntax.FreeName(prepared.SemanticModel, declarator.SpanStart, local.Name + "Start") : local.Name;
                newNames[local] = name;

                var newDeclarator = declarator
                    .WithIdentifier(Identifier(name).WithTriviaFrom(declarator.Identifier))
                    .WithInitializer(declarator.Initializer.WithValue(clock.GetTimestamp().WithTriviaFrom(declarator.Initializer.Value)));
                var type = declaration.Type.IsVar ? declaration.Type : clock.TimestampType().WithTriviaFrom(declaration.Type);
                editor.ReplaceNode(declaration, declaration.WithType(type).WithVariables(SingletonSeparatedList(newDeclarator)));
            }

            foreach (var site in prepared.Sites)
            {
                var start = IdentifierName(newNames[site.Start]);
                switch (site.Kind)
                {
                    case WallClockRewritePlan.SiteKind.ElapsedSinceStart:
                        ReplaceExpression(editor, site.Operation.Syntax, clock.GetElapsedTime(start));
                        break;
                    case WallClockRewritePlan.SiteKind.ElapsedBetween:
                        ReplaceExpression(editor, site.Operation.Syntax, clock.GetElapsedTime(start, IdentifierName(newNames[site.End!])));
                        break;
                    case WallClockRewritePlan.SiteKind.InlineDeadline:
                        ReplaceComparison(editor, site, clock.GetElapsedTime(start), Offset(site.Offset!, site.OffsetUnit));
                        break;
                    case WallClockRewritePlan.SiteKind.DeadlineLocal:
                        var initializer = DeadlineInitializer(prepared.SemanticModel, site.Start, cancellationToken);
                        if (initializer == null || !prepared.Model.TryGetDeadlineParts(initializer, out _, out var offset, out var unit))
                            return null;
                        ReplaceComparison(editor, site, clock.GetElapsedTime(start), Offset(offset, unit));
                        break;
                }
            }

            return await FixSyntax.CleanUpAsync(editor.GetChangedDocument(), cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Plans for stamps kept in members, one per flagged span that has one; plans sharing a variable are the same
        /// closure and are kept once. Null when a span's plan would touch a local the locals-only rewrite converts.
        /// </summary>
        private static async Task<List<StampMemberPlan>?> PrepareMembersAsync(Document document, IEnumerable<TextSpan> spans, HashSet<ISymbol>? convertedLocals,
            List<TextSpan>? unplanned, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;
            var model = WallClockModel.Create(semanticModel.Compilation);
            if (model == null || semanticModel.Compilation.GetTypeByMetadataName(WellKnownTypeNames.SystemDiagnosticsStopwatch) == null)
                return null;

            var identifiers = StampMemberPlan.IndexIdentifiers(root);
            var plans = new List<StampMemberPlan>();
            var planned = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var span in spans)
            {
                var operation = semanticModel.GetOperation(root.FindNode(span, getInnermostNodeForTie: true), cancellationToken);
                if (operation == null)
                {
                    unplanned?.Add(span);
                    continue;
                }

                var plan = StampMemberPlan.Create(model, semanticModel, root, identifiers, operation, cancellationToken);
                if (plan == null)
                    unplanned?.Add(span);
                if (plan == null || plan.Variables.Any(v => planned.Contains(v)))
                    continue;
                if (convertedLocals != null && plan.Variables.Any(v => convertedLocals.Contains(v)))
                    continue;
                planned.UnionWith(plan.Variables);
                plans.Add(plan);
            }

            return plans;
        }

        /// <summary>Declarations become <c>long</c>, readings timestamps, differences and deadlines elapsed times.</summary>
        private static async Task RewriteMembersAsync(DocumentEditor editor, Document document, List<StampMemberPlan> plans, CancellationToken cancellationToken)
        {
            var semanticModel = editor.SemanticModel;
            var everyTargetHasGetElapsedTime = await EveryTargetHasAsync(document, "GetElapsedTime", cancellationToken).ConfigureAwait(false);
            var helpers = new Dictionary<(ISymbol Owner, bool Instance), string>();
            var takenNames = new HashSet<string>();
            foreach (var plan in plans)
            {
                var clock = StampClock.Choose(semanticModel, plan, everyTargetHasGetElapsedTime, cancellationToken);
                foreach (var variable in plan.Variables)
                {
                    var declaration = variable.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                    var type = declaration switch
                    {
                        VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax variables } => variables.Type,
                        PropertyDeclarationSyntax property => property.Type,
                        _ => null,
                    };
                    if (type != null && !type.IsVar)
                    {
                        var timestamp = plan.IsNever(variable) ? NullableType(StampClock.TimestampType()) : StampClock.TimestampType();
                        editor.ReplaceNode(type, timestamp.WithTriviaFrom(type));
                    }
                }

                // "Never stamped" members measure through one helper per type: null reads as infinitely long ago.
                string ElapsedHelper(ISymbol member)
                {
                    var key = (member.ContainingType, clock.UsesTimeProvider);
                    if (helpers.TryGetValue(key, out var existing))
                        return existing;
                    var name = "ElapsedSince";
                    for (var i = 2; member.ContainingType.GetMembers(name).Any() || takenNames.Contains(name); i++)
                        name = "ElapsedSince" + i;
                    takenNames.Add(name);
                    helpers[key] = name;
                    var typeDeclaration = member.ContainingType.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                    editor.AddMember(typeDeclaration, clock.NeverHelper(name));
                    return name;
                }

                ExpressionSyntax Elapsed(StampMemberPlan.Use use) =>
                    use.StartSymbol != null && plan.IsNever(use.StartSymbol)
                        ? InvocationExpression(IdentifierName(ElapsedHelper(use.StartSymbol)), ArgumentList(SingletonSeparatedList(Argument(use.Start!.WithoutTrivia()))))
                        : clock.ElapsedSince(use.Start!.WithoutTrivia());

                foreach (var use in plan.Uses)
                {
                    switch (use.Kind)
                    {
                        case StampMemberPlan.UseKind.Write:
                            editor.ReplaceNode(use.Node, clock.GetTimestamp().WithTriviaFrom(use.Node));
                            break;
                        case StampMemberPlan.UseKind.NeverWrite when use.Node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }:
                            // A field starts as null anyway: "= DateTime.MinValue" goes rather than becoming "= null".
                            editor.ReplaceNode(declarator, declarator.WithInitializer(null).WithIdentifier(declarator.Identifier.WithoutTrivia()));
                            break;
                        case StampMemberPlan.UseKind.NeverWrite:
                        case StampMemberPlan.UseKind.NeverCheck:
                            editor.ReplaceNode(use.Node, LiteralExpression(SyntaxKind.NullLiteralExpression).WithTriviaFrom(use.Node));
                            break;
                        case StampMemberPlan.UseKind.ElapsedSince:
                            editor.ReplaceNode(use.Node, Elapsed(use).WithTriviaFrom(use.Node));
                            break;
                        case StampMemberPlan.UseKind.ElapsedBetween:
                            editor.ReplaceNode(use.Node, clock.ElapsedBetween(use.Start!.WithoutTrivia(), use.End!.WithoutTrivia()).WithTriviaFrom(use.Node));
                            break;
                        case StampMemberPlan.UseKind.Deadline:
                            var comparison = (BinaryExpressionSyntax)use.Node;
                            var clockOnLeft = comparison.Left.Span.Contains(use.ClockSide!.Span);
                            var elapsed = Elapsed(use);
                            var offset = Offset(use.Offset!, use.Unit);
                            editor.ReplaceNode(comparison, comparison
                                .WithLeft((clockOnLeft ? elapsed : offset).WithTriviaFrom(comparison.Left))
                                .WithRight((clockOnLeft ? offset : elapsed).WithTriviaFrom(comparison.Right)));
                            break;
                    }
                }
            }
        }

        private static async Task<CompanionStampPlan?> PrepareCompanionsAsync(Document document, IEnumerable<TextSpan> spans, ISet<ISymbol> taken, CancellationToken cancellationToken)
        {
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root == null || semanticModel == null)
                return null;
            var model = WallClockModel.Create(semanticModel.Compilation);
            if (model == null || semanticModel.Compilation.GetTypeByMetadataName(WellKnownTypeNames.SystemDiagnosticsStopwatch) == null)
                return null;
            var flagged = spans
                .Select(span => semanticModel.GetOperation(root.FindNode(span, getInnermostNodeForTie: true), cancellationToken))
                .Where(operation => operation != null)
                .Cast<IOperation>()
                .ToList();
            return CompanionStampPlan.Create(model, semanticModel, flagged, taken, cancellationToken);
        }

        /// <summary>
        /// Each stamp local gets a timestamp read right after it (or becomes one, when the measurements were its only
        /// uses); a deadline local gets its start; every measurement is made from those timestamps.
        /// </summary>
        private static async Task RewriteCompanionsAsync(DocumentEditor editor, Document document, CompanionStampPlan plan, CancellationToken cancellationToken)
        {
            var semanticModel = editor.SemanticModel;
            var everyTargetHasGetElapsedTime = await EveryTargetHasAsync(document, "GetElapsedTime", cancellationToken).ConfigureAwait(false);
            var siteSpans = plan.Sites.Select(s => s.Node.Span).ToList();
            var removed = new List<TextSpan>();
            var names = new Dictionary<ILocalSymbol, string>(SymbolEqualityComparer.Default);
            var clocks = new Dictionary<ILocalSymbol, StampClock>(SymbolEqualityComparer.Default);
            var takenNames = new HashSet<string>();

            StampClock ClockFor(ILocalSymbol local, int position)
            {
                if (!clocks.TryGetValue(local, out var clock))
                {
                    var provider = MonotonicClock.Find(semanticModel, position, cancellationToken)?.TimeProvider;
                    clocks[local] = clock = StampClock.For(provider, everyTargetHasGetElapsedTime);
                }

                return clock;
            }

            // Writes of a stamp count as measured: they are stamped with the clock as well.
            bool OnlyMeasured(ILocalSymbol local) =>
                WallClockModel.References(local, plan.BodyOf(local)).All(r =>
                    siteSpans.Any(span => span.Contains(r.Syntax.Span)) || removed.Any(span => span.Contains(r.Syntax.Span))
                    || (!plan.IsDeadline(local) && r.Parent is ISimpleAssignmentOperation assignment && assignment.Target == r));

            string NewName(VariableDeclaratorSyntax declarator, string baseName)
            {
                var name = FixSyntax.FreeName(semanticModel, declarator.SpanStart, baseName);
                for (var i = 2; takenNames.Contains(name); i++)
                    name = FixSyntax.FreeName(semanticModel, declarator.SpanStart, baseName + i);
                takenNames.Add(name);
                return name;
            }

            void Declare(ILocalSymbol local, VariableDeclaratorSyntax declarator, string name, bool replace)
            {
                var declaration = (VariableDeclarationSyntax)declarator.Parent!;
                var statement = (LocalDeclarationStatementSyntax)declaration.Parent!;
                var timestamp = ClockFor(local, declarator.SpanStart).GetTimestamp();
                if (replace)
                {
                    var type = declaration.Type.IsVar ? declaration.Type : StampClock.TimestampType().WithTriviaFrom(declaration.Type);
                    var newDeclarator = declarator
                        .WithIdentifier(Identifier(name).WithTriviaFrom(declarator.Identifier))
                        .WithInitializer(declarator.Initializer!.WithValue(timestamp.WithTriviaFrom(declarator.Initializer.Value)));
                    editor.ReplaceNode(declaration, declaration.WithType(type).WithVariables(SingletonSeparatedList(newDeclarator)));
                    return;
                }

                var companion = LocalDeclarationStatement(VariableDeclaration(
                        declaration.Type.IsVar ? IdentifierName("var") : StampClock.TimestampType(),
                        SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(timestamp)))))
                    .WithAdditionalAnnotations(Formatter.Annotation);
                editor.InsertAfter(statement, companion);
            }

            // Deadlines first: a deadline local only compared with the clock goes, and with it its use of the start stamp.
            foreach (var local in plan.Locals.Where(plan.IsDeadline).ToList())
            {
                var declarator = plan.DeclarationOf(local)!;
                var onlyMeasured = OnlyMeasured(local);
                if (plan.DeadlineStartLocal(local) != null)
                {
                    if (onlyMeasured)
                    {
                        var statement = declarator.Parent!.Parent!;
                        // Its line goes with it, unless a comment or directive sits above it.
                        var plainLine = statement.GetLeadingTrivia().All(t => t.IsKind(SyntaxKind.WhitespaceTrivia) || t.IsKind(SyntaxKind.EndOfLineTrivia));
                        editor.RemoveNode(statement, plainLine ? SyntaxRemoveOptions.KeepNoTrivia : SyntaxRemoveOptions.KeepLeadingTrivia | SyntaxRemoveOptions.KeepUnbalancedDirectives);
                        removed.Add(statement.Span);
                    }

                    continue;
                }

                names[local] = NewName(declarator, local.Name + "Start");
                Declare(local, declarator, names[local], onlyMeasured);
            }

            foreach (var local in plan.Locals.Where(l => !plan.IsDeadline(l)).ToList())
            {
                var declarator = plan.DeclarationOf(local)!;
                var onlyMeasured = OnlyMeasured(local);
                names[local] = onlyMeasured ? local.Name : NewName(declarator, local.Name + "Timestamp");
                Declare(local, declarator, names[local], onlyMeasured);

                // Stamped again later: the timestamp is read again there too.
                foreach (var write in plan.Rewrites(local))
                {
                    var timestamp = ClockFor(local, write.SpanStart).GetTimestamp();
                    var assignment = (AssignmentExpressionSyntax)write.Expression;
                    if (onlyMeasured)
                    {
                        editor.ReplaceNode(assignment.Right, timestamp.WithTriviaFrom(assignment.Right));
                    }
                    else
                    {
                        editor.InsertAfter(write, ExpressionStatement(AssignmentExpression(SyntaxKind.SimpleAssignmentExpression, IdentifierName(names[local]), timestamp))
                            .WithAdditionalAnnotations(Formatter.Annotation));
                    }
                }
            }

            foreach (var site in plan.Sites)
            {
                var startLocal = plan.DeadlineStartLocal(site.Start) ?? site.Start;
                var clock = ClockFor(startLocal, site.Node.SpanStart);
                var start = IdentifierName(names[startLocal]);
                switch (site.Kind)
                {
                    case CompanionStampPlan.SiteKind.ElapsedSince:
                        editor.ReplaceNode(site.Node, InUnit(clock.ElapsedSince(start), site.Unit).WithTriviaFrom(site.Node));
                        break;
                    case CompanionStampPlan.SiteKind.ElapsedBetween:
                        editor.ReplaceNode(site.Node, InUnit(clock.ElapsedBetween(start, IdentifierName(names[site.End!])), site.Unit).WithTriviaFrom(site.Node));
                        break;
                    case CompanionStampPlan.SiteKind.Remaining:
                        var remaining = ParenthesizedExpression(BinaryExpression(SyntaxKind.SubtractExpression, CompanionOffset(site), InUnit(clock.ElapsedSince(start), site.Unit)))
                            .WithAdditionalAnnotations(Simplifier.Annotation);
                        editor.ReplaceNode(site.Node, remaining.WithTriviaFrom(site.Node));
                        break;
                    case CompanionStampPlan.SiteKind.Deadline:
                        var comparison = (BinaryExpressionSyntax)site.Node;
                        var clockOnLeft = comparison.Left.Span.Contains(site.ClockSide!.Span);
                        var elapsed = InUnit(clock.ElapsedSince(start), site.Unit);
                        var offset = CompanionOffset(site);
                        editor.ReplaceNode(comparison, comparison
                            .WithLeft((clockOnLeft ? elapsed : offset).WithTriviaFrom(comparison.Left))
                            .WithRight((clockOnLeft ? offset : elapsed).WithTriviaFrom(comparison.Right)));
                        break;
                }
            }
        }

        /// <summary>
        /// The elapsed TimeSpan in the stamp's unit: <c>.Ticks</c> (divided as the stamp was), or whole Unix milliseconds or
        /// seconds; in parentheses the clean-up drops where they are not needed.
        /// </summary>
        private static ExpressionSyntax InUnit(ExpressionSyntax elapsed, CompanionStampPlan.Unit unit)
        {
            ExpressionSyntax Member(string name) => MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, elapsed, IdentifierName(name));
            ExpressionSyntax Whole(string name) => CastExpression(PredefinedType(Token(SyntaxKind.LongKeyword)), Member(name));
            ExpressionSyntax value;
            switch (unit.Kind)
            {
                case "Ticks" when unit.DivisorSyntax != null:
                    var divisor = unit.DivisorSyntax.WithoutTrivia();
                    value = BinaryExpression(SyntaxKind.DivideExpression, Member("Ticks"),
                        divisor is LiteralExpressionSyntax || divisor is IdentifierNameSyntax || divisor is MemberAccessExpressionSyntax ? divisor : ParenthesizedExpression(divisor));
                    break;
                case "Ticks":
                    return Member("Ticks");
                case "UnixMilliseconds":
                    value = Whole("TotalMilliseconds");
                    break;
                case "UnixSeconds":
                    value = Whole("TotalSeconds");
                    break;
                default:
                    return elapsed;
            }

            return ParenthesizedExpression(value).WithAdditionalAnnotations(Simplifier.Annotation);
        }

        private static ExpressionSyntax CompanionOffset(CompanionStampPlan.Site site)
        {
            var syntax = site.Offset!.WithoutTrivia();
            if (site.OffsetUnit != null)
            {
                return InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression,
                        ParseTypeName("System.TimeSpan").WithAdditionalAnnotations(Simplifier.Annotation), IdentifierName("From" + site.OffsetUnit)),
                    ArgumentList(SingletonSeparatedList(Argument(syntax))));
            }

            return syntax is IdentifierNameSyntax || syntax is LiteralExpressionSyntax || syntax is MemberAccessExpressionSyntax || syntax is InvocationExpressionSyntax
                || syntax is ParenthesizedExpressionSyntax
                ? syntax
                : ParenthesizedExpression(syntax).WithAdditionalAnnotations(Simplifier.Annotation);
        }

        /// <summary>
        /// Whether Stopwatch has the member in this compilation and in every other target the file is compiled for (a
        /// multi-targeted project opens once per target framework).
        /// </summary>
        private static async Task<bool> EveryTargetHasAsync(Document document, string member, CancellationToken cancellationToken)
        {
            var projects = new List<Project> { document.Project };
            if (document.FilePath != null)
            {
                foreach (var id in document.Project.Solution.GetDocumentIdsWithFilePath(document.FilePath))
                {
                    if (id.ProjectId != document.Project.Id && document.Project.Solution.GetProject(id.ProjectId) is { } sibling)
                        projects.Add(sibling);
                }
            }

            foreach (var project in projects)
            {
                var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
                if (compilation == null || !FixCompilation.HasMember(compilation, WellKnownTypeNames.SystemDiagnosticsStopwatch, member))
                    return false;
            }

            return true;
        }

        /// <summary>Replaces the expression, swallowing the parentheses around it: <c>(now - start).TotalSeconds</c> → <c>GetElapsedTime(start).TotalSeconds</c>.</summary>
        private static void ReplaceExpression(SyntaxEditor editor, SyntaxNode syntax, ExpressionSyntax replacement)
        {
            var target = syntax.Parent is ParenthesizedExpressionSyntax parenthesized ? parenthesized : syntax;
            editor.ReplaceNode(target, replacement.WithTriviaFrom(target));
        }

        private static void ReplaceComparison(SyntaxEditor editor, WallClockRewritePlan.Site site, ExpressionSyntax elapsed, ExpressionSyntax offset)
        {
            var comparison = (BinaryExpressionSyntax)site.Operation.Syntax;
            var clockOnLeft = comparison.Left.Span.Contains(site.ClockSide!.Syntax.Span);
            var rewritten = comparison
                .WithLeft((clockOnLeft ? elapsed : offset).WithTriviaFrom(comparison.Left))
                .WithRight((clockOnLeft ? offset : elapsed).WithTriviaFrom(comparison.Right));
            editor.ReplaceNode(comparison, rewritten);
        }

        /// <summary>The timeout as a TimeSpan: <c>AddSeconds(5)</c> gives <c>TimeSpan.FromSeconds(5)</c>.</summary>
        private static ExpressionSyntax Offset(IOperation offset, string? unit)
        {
            var syntax = ((ExpressionSyntax)offset.Syntax).WithoutTrivia();
            if (unit != null)
            {
                return InvocationExpression(
                        MemberAccessExpression(
                        SyntaxKind.SimpleMemberAccessExpression,
                        ParseTypeName("System.TimeSpan").WithAdditionalAnnotations(Simplifier.Annotation),
                        IdentifierName("From" + unit)),
                    ArgumentList(SingletonSeparatedList(Argument(syntax))));
            }

            return syntax is ConditionalExpressionSyntax || syntax is AssignmentExpressionSyntax || syntax is LambdaExpressionSyntax
                ? ParenthesizedExpression(syntax)
                : syntax;
        }

        private static IOperation? DeadlineInitializer(SemanticModel semanticModel, ILocalSymbol local, CancellationToken cancellationToken) =>
            local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer: { } initializer }
                ? semanticModel.GetOperation(initializer.Value, cancellationToken)
                : null;
    }
}
