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
                    var blocks = new ConcurrentBag<MemberBlock>();
                    var hasLock = 0;
                    symbolStart.RegisterOperationBlockAction(block =>
                    {
                        if (!SymbolEqualityComparer.Default.Equals(block.OwningSymbol.ContainingType, type))
                            return;
                        foreach (var root in block.OperationBlocks)
                            blocks.Add(new MemberBlock(block.OwningSymbol, root));
                    });
                    symbolStart.RegisterOperationAction(_ => Interlocked.Exchange(ref hasLock, 1), OperationKind.Lock);
                    symbolStart.RegisterSymbolEndAction(end =>
                    {
                        if (Volatile.Read(ref hasLock) == 1)
                            AnalyzeType(end, model, interlocked, type, blocks.ToImmutableArray());
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

        private sealed class FieldAccess
        {
            public FieldAccess(ISymbol field, IOperation reference, ISymbol owner, object unit, Guard guard, bool changes)
            {
                Field = field;
                Reference = reference;
                Owner = owner;
                Unit = unit;
                Guard = guard;
                Changes = changes;
            }

            /// <summary>The field, or the auto-property (its hidden field is state the same way).</summary>
            public ISymbol Field { get; }

            public IOperation Reference { get; }

            public ISymbol Owner { get; }

            /// <summary>The member, or the lambda run on another thread, the access belongs to.</summary>
            public object Unit { get; }

            public Guard Guard { get; set; }

            public bool Changes { get; }

            public bool LockFree { get; set; }

            /// <summary>The collection the field holds is changed in place here (Add, Remove, an indexer set …).</summary>
            public bool ChangesInPlace { get; set; }

            /// <summary>
            /// In a private helper that only constructors call (<c>init()</c>), or before the member wires up the work that runs
            /// on other threads (subscribes a handler, creates a thread or timer): nothing else can reach the field yet.
            /// </summary>
            public bool InInitializer { get; set; }
        }

        private static void AnalyzeType(SymbolAnalysisContext context, SharedStateModel model, INamedTypeSymbol? interlocked, INamedTypeSymbol type, ImmutableArray<MemberBlock> blocks)
        {
            var accesses = new List<FieldAccess>();
            var lockObjects = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var directLockObjects = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var callSites = new Dictionary<IMethodSymbol, List<(IOperation Call, ISymbol Owner)>>(SymbolEqualityComparer.Default);
            var methodGroups = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            var lockedLocals = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            var localCopies = new Dictionary<ILocalSymbol, ISymbol>(SymbolEqualityComparer.Default);
            // Where a member wires up work that runs later on other threads once and for all: a handler subscribed, a thread
            // or a timer created. What the member does before that is set-up, not yet shared.
            var setUpEnds = new Dictionary<ISymbol, List<IOperation>>(SymbolEqualityComparer.Default);

            foreach (var block in blocks)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                foreach (var operation in block.Root.DescendantsAndSelf())
                {
                    switch (operation)
                    {
                        case ILockOperation lockOperation:
                            var lockedValue = SharedStateModel.Unwrap(lockOperation.LockedValue);
                            if (SharedStateModel.ReferencedState(lockedValue) is { } lockState && (lockState is IFieldSymbol || lockState is IPropertySymbol))
                            {
                                lockObjects.Add(lockState);
                                directLockObjects.Add(lockState);
                            }
                            else if (lockedValue is ILocalReferenceOperation lockedLocal)
                            {
                                lockedLocals.Add(lockedLocal.Local);
                            }

                            break;
                        case IVariableDeclaratorOperation declarator when declarator.Initializer != null
                            && SharedStateModel.ReferencedState(SharedStateModel.Unwrap(declarator.Initializer.Value)) is { } copied
                            && (copied is IFieldSymbol || copied is IPropertySymbol):
                            localCopies[declarator.Symbol] = copied; // var subs = _subscriptions; … lock (subs)
                            break;
                        case IInvocationOperation call when IsOwn(call.TargetMethod, type) && (call.Instance == null || SharedStateModel.IsThisReceiver(call.Instance)):
                            var callee = call.TargetMethod.OriginalDefinition;
                            if (!callSites.TryGetValue(callee, out var sites))
                                callSites[callee] = sites = new List<(IOperation, ISymbol)>();
                            sites.Add((call, block.Owner));
                            break;
                        case IMethodReferenceOperation reference:
                            methodGroups.Add(reference.Method.OriginalDefinition);
                            break;
                        case IEventAssignmentOperation { Adds: true } subscription when IsLongLivedSource(subscription):
                        case IObjectCreationOperation _ when model.GetStarter(operation) != null:
                            if (!InsideLambda(operation))
                            {
                                if (!setUpEnds.TryGetValue(block.Owner, out var ends))
                                    setUpEnds[block.Owner] = ends = new List<IOperation>();
                                ends.Add(operation);
                            }

                            break;
                        case IFieldReferenceOperation _:
                        case IPropertyReferenceOperation _:
                            var fieldReference = operation;
                            var field = SharedStateModel.ReferencedState(operation);
                            if (!(field is IFieldSymbol || field is IPropertySymbol) || field is IFieldSymbol { IsVolatile: true } || field is IPropertySymbol { SetMethod: null }
                                || !SymbolEqualityComparer.Default.Equals(field.ContainingType.OriginalDefinition, type.OriginalDefinition)
                                || IsInNameOf(fieldReference) || IsTheLockTaken(fieldReference))
                            {
                                break;
                            }

                            var kind = model.Classify(SharedStateModel.TypeOf(field));
                            var mutation = kind != StateKind.None ? model.GetMutation(fieldReference, kind) : null;
                            var changes = SharedStateModel.IsWrite(fieldReference) || mutation != null;
                            var access = new FieldAccess(field, fieldReference, block.Owner, UnitOf(model, fieldReference, block.Owner), model.GetGuard(fieldReference), changes)
                            {
                                LockFree = IsLockFree(fieldReference, interlocked),
                                ChangesInPlace = mutation != null && kind != StateKind.Numeric && kind != StateKind.Array,
                            };
                            accesses.Add(access);
                            break;
                    }
                }
            }

            foreach (var local in lockedLocals)
            {
                if (localCopies.TryGetValue(local, out var copiedField))
                    lockObjects.Add(copiedField); // the lock is on the object the field holds: the field names the lock
            }

            var guardedMethods = GuardedMethods(model, type, callSites, methodGroups);
            var initializers = InitializerHelpers(callSites, methodGroups);
            var setUpHelpers = SetUpHelpers(callSites, methodGroups, setUpEnds);
            foreach (var access in accesses)
            {
                access.InInitializer = access.Unit is IMethodSymbol unit
                    && (initializers.Contains(unit.OriginalDefinition) || setUpHelpers.Contains(unit.OriginalDefinition) || IsBeforeSetUpEnd(access.Reference, unit, setUpEnds));
                if (!access.Guard.IsGuarded && access.Owner is IMethodSymbol method && guardedMethods.TryGetValue(method.OriginalDefinition, out var inherited) && access.Unit is ISymbol)
                    access.Guard = inherited;
            }

            foreach (var byField in accesses.GroupBy(a => a.Field, SymbolEqualityComparer.Default))
            {
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
                    .First().OrderBy(a => a.Reference.Syntax.SyntaxTree.FilePath, System.StringComparer.Ordinal).ThenBy(a => a.Reference.Syntax.SpanStart)
                    .First();
                // A member that takes the lock for some accesses of the field and not for others decides by hand which
                // accesses need it (double-checked initialisation, a buffer handed off to an in-flight operation under
                // the lock and used outside it): the field is guarded by that protocol, not by the lock alone.
                // Not for a collection changed in place: reading a Dictionary while another thread adds to it races, so a
                // double-checked "if (!map.ContainsKey(k)) lock (…) map[k] = …" is itself the bug.
                var changedInPlace = all.Any(a => a.ChangesInPlace);
                // A test-and-set under the lock (if (!_running) { _running = true; … }): a write without the lock breaks it,
                // even when the member that tests and sets it also peeks at it first (double-checked).
                var testAndSetUnderLock = locked.Any(w => w.Changes && locked.Any(r => !r.Changes && Equals(r.Unit, w.Unit) && IsInCondition(r.Reference)));
                var handManaged = all.Any(a => !a.Guard.IsGuarded && !IsInitialization(a) && locked.Any(l => Equals(l.Unit, a.Unit)));
                if (!(UnguardedAccessShape.IsCollection(kind) && changedInPlace) && handManaged && !testAndSetUnderLock)
                    continue;

                // Only read under the lock (often by a helper called while a lock for something else is held): the
                // lock does not guard this field's changes, so its unlocked accesses are not inconsistent with it.
                if (!locked.Any(a => a.Changes))
                    continue;
                var reportedLines = new HashSet<(string, int)>();
                foreach (var access in all)
                {
                    if (access.Guard.IsGuarded || access.LockFree || IsInitialization(access) || IsDisposePath(access.Owner))
                        continue;
                    if (!(UnguardedAccessShape.IsCollection(kind) && changedInPlace) && locked.Any(l => Equals(l.Unit, access.Unit)))
                        continue; // the double-checked peek of a member that then takes the lock
                    // Check-then-act without the lock: a test of the field that decides a later write of it in the same member.
                    var checkedBeforeHere = all.Any(a => a != access && Equals(a.Unit, access.Unit) && !a.Changes && !a.Guard.IsGuarded
                        && IsBefore(a, access) && IsInCondition(a.Reference));
                    var writtenAfterHere = IsInCondition(access.Reference)
                        && all.Any(a => a != access && Equals(a.Unit, access.Unit) && a.Changes && !a.Guard.IsGuarded && IsBefore(access, a));
                    var readBeforeHere = access.Changes && all.Any(a => a != access && Equals(a.Unit, access.Unit) && !a.Changes && !a.Guard.IsGuarded && IsBefore(a, access));
                    var risk = UnguardedAccessShape.Judge(
                        access.Reference, fieldType, kind, changedInPlace, access.Changes, checkedBeforeHere || testAndSetUnderLock, writtenAfterHere, readBeforeHere);
                    if (risk == UnguardedAccessRisk.Benign)
                        continue;
                    var line = access.Reference.Syntax.GetLocation().GetLineSpan();
                    if (!reportedLines.Add((line.Path, line.StartLinePosition.Line)))
                        continue; // one diagnostic per field and line
                    var lockId = guard.Guard.Lock!;
                    var properties = ImmutableDictionary<string, string?>.Empty;
                    if (lockId.Symbol != null && !(lockId.Symbol is ILocalSymbol) && !(lockId.Symbol is IParameterSymbol))
                    {
                        properties = properties.Add(LockProperty, lockId.IsThis ? "this" : lockId.LockedValue.Syntax.ToString());
                        if (lockId.Symbol is ITypeSymbol || (lockId.Symbol is IFieldSymbol { IsStatic: true } && !lockId.IsThis))
                            properties = properties.Add(LockIsStaticProperty, "static");
                    }

                    context.ReportDiagnostic(Diagnostic.Create(
                        Rule,
                        access.Reference.Syntax.GetLocation(),
                        properties,
                        field.Name,
                        MemberName(guard.Owner),
                        lockId.IsThis ? "this" : lockId.LockedValue.Syntax.ToString(),
                        risk == UnguardedAccessRisk.Escapes ? "handed out here, so callers use it" : "accessed here"));
                }
            }
        }

        /// <summary>The field named as the lock itself: <c>lock (_items)</c>, <c>Monitor.Enter(_items)</c>.</summary>
        private static bool IsTheLockTaken(IOperation reference)
        {
            // Anywhere in the expression that names the lock: lock (((ICollection)_items).SyncRoot) reads _items to lock.
            IOperation child = reference;
            for (var parent = reference.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                if (parent is ILockOperation lockOperation)
                    return lockOperation.LockedValue == child;
                if (parent is IArgumentOperation { Parent: IInvocationOperation call })
                    return call.TargetMethod.ContainingType?.ToDisplayString() == "System.Threading.Monitor";
                if (!(parent is IConversionOperation || parent is IPropertyReferenceOperation || parent is IParenthesizedOperation))
                    return false;
            }

            return false;
        }

        private static bool IsBefore(FieldAccess first, FieldAccess second) =>
            first.Reference.Syntax.SyntaxTree == second.Reference.Syntax.SyntaxTree && first.Reference.Syntax.SpanStart < second.Reference.Syntax.SpanStart;

        /// <summary>Whether the access is part of a test: an if, a loop or a ?: condition, or the left of ??.</summary>
        private static bool IsInCondition(IOperation reference)
        {
            IOperation child = reference;
            for (var parent = reference.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case IConditionalOperation conditional:
                        return conditional.Condition == child;
                    case IWhileLoopOperation loop:
                        return loop.Condition == child;
                    case ICoalesceOperation coalesce:
                        return coalesce.Value == child;
                    case IIsPatternOperation _:
                    case IBinaryOperation _:
                    case IUnaryOperation _:
                    case IConversionOperation _:
                    case IParenthesizedOperation _:
                    case IPropertyReferenceOperation _:
                    case IInvocationOperation _:
                    case IArgumentOperation _:
                        continue;
                    default:
                        return false;
                }
            }

            return false;
        }

        private static bool IsOwn(IMethodSymbol method, INamedTypeSymbol type) =>
            SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, type.OriginalDefinition);

        private static string MemberName(ISymbol owner) =>
            owner is IMethodSymbol { AssociatedSymbol: { } property } ? property.Name
            : owner is IMethodSymbol { MethodKind: MethodKind.Constructor } ? owner.ContainingType.Name
            : owner.Name;

        private static bool IsInNameOf(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is INameOfOperation)
                    return true;
            }

            return false;
        }

        /// <summary>The member the access is in, or the lambda run on another thread that holds it.</summary>
        private static object UnitOf(SharedStateModel model, IOperation operation, ISymbol owner)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation function && model.IsConcurrentDelegate(function))
                    return function;
            }

            return owner;
        }

        /// <summary><c>Interlocked.Increment(ref _n)</c>, <c>Volatile.Read(ref _n)</c>: deliberate lock-free access.</summary>
        private static bool IsLockFree(IOperation reference, INamedTypeSymbol? interlocked) =>
            reference.Parent is IArgumentOperation { Parent: IInvocationOperation call }
            && (SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, interlocked)
                || call.TargetMethod.ContainingType?.ToDisplayString() == "System.Threading.Volatile");

        /// <summary>Types that are safe to use from several threads: concurrent and immutable collections, System.Threading types, tasks.</summary>
        private static bool IsThreadSafeType(ITypeSymbol type)
        {
            var ns = type.ContainingNamespace?.ToDisplayString();
            return ns == "System.Collections.Concurrent" || ns == "System.Collections.Immutable" || ns == "System.Threading" || ns == "System.Threading.Tasks"
                || ns == "System.Threading.Channels";
        }

        private static bool IsInitialization(FieldAccess access)
        {
            if (!(access.Unit is ISymbol))
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
        private static HashSet<IMethodSymbol> InitializerHelpers(Dictionary<IMethodSymbol, List<(IOperation Call, ISymbol Owner)>> callSites, HashSet<IMethodSymbol> methodGroups) =>
            PrivateHelpersCalledOnly(callSites, methodGroups, (call, caller, helpers) =>
                (caller.MethodKind == MethodKind.Constructor || helpers.Contains(caller.OriginalDefinition)) && !(call.Parent is null) && !InsideLambda(call));

        /// <summary>
        /// Private methods, never used as a delegate, whose every call site passes <paramref name="isCallOk"/> — which may
        /// count a call from another such method as passing (the set grows until no method joins it).
        /// </summary>
        private static HashSet<IMethodSymbol> PrivateHelpersCalledOnly(
            Dictionary<IMethodSymbol, List<(IOperation Call, ISymbol Owner)>> callSites, HashSet<IMethodSymbol> methodGroups,
            System.Func<IOperation, IMethodSymbol, HashSet<IMethodSymbol>, bool> isCallOk)
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
                    if (pair.Value.All(site => site.Owner is IMethodSymbol caller && isCallOk(site.Call, caller, helpers)))
                    {
                        helpers.Add(method);
                        changed = true;
                    }
                }
            }

            return helpers;
        }

        /// <summary>
        /// A subscription to a static event, or to one of this object's or a field's: made once when the owner starts. One to
        /// an event of a parameter or a local (each item added) is per call, and says nothing about set-up.
        /// </summary>
        private static bool IsLongLivedSource(IEventAssignmentOperation subscription)
        {
            if (!(subscription.EventReference is IEventReferenceOperation reference))
                return false;
            var source = reference.Instance == null ? null : SharedStateModel.Unwrap(reference.Instance);
            return source == null || source is IInstanceReferenceOperation || source is IFieldReferenceOperation || source is IPropertyReferenceOperation;
        }

        /// <summary>The operation comes, in the same member, before that member subscribes a handler or creates a thread or timer.</summary>
        private static bool IsBeforeSetUpEnd(IOperation operation, ISymbol owner, Dictionary<ISymbol, List<IOperation>> setUpEnds) =>
            !InsideLambda(operation) && setUpEnds.TryGetValue(owner, out var ends)
            && ends.Any(end => end.Syntax.SyntaxTree == operation.Syntax.SyntaxTree && end.Syntax.SpanStart > operation.Syntax.Span.End);

        /// <summary>
        /// Private methods called only before their caller wires up concurrent work (<c>LoadAll(); source.Changed += OnChanged;</c>),
        /// directly or through another such method.
        /// </summary>
        private static HashSet<IMethodSymbol> SetUpHelpers(
            Dictionary<IMethodSymbol, List<(IOperation Call, ISymbol Owner)>> callSites, HashSet<IMethodSymbol> methodGroups, Dictionary<ISymbol, List<IOperation>> setUpEnds) =>
            setUpEnds.Count == 0
                ? new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default)
                : PrivateHelpersCalledOnly(callSites, methodGroups, (call, caller, helpers) =>
                    helpers.Contains(caller.OriginalDefinition) || IsBeforeSetUpEnd(call, caller, setUpEnds));

        private static bool InsideLambda(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                    return true;
            }

            return false;
        }

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
            SharedStateModel model,
            INamedTypeSymbol type,
            Dictionary<IMethodSymbol, List<(IOperation Call, ISymbol Owner)>> callSites,
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
                    foreach (var (call, owner) in pair.Value)
                    {
                        if (owner is IMethodSymbol { MethodKind: MethodKind.Constructor } && !InsideLambda(call))
                            continue; // called while the object is being built: nothing else can reach it yet
                        var guard = model.GetGuard(call);
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
