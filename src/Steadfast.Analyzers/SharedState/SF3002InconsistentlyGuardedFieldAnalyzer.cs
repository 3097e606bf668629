using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3002: lock-set inference per type. A field that one member reads or writes inside <c>lock (x)</c> and
    /// another member touches with no lock at all: the lock protects nothing unless every access takes it.
    /// Constructors, initializers, Dispose paths, volatile fields, lock-free (Interlocked/Volatile) accesses
    /// and fields nobody changes after construction are excepted; helpers called only with the lock held
    /// (private ones, or any whose name says so and whose callers prove it) count as guarded; fields that
    /// are the lock object (directly or through a local copy) are not state. Of the unguarded accesses left,
    /// only those that can race are reported (<see cref="UnguardedAccessShape"/>), once per field and line.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF3002InconsistentlyGuardedFieldAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Diagnostic property: the lock expression to take (<c>_gate</c>, <c>this</c>, <c>typeof(Cache)</c>).</summary>
        public const string LockProperty = "Lock";

        /// <summary>Diagnostic property: "static" when the lock can be taken from static members too.</summary>
        public const string LockIsStaticProperty = "LockIsStatic";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.InconsistentlyGuardedField,
            title: "Inconsistently guarded field",
            messageFormat: "'{0}' is {3} without a lock, but '{1}' accesses it inside 'lock ({2})'; take the same lock",
            description: "A lock protects a field only if every access to it takes the lock. A field read or written under lock (x) in one member and with no lock in another races: the unlocked access sees half-made changes, overwrites updates or corrupts a collection that the locked code is changing.");

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
                var interlocked = start.Compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingInterlocked);

                start.RegisterSymbolStartAction(symbolStart =>
                {
                    var type = (INamedTypeSymbol)symbolStart.Symbol;
                    if (type.TypeKind != TypeKind.Class && type.TypeKind != TypeKind.Struct)
                        return;
                    // The rule looks only at types with a lock statement: one without `lock` in its text keeps no
                    // operation blocks until its end.
                    if (!HasLockStatement(type, symbolStart.CancellationToken))
                        return;
                    // Facts, not operation blocks: the compiler can drop each block's operation tree as soon as its callback ends.
                    var blocks = new ConcurrentBag<GuardedFieldBlockFacts>();
                    var hasLock = 0;
                    symbolStart.RegisterOperationBlockAction(block =>
                    {
                        if (!SymbolEqualityComparer.Default.Equals(block.OwningSymbol.ContainingType, type))
                            return;
                        blocks.Add(GuardedFieldBlockFacts.Collect(model, type, interlocked, block.OwningSymbol, block.OperationBlocks, block.CancellationToken));
                    });
                    symbolStart.RegisterOperationAction(_ => Interlocked.Exchange(ref hasLock, 1), OperationKind.Lock);
                    symbolStart.RegisterSymbolEndAction(end =>
                    {
                        if (Volatile.Read(ref hasLock) == 1)
                            AnalyzeType(end, model, type, blocks.ToArray());
                    });
                }, SymbolKind.NamedType);
            });
        }

        private static bool HasLockStatement(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                foreach (var token in reference.GetSyntax(cancellationToken).DescendantTokens())
                {
                    if (token.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LockKeyword) && token.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.LockStatementSyntax)
                        return true;
                }
            }

            return false;
        }

        private static void AnalyzeType(SymbolAnalysisContext context, SharedStateModel model, INamedTypeSymbol type, GuardedFieldBlockFacts[] blocks)
        {
            // A property the type locks on (lock (this.SyncLock)): what its getter reads is the lock object, not state.
            var lockAccessors = new HashSet<IPropertySymbol>(blocks.SelectMany(b => b.LockAccessors), SymbolEqualityComparer.Default);
            // In source order, whatever order the callbacks ran in: the same diagnostics and messages every time.
            var accesses = blocks.SelectMany(b => b.Accesses)
                .Where(a => !(a.Owner is IMethodSymbol { MethodKind: MethodKind.PropertyGet, AssociatedSymbol: IPropertySymbol getterOf } && lockAccessors.Contains(getterOf.OriginalDefinition)))
                .OrderBy(a => a.FilePath, System.StringComparer.Ordinal).ThenBy(a => a.SpanStart).ToList();
            var calls = blocks.SelectMany(b => b.Calls).OrderBy(c => c.Tree.FilePath, System.StringComparer.Ordinal).ThenBy(c => c.SpanStart).ToList();
            var callSites = new Dictionary<IMethodSymbol, List<OwnCallFact>>(SymbolEqualityComparer.Default);
            foreach (var call in calls)
            {
                if (!callSites.TryGetValue(call.Callee, out var sites))
                    callSites[call.Callee] = sites = new List<OwnCallFact>();
                sites.Add(call);
            }

            var methodGroups = new HashSet<IMethodSymbol>(blocks.SelectMany(b => b.MethodGroups), SymbolEqualityComparer.Default);
            var lockObjects = new HashSet<ISymbol>(blocks.SelectMany(b => b.LockObjects), SymbolEqualityComparer.Default);
            var directLockObjects = new HashSet<ISymbol>(blocks.SelectMany(b => b.DirectLockObjects), SymbolEqualityComparer.Default);
            // Where a member wires up work that runs later on other threads once and for all: a handler subscribed, a thread
            // or a timer created. What the member does before that is set-up, not yet shared.
            var setUpEnds = new Dictionary<ISymbol, List<(SyntaxTree Tree, int SpanStart)>>(SymbolEqualityComparer.Default);
            foreach (var block in blocks)
            {
                if (block.SetUpEnds.Count == 0)
                    continue;
                if (!setUpEnds.TryGetValue(block.Owner, out var ends))
                    setUpEnds[block.Owner] = ends = new List<(SyntaxTree, int)>();
                ends.AddRange(block.SetUpEnds);
            }

            AddSetUpThroughHelpers(callSites, setUpEnds);
            var tearDowns = new Dictionary<ISymbol, List<(SyntaxTree Tree, int SpanEnd)>>(SymbolEqualityComparer.Default);
            foreach (var block in blocks)
            {
                if (block.TearDowns.Count == 0)
                    continue;
                if (!tearDowns.TryGetValue(block.Owner, out var ends))
                    tearDowns[block.Owner] = ends = new List<(SyntaxTree, int)>();
                ends.AddRange(block.TearDowns);
            }

            var guardedMethods = GuardedMethods(callSites, methodGroups);
            var initializers = InitializerHelpers(callSites, methodGroups);
            var setUpHelpers = SetUpHelpers(callSites, methodGroups, setUpEnds);
            foreach (var access in accesses)
            {
                access.InInitializer = access.Unit is IMethodSymbol unit
                    && (initializers.Contains(unit.OriginalDefinition) || setUpHelpers.Contains(unit.OriginalDefinition) || IsBeforeSetUpEnd(access.InsideLambda, access.Tree, access.SpanEnd, unit, setUpEnds));
                if (!access.Guard.IsGuarded && access.Owner is IMethodSymbol method && guardedMethods.TryGetValue(method.OriginalDefinition, out var inherited) && !(access.Unit is ConcurrentLambdaUnit))
                    access.Guard = inherited;
            }

            foreach (var byField in accesses.GroupBy(a => a.Field, SymbolEqualityComparer.Default))
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                var field = byField.Key!;
                // Auto-properties are mostly the type's public surface, set and read by whoever owns the object: judged
                // only when the code locks on one itself (a list property locked on itself while it changes).
                if (field is IPropertySymbol && !directLockObjects.Contains(field))
                    continue;
                var fieldType = SharedStateModel.TypeOf(field)!;
                var kind = model.Classify(fieldType);
                // A lock object is not state — unless it is a collection locked on itself (lock (_items) { _items.Add(x); }):
                // then the lock guards its contents like any other.
                if ((lockObjects.Contains(field) && !(UnguardedAccessShape.IsCollection(kind) && directLockObjects.Contains(field))) || IsThreadSafeType(fieldType))
                    continue;
                var all = byField.ToList();
                var locked = all.Where(a => a.Guard.Lock != null).ToList();
                if (locked.Count == 0 || !all.Any(a => a.Changes && !IsInitialization(a)))
                    continue;

                // The most used lock, and its first access in source order: the same message whatever order the callbacks ran in.
                var guard = locked.GroupBy(a => a.Guard.Lock!.Display)
                    .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, System.StringComparer.Ordinal)
                    .First().OrderBy(a => a.FilePath, System.StringComparer.Ordinal).ThenBy(a => a.SpanStart)
                    .First();
                // A member that takes the lock for some accesses of the field and not for others decides by hand which
                // accesses need it (double-checked initialisation, a buffer handed off to an in-flight operation under
                // the lock and used outside it): the field is guarded by that protocol, not by the lock alone.
                // Not for a collection changed in place: reading a Dictionary while another thread adds to it races, so a
                // double-checked "if (!map.ContainsKey(k)) lock (…) map[k] = …" is itself the bug.
                // Filled while the object is built (constructor, set-up) and afterwards only replaced whole under the lock: copy-on-write.
                var changedInPlace = all.Any(a => a.ChangesInPlace && !IsInitialization(a));
                // A test-and-set under the lock (if (!_running) { _running = true; … }): a write without the lock breaks it,
                // even when the member that tests and sets it also peeks at it first (double-checked).
                var testAndSetUnderLock = locked.Any(w => w.Changes && locked.Any(r => !r.Changes && Equals(r.Unit, w.Unit) && r.InCondition));
                var handManaged = all.Any(a => !a.Guard.IsGuarded && !IsInitialization(a) && locked.Any(l => Equals(l.Unit, a.Unit)));
                if (!(UnguardedAccessShape.IsCollection(kind) && changedInPlace) && handManaged && !testAndSetUnderLock)
                    continue;

                // Only read under the lock (often by a helper called while a lock for something else is held): the
                // lock does not guard this field's changes, so its unlocked accesses are not inconsistent with it.
                if (!locked.Any(a => a.Changes))
                    continue;
                // Claims given back by their owner: neither reported nor a write that an earlier test decides.
                var released = new HashSet<FieldAccessFact>(all.Where(a => !a.Guard.IsGuarded && IsOwnClaimReleased(a, fieldType, locked, calls)));
                var reportedLines = new HashSet<(string, int)>();
                foreach (var access in all)
                {
                    if (access.Guard.IsGuarded || access.LockFree || IsInitialization(access) || IsDisposePath(access.Owner) || IsTearDownReset(access, tearDowns))
                        continue;
                    if (!(UnguardedAccessShape.IsCollection(kind) && changedInPlace) && all.Any(l => l.Guard.IsGuarded && Equals(l.Unit, access.Unit)))
                        continue; // the double-checked peek of a member that then takes the lock
                    if (released.Contains(access))
                        continue;
                    // Check-then-act without the lock: a test of the field that decides a later write of it in the same member.
                    var checkedBeforeHere = all.Any(a => a != access && Equals(a.Unit, access.Unit) && !a.Changes && !a.Guard.IsGuarded
                        && a.IsBefore(access) && a.InCondition);
                    var writtenAfterHere = access.InCondition
                        && all.Any(a => a != access && Equals(a.Unit, access.Unit) && a.Changes && !a.Guard.IsGuarded && access.IsBefore(a) && !released.Contains(a));
                    var readBeforeHere = access.Changes && all.Any(a => a != access && Equals(a.Unit, access.Unit) && !a.Changes && !a.Guard.IsGuarded && a.IsBefore(access));
                    var risk = UnguardedAccessShape.Judge(
                        access.Shape, fieldType, kind, changedInPlace, access.Changes, checkedBeforeHere || testAndSetUnderLock, writtenAfterHere, readBeforeHere);
                    if (risk == UnguardedAccessRisk.Benign)
                        continue;
                    var line = access.Location.GetLineSpan();
                    if (!reportedLines.Add((line.Path, line.StartLinePosition.Line)))
                        continue; // one diagnostic per field and line
                    var lockId = guard.Guard.Lock!;
                    var properties = ImmutableDictionary<string, string?>.Empty;
                    if (lockId.Symbol != null && !(lockId.Symbol is ILocalSymbol) && !(lockId.Symbol is IParameterSymbol))
                    {
                        properties = properties.Add(LockProperty, lockId.Display);
                        if (lockId.Symbol is ITypeSymbol || (lockId.Symbol is IFieldSymbol { IsStatic: true } && !lockId.IsThis))
                            properties = properties.Add(LockIsStaticProperty, "static");
                    }

                    context.ReportDiagnostic(Diagnostic.Create(
                        Rule,
                        access.Location,
                        properties,
                        field.Name,
                        MemberName(guard.Owner),
                        lockId.Display,
                        risk == UnguardedAccessRisk.Escapes ? "handed out here, so callers use it" : "accessed here"));
                }
            }
        }

        /// <summary>
        /// <c>lock (_gate) { if (_busy) return; _busy = true; } … _busy = false;</c>: the flow that made a claim under the lock gives it
        /// back with one store of the free value (<c>false</c>, <c>null</c>, <c>0</c>). It is the claim's owner — the member that made
        /// it, a lambda that member starts, or a member that first calls the one that claims — so no other claimant can hold it
        /// meanwhile, and a claimant that sees the old value a moment longer only finds it taken, as it would have a moment
        /// earlier. Only when every locked change of the field is a whole store (a claim, not a counter) and the claim stores
        /// something else than the free value. A reset by code that did not claim (a Disconnect clearing the flag of a send in
        /// flight) or one in a loop another thread drives is still reported.
        /// </summary>
        private static bool IsOwnClaimReleased(FieldAccessFact access, ITypeSymbol fieldType, List<FieldAccessFact> locked, List<OwnCallFact> calls)
        {
            if (!access.Changes || !access.Shape.Has(AccessShapeFlags.AssignedWhole | AccessShapeFlags.AssignedDefault)
                || access.Shape.Has(AccessShapeFlags.AssignedFromItself) || !UnguardedAccessShape.IsReadWhole(fieldType))
            {
                return false;
            }

            var lockedChanges = locked.Where(l => l.Changes).ToList();
            if (lockedChanges.Any(l => !l.Shape.Has(AccessShapeFlags.AssignedWhole) || l.Shape.Has(AccessShapeFlags.AssignedFromItself)))
                return false; // a counter or a collection: the lock guards updates, not a claim
            var claims = lockedChanges.Where(l => !l.Shape.Has(AccessShapeFlags.AssignedDefault)).ToList();
            if (claims.Any(c => SymbolEqualityComparer.Default.Equals(c.Owner, access.Owner) && c.IsBefore(access)))
                return true;
            var claimingMembers = new HashSet<ISymbol>(claims.Select(c => c.Owner.OriginalDefinition), SymbolEqualityComparer.Default);
            return calls.Any(call => SymbolEqualityComparer.Default.Equals(call.Owner, access.Owner) && claimingMembers.Contains(call.Callee)
                && call.Tree == access.Tree && call.SpanStart < access.SpanStart);
        }

        private static string MemberName(ISymbol owner) =>
            owner is IMethodSymbol { AssociatedSymbol: { } property } ? property.Name
            : owner is IMethodSymbol { MethodKind: MethodKind.Constructor } ? owner.ContainingType.Name
            : owner.Name;

        /// <summary>Types that are safe to use from several threads: concurrent and immutable collections, System.Threading types, tasks.</summary>
        private static bool IsThreadSafeType(ITypeSymbol type)
        {
            var ns = type.ContainingNamespace?.ToDisplayString();
            return ns == "System.Collections.Concurrent" || ns == "System.Collections.Immutable" || ns == "System.Threading" || ns == "System.Threading.Tasks"
                || ns == "System.Threading.Channels";
        }

        private static bool IsInitialization(FieldAccessFact access)
        {
            if (access.Unit is ConcurrentLambdaUnit)
                return false; // a lambda started on another thread from the constructor is not initialization
            if (access.InInitializer)
                return true;
            switch (access.Owner)
            {
                case IFieldSymbol _:
                case IPropertySymbol _:
                    return true;
                case IMethodSymbol method:
                    return access.Field.IsStatic
                        ? method.MethodKind == MethodKind.StaticConstructor
                        : method.MethodKind == MethodKind.Constructor;
                default:
                    return false;
            }
        }

        private static bool IsDisposePath(ISymbol owner) =>
            owner is IMethodSymbol method
            && (method.Name == "Dispose" || method.Name == "DisposeAsync" || method.Name == "DisposeCore" || method.Name == "DisposeAsyncCore"
                || method.MethodKind == MethodKind.Destructor);

        /// <summary>Private methods called only from constructors (directly or through another such method), never as a delegate.</summary>
        private static HashSet<IMethodSymbol> InitializerHelpers(Dictionary<IMethodSymbol, List<OwnCallFact>> callSites, HashSet<IMethodSymbol> methodGroups) =>
            PrivateHelpersCalledOnly(callSites, methodGroups, (call, caller, helpers) =>
                (caller.MethodKind == MethodKind.Constructor || helpers.Contains(caller.OriginalDefinition)) && call.HasParent && !call.InsideLambda);

        /// <summary>
        /// Private methods, never used as a delegate, whose every call site passes <paramref name="isCallOk"/> — which may
        /// count a call from another such method as passing (the set grows until no method joins it).
        /// </summary>
        private static HashSet<IMethodSymbol> PrivateHelpersCalledOnly(
            Dictionary<IMethodSymbol, List<OwnCallFact>> callSites, HashSet<IMethodSymbol> methodGroups,
            System.Func<OwnCallFact, IMethodSymbol, HashSet<IMethodSymbol>, bool> isCallOk)
        {
            var helpers = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            var changed = true;
            for (var round = 0; changed && round < 5; round++)
            {
                changed = false;
                foreach (var pair in callSites)
                {
                    var method = pair.Key;
                    if (helpers.Contains(method) || method.DeclaredAccessibility != Accessibility.Private || methodGroups.Contains(method) || pair.Value.Count == 0)
                        continue;
                    if (pair.Value.All(site => site.Owner is IMethodSymbol caller && isCallOk(site, caller, helpers)))
                    {
                        helpers.Add(method);
                        changed = true;
                    }
                }
            }

            return helpers;
        }

        /// <summary>The operation comes, in the same member, before that member subscribes a handler or creates a thread or timer.</summary>
        private static bool IsBeforeSetUpEnd(bool insideLambda, SyntaxTree tree, int spanEnd, ISymbol owner, Dictionary<ISymbol, List<(SyntaxTree Tree, int SpanStart)>> setUpEnds) =>
            !insideLambda && setUpEnds.TryGetValue(owner, out var ends) && ends.Any(end => end.Tree == tree && end.SpanStart > spanEnd);

        /// <summary>
        /// A call of the type's own method that (itself or through its own calls) subscribes a handler or creates a thread or
        /// timer wires up concurrent work just as a direct subscription would (<c>LoadAll(); StartEvents();</c>): what the
        /// caller does before it is set-up too.
        /// </summary>
        private static void AddSetUpThroughHelpers(Dictionary<IMethodSymbol, List<OwnCallFact>> callSites, Dictionary<ISymbol, List<(SyntaxTree Tree, int SpanStart)>> setUpEnds)
        {
            var changed = setUpEnds.Count > 0;
            for (var round = 0; changed && round < 5; round++)
            {
                changed = false;
                foreach (var pair in callSites)
                {
                    if (!setUpEnds.ContainsKey(pair.Key))
                        continue;
                    foreach (var call in pair.Value)
                    {
                        if (call.InsideLambda)
                            continue;
                        if (!setUpEnds.TryGetValue(call.Owner, out var ends))
                            setUpEnds[call.Owner] = ends = new List<(SyntaxTree, int)>();
                        if (ends.Contains((call.Tree, call.SpanStart)))
                            continue;
                        ends.Add((call.Tree, call.SpanStart));
                        changed = true;
                    }
                }
            }
        }

        /// <summary>
        /// A field reset to a constant (<c>_sending = false</c>) after the member has disposed or closed one of the object's own
        /// resources: the object is being torn down, and the work the lock serialises cannot go on over a closed resource.
        /// </summary>
        private static bool IsTearDownReset(FieldAccessFact access, Dictionary<ISymbol, List<(SyntaxTree Tree, int SpanEnd)>> tearDowns) =>
            access.Changes && access.Shape.Has(AccessShapeFlags.AssignedWhole | AccessShapeFlags.AssignedConstant) && !access.InsideLambda
            && tearDowns.TryGetValue(access.Owner, out var releases) && releases.Any(r => r.Tree == access.Tree && r.SpanEnd < access.SpanStart);

        /// <summary>
        /// Private methods called only before their caller wires up concurrent work (<c>LoadAll(); source.Changed += OnChanged;</c>),
        /// directly or through another such method.
        /// </summary>
        private static HashSet<IMethodSymbol> SetUpHelpers(
            Dictionary<IMethodSymbol, List<OwnCallFact>> callSites, HashSet<IMethodSymbol> methodGroups, Dictionary<ISymbol, List<(SyntaxTree Tree, int SpanStart)>> setUpEnds) =>
            setUpEnds.Count == 0
                ? new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default)
                : PrivateHelpersCalledOnly(callSites, methodGroups, (call, caller, helpers) =>
                    helpers.Contains(caller.OriginalDefinition) || IsBeforeSetUpEnd(call.InsideLambda, call.Tree, call.SpanEnd, caller, setUpEnds));

        /// <summary>
        /// A private or protected helper, or one whose name says the caller holds the lock (<c>AddNoLock</c>, <c>TrimLocked</c>):
        /// its callers in the type are then the proof. Other visible methods may be called from anywhere.
        /// </summary>
        private static bool MayInheritCallersLock(IMethodSymbol method)
        {
            // Protected members are the type's template steps (a virtual UpdateChangedSlots called while the inventory is
            // locked): the type's own calls are the ones that run them.
            if (method.DeclaredAccessibility == Accessibility.Private || method.DeclaredAccessibility == Accessibility.Protected
                || method.DeclaredAccessibility == Accessibility.ProtectedAndInternal)
                return true;
            var name = method.Name;
            return name.EndsWith("NoLock", System.StringComparison.OrdinalIgnoreCase) || name.EndsWith("Locked", System.StringComparison.Ordinal)
                || name.EndsWith("UnderLock", System.StringComparison.Ordinal) || name.EndsWith("_NoLock", System.StringComparison.Ordinal)
                || name.IndexOf("WhileLocked", System.StringComparison.Ordinal) >= 0 || name.IndexOf("LockHeld", System.StringComparison.Ordinal) >= 0
                || name.EndsWith("Unlocked", System.StringComparison.Ordinal);
        }

        /// <summary>
        /// Private methods every caller calls with a lock held (directly, or from another such method): their
        /// accesses are guarded by the callers' lock.
        /// </summary>
        private static Dictionary<IMethodSymbol, Guard> GuardedMethods(
            Dictionary<IMethodSymbol, List<OwnCallFact>> callSites,
            HashSet<IMethodSymbol> methodGroups)
        {
            var guarded = new Dictionary<IMethodSymbol, Guard>(SymbolEqualityComparer.Default);
            var changed = true;
            for (var round = 0; changed && round < 5; round++)
            {
                changed = false;
                foreach (var pair in callSites)
                {
                    var method = pair.Key;
                    if (guarded.ContainsKey(method) || !MayInheritCallersLock(method) || methodGroups.Contains(method) || pair.Value.Count == 0)
                        continue;
                    LockId? lockId = null;
                    var allGuarded = true;
                    foreach (var call in pair.Value)
                    {
                        var owner = call.Owner;
                        if (owner is IMethodSymbol { MethodKind: MethodKind.Constructor } && !call.InsideLambda)
                            continue; // called while the object is being built: nothing else can reach it yet
                        var guard = call.Guard;
                        if (!guard.IsGuarded && owner is IMethodSymbol caller && guarded.TryGetValue(caller.OriginalDefinition, out var callerGuard))
                            guard = callerGuard;
                        if (!guard.IsGuarded)
                        {
                            allGuarded = false;
                            break;
                        }

                        lockId = lockId ?? guard.Lock;
                    }

                    if (allGuarded)
                    {
                        guarded[method] = new Guard(true, lockId);
                        changed = true;
                    }
                }
            }

            return guarded;
        }
    }
}
