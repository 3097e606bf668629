using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3001: a Dictionary, List, HashSet, Queue, Stack … (or a number changed with ++/--/+=) mutated
    /// without a lock from code that runs concurrently with other use of it: delegates handed to
    /// Task.Run, Parallel.*, threads, the thread pool and timers (and the type's methods they call), and,
    /// by framework contract, static state changed by controllers, hubs, gRPC services, middleware,
    /// hosted services and minimal-API handlers (outside their start-up code).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the <see cref="StateKind"/> of the state, for the fix.</summary>
        public const string KindProperty = "Kind";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.NonThreadSafeStateMutatedConcurrently,
            title: "Non-thread-safe state mutated concurrently",
            messageFormat: "'{0}' ({1}) is not thread-safe but is changed here by {2} while other code can use it at the same time; use a concurrent type, Interlocked or a lock",
            description: "Dictionary, List, HashSet, Queue, Stack and the other System.Collections.Generic collections, and read-modify-write operations such as ++ and += on numbers, are not safe to use from several threads at once. Changed concurrently they lose updates, throw, return wrong results or loop forever. Use a Concurrent* collection, Interlocked, or take a lock around every access.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = SharedStateModel.Create(start.Compilation);
                if (model == null)
                    return;
                var mentions = new ConcurrencyMentions(start.Compilation);
                var singletons = new SingletonRegistrations(start.Compilation);
                var application = new RequestServingApplication(model);

                start.RegisterSymbolStartAction(symbolStart =>
                {
                    var type = (INamedTypeSymbol)symbolStart.Symbol;
                    if (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct)
                        return;
                    // Most types (DTOs, validators, mappers …) start no concurrent work and serve no requests: rule
                    // them out from their symbol and source text before any operation tree is built.
                    var serving = type.IsStatic ? null : model.GetServingDescription(type);
                    var singleton = serving == null ? singletons.GetDescription(type, symbolStart.CancellationToken) : null;
                    var sharedStatics = application.GetDescription(type, symbolStart.CancellationToken);
                    if (serving == null && singleton == null && sharedStatics == null && !mentions.MayStartConcurrentWork(type, symbolStart.CancellationToken))
                        return;
                    var blocks = new ConcurrentBag<MemberBlock>();
                    symbolStart.RegisterOperationBlockAction(block =>
                    {
                        if (!SymbolEqualityComparer.Default.Equals(block.OwningSymbol.ContainingType, type))
                            return;
                        foreach (var root in block.OperationBlocks)
                            blocks.Add(new MemberBlock(block.OwningSymbol, root));
                    });
                    symbolStart.RegisterSymbolEndAction(end => AnalyzeType(end, model, type, serving, singleton, sharedStatics, application, blocks.ToImmutableArray()));
                }, SymbolKind.NamedType);
            });
        }

        private static void AnalyzeType(SymbolAnalysisContext context, SharedStateModel model, INamedTypeSymbol type, string? serving, string? singleton, string? sharedStatics, RequestServingApplication application, ImmutableArray<MemberBlock> blocks)
        {
            if (blocks.IsEmpty)
                return;
            // When the symbols find no starter (a name only looked like one: job.Run(), list.ForEach(…)), nothing is
            // left to report but, in a request-serving type, changes to static state (see Why).
            var analysis = ConcurrencyAnalysis.Create(model, type, blocks, withContexts: true, context.CancellationToken,
                singleton != null ? WithoutContexts.AllAccesses : serving == null && sharedStatics == null ? WithoutContexts.Nothing : WithoutContexts.StaticStateOnly);
            if (analysis.Contexts.Count == 0 && serving == null && singleton == null && sharedStatics == null)
                return;

            var callSites = new OwnCallSites(model, type, blocks);

            var reported = new HashSet<IOperation>();
            foreach (var byState in analysis.Accesses.GroupBy(a => a.State, SymbolEqualityComparer.Default))
            {
                var state = byState.Key!;
                if (model.IsThreadStatic(state))
                    continue;
                var accesses = byState.ToList();

                // Fields guarded by a lock statement somewhere are SF3002's: it names the lock to take.
                if (IsOwnField(state, type) && accesses.Any(a => a.Guard.Lock != null))
                    continue;

                foreach (var access in accesses)
                {
                    if (access.Mutation == null || access.Guard.IsGuarded || reported.Contains(access.Mutation))
                        continue;
                    // Serialized by every caller's lock, or confined to the thread the method re-dispatches itself to.
                    if (callSites.IsGuardedByCallers(access.Owner) || callSites.IsAfterSelfRedispatch(access.Reference, access.Owner))
                        continue;
                    // [MethodImpl(MethodImplOptions.Synchronized)] on every member that touches it: the runtime locks around each.
                    if (IsSynchronized(access.Owner) && accesses.All(a => IsSynchronized(a.Owner) || IsTypeInitialization(a)))
                        continue;
                    var why = Why(access, accesses, serving, singleton, sharedStatics, type, callSites);
                    // A static registry filled only by start-up code is complete before the first request. With no call in
                    // this project (a library's public method), only a runtime-cache shape counts: a check of the same
                    // collection before the change in that method, or an eviction.
                    if (why != null && ReferenceEquals(why, sharedStatics))
                    {
                        var when = application.WhenCalled(access.Owner, context.CancellationToken);
                        if (when == CallTime.StartupOnly || when == CallTime.Unknown && !IsCacheUse(access, accesses))
                            continue;
                    }
                    if (why == null)
                        continue;
                    reported.Add(access.Mutation);
                    context.ReportDiagnostic(Diagnostic.Create(
                        Rule,
                        access.Mutation.Syntax.GetLocation(),
                        ImmutableDictionary<string, string?>.Empty.Add(KindProperty, access.Kind.ToString()),
                        state.Name,
                        SharedStateModel.TypeOf(state)!.ToMinimalDisplayString(access.Reference.SemanticModel!, access.Reference.Syntax.SpanStart),
                        why));
                }
            }
        }

        private static readonly ImmutableHashSet<string> Evictions = ImmutableHashSet.Create(
            "Remove", "RemoveAt", "RemoveAll", "RemoveRange", "RemoveWhere", "Clear", "Dequeue", "TryDequeue", "Pop", "TryPop", "TryRemove");

        /// <summary>
        /// The change is how a cache or counter is used at run time: the same method reads the collection before changing
        /// it (<c>if (!_keys.Contains(k)) _keys.Add(k)</c>, <c>if (_map.Any()) return _map;</c> then a fill), it evicts, or it
        /// moves a number.
        /// </summary>
        private static bool IsCacheUse(StateAccess mutation, List<StateAccess> accesses)
        {
            // A counter moved at run time (a round-robin index, a hit count); an eviction.
            if (mutation.Kind == StateKind.Numeric
                || mutation.Mutation is IInvocationOperation { TargetMethod: { Name: var name } } && Evictions.Contains(name))
                return true;
            var tree = mutation.Reference.Syntax.SyntaxTree;
            var at = mutation.Reference.Syntax.SpanStart;
            return accesses.Any(a => a.Mutation == null && !a.IsWrite
                && SymbolEqualityComparer.Default.Equals(a.Owner, mutation.Owner)
                && a.Reference.Syntax.SyntaxTree == tree && a.Reference.Syntax.SpanStart < at);
        }

        private static bool IsSynchronized(ISymbol owner) =>
            owner is IMethodSymbol method && method.GetAttributes().Any(a => a.AttributeClass?.Name == "MethodImplAttribute"
                && a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value is { } options
                && (System.Convert.ToInt32(options, System.Globalization.CultureInfo.InvariantCulture) & (int)System.Runtime.CompilerServices.MethodImplOptions.Synchronized) != 0);

        private static bool IsOwnField(ISymbol state, INamedTypeSymbol type) =>
            state is IFieldSymbol field && SymbolEqualityComparer.Default.Equals(field.ContainingType, type);

        /// <summary>The concurrent code that makes this mutation a race, or null when there is none.</summary>
        private static string? Why(StateAccess mutation, List<StateAccess> accesses, string? serving, string? singleton, string? sharedStatics, INamedTypeSymbol type, OwnCallSites callSites)
        {
            // A thread started only from a private method nothing calls is never started.
            // In source order of the starts, so the message names the same start whatever order the callbacks ran in.
            var contexts = mutation.Contexts.Where(c => !callSites.IsNeverStarted(c))
                .OrderBy(c => c.Starter.Operation.Syntax.SyntaxTree.FilePath, System.StringComparer.Ordinal)
                .ThenBy(c => c.Starter.Operation.Syntax.SpanStart)
                .ToList();
            foreach (var context in contexts)
            {
                if (context.SelfConcurrent)
                    return context.Description;
                foreach (var other in contexts)
                {
                    if (!ReferenceEquals(other, context) && context.ConcurrentWith(other))
                        return context.Description;
                }
            }

            foreach (var other in accesses.OrderBy(a => a.Reference.Syntax.SyntaxTree.FilePath, System.StringComparer.Ordinal).ThenBy(a => a.Reference.Syntax.SpanStart))
            {
                if (ReferenceEquals(other, mutation) || !Conflicts(mutation, other))
                    continue;
                foreach (var context in contexts)
                {
                    if (IsBeforePublication(other, context))
                        continue;
                    if (other.Ordinary && !context.Joined && (!ConcurrencyAnalysis.IsBeforeStart(other, context) || HandsOffPerCall(other, context)))
                        return context.Description;
                    foreach (var otherContext in other.Contexts)
                    {
                        if (!callSites.IsNeverStarted(otherContext) && !mutation.Contexts.Contains(otherContext) && context.ConcurrentWith(otherContext))
                            return context.Description;
                    }
                }
            }

            // By framework contract: request-serving instances run their members concurrently, so static state they change is shared.
            if (serving != null && IsStaticMember(mutation.State) && !IsTypeInitialization(mutation) && !SharedStateModel.IsStartupCode(mutation.Owner))
                return serving;

            // In a server application any code can run on several request threads at once: static state it changes after
            // type initialisation (a static cache filled on first use, a round-robin counter) is shared by them.
            if (sharedStatics != null && IsStaticMember(mutation.State) && !IsTypeInitialization(mutation) && !SharedStateModel.IsStartupCode(mutation.Owner)
                && mutation.Owner is IMethodSymbol { MethodKind: not MethodKind.StaticConstructor })
                return sharedStatics;

            // One singleton instance serves every request: its own state changed outside construction is shared by them.
            if (singleton != null && IsOwnInstanceState(mutation.State, type) && !IsTypeInitialization(mutation)
                && mutation.Owner is IMethodSymbol { MethodKind: not MethodKind.Constructor and not MethodKind.Destructor } method
                && method.Name != "Dispose" && method.Name != "DisposeAsync")
            {
                return singleton;
            }

            return null;
        }

        /// <summary>
        /// <c>public void Get(x) { _pending.Enqueue(x); ThreadPool.QueueUserWorkItem(Take); }</c>: a method that changes a
        /// field and then queues a work item that changes it too runs again while earlier items are still working, so
        /// "before the start" holds only for its own item. A thread or timer is started once; a local is new each call.
        /// </summary>
        private static bool HandsOffPerCall(StateAccess before, ConcurrentContext context) =>
            (before.State is IFieldSymbol || before.State is IPropertySymbol)
            && context.Starter.Operation is IInvocationOperation
            && !context.Joined
            && context.StartOwner is IMethodSymbol { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: not Accessibility.Private } starter
            && !SharedStateModel.IsStartupCode(starter)
            && context.Starter.Targets.Length > 0 && !context.Starter.Targets.Any(RunsALoop);

        /// <summary>The started delegate loops: a long-lived worker, started once, not one item per call.</summary>
        private static bool RunsALoop(IOperation target)
        {
            var bodies = target is IMethodReferenceOperation reference
                ? reference.Method.DeclaringSyntaxReferences.Select(r => r.GetSyntax())
                : new[] { target.Syntax };
            return bodies.Any(body => body.DescendantNodes().Any(n => n is WhileStatementSyntax || n is DoStatementSyntax || n is ForStatementSyntax));
        }

        private static bool IsOwnInstanceState(ISymbol state, INamedTypeSymbol type) =>
            (state is IFieldSymbol || state is IPropertySymbol) && !state.IsStatic
            && SymbolEqualityComparer.Default.Equals(state.ContainingType.OriginalDefinition, type.OriginalDefinition);

        private static bool IsStaticMember(ISymbol state) => (state is IFieldSymbol || state is IPropertySymbol) && state.IsStatic;

        /// <summary>Collections race with any other use; numbers only with another write (a stale read of a number is not corruption).</summary>
        private static bool Conflicts(StateAccess mutation, StateAccess other) =>
            mutation.Kind != StateKind.Numeric || other.IsWrite || other.Mutation != null;

        private static bool IsTypeInitialization(StateAccess access) =>
            access.Owner is IFieldSymbol || access.Owner is IPropertySymbol
            || access.Owner is IMethodSymbol { MethodKind: MethodKind.StaticConstructor };

        /// <summary>
        /// Initializers, constructors (of an instance the context was not started from) and Dispose run before the
        /// object is shared or after it is done with.
        /// </summary>
        private static bool IsBeforePublication(StateAccess access, ConcurrentContext context)
        {
            if (access.State is ILocalSymbol || access.State is IParameterSymbol)
                return false;
            if (IsTypeInitialization(access))
                return true;
            if (!(access.Owner is IMethodSymbol method))
                return false;
            if (method.MethodKind == MethodKind.Constructor)
                return !access.State.IsStatic && access.Contexts.Count == 0 && !SymbolEqualityComparer.Default.Equals(context.StartOwner, method);
            return method.Name == "Dispose" || method.Name == "DisposeAsync" || method.MethodKind == MethodKind.Destructor;
        }
    }
}
