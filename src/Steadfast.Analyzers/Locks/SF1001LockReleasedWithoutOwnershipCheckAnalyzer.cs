using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1001: a Redis lock whose owner cannot be told apart. The value taken with SET NX / LockTake, or fed to the
    /// compare-and-delete that releases it, is the same for every acquisition (a literal, a constant, a static member,
    /// the machine name …, followed through locals, fields, parameters and helpers); or the lock key is deleted
    /// without comparing the value at all.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF1001LockReleasedWithoutOwnershipCheckAnalyzer : DiagnosticAnalyzer
    {
        /// <summary>Property naming what the diagnostic is about: <see cref="ValueShape"/> or <see cref="DeleteShape"/>.</summary>
        public const string ShapeProperty = "Shape";
        public const string ValueShape = "Value";
        public const string DeleteShape = "Delete";
        /// <summary>A token made once per instance of a shared lock service: no automatic fix (the token has to move to the acquisition).</summary>
        public const string SharedTokenShape = "SharedToken";
        /// <summary>
        /// A helper forwards its parameter as the lock value and a caller passes a non-unique one: reported at the caller's
        /// argument, with no automatic fix (the token has to be made where the acquisition is owned).
        /// </summary>
        public const string CallerValueShape = "CallerValue";

        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.LockReleasedWithoutOwnershipCheck,
            title: "Lock released without an ownership check",
            messageFormat: "{0}",
            description: "A distributed lock must be released only by the client that holds it. When the lock value is the same for every acquisition (a literal, an empty string, a constant, a static field, the machine name) or the key is deleted without comparing the value, a client whose lease expired deletes the lock a second client now holds, and two clients run the critical section at once. Take the lock with a token unique to the acquisition and release it with LockRelease(key, token), or use Steadfast's IDistributedLockProvider.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = LockModel.Create(start.Compilation);
                if (model == null || !model.HasRedis)
                    return;

                // Per type: collect the facts from the operations the driver builds anyway (lock calls, what each field
                // and property is given), and decide at the end of the type, so nothing of the type is bound twice.
                start.RegisterSymbolStartAction(symbolStart =>
                {
                    var type = (INamedTypeSymbol)symbolStart.Symbol;
                    // Decide only reports when the type itself calls a Redis lock API, so a type whose text names none
                    // (nearly all of them) keeps no operations until its end.
                    if (type.IsImplicitlyDeclared || !MentionsRedisLockApi(type, symbolStart.CancellationToken))
                        return;
                    var facts = new TypeFacts(type);
                    symbolStart.RegisterOperationAction(
                        c => facts.Collect(c.Operation, c.ContainingSymbol, model, c.CancellationToken),
                        OperationKind.Invocation, OperationKind.FieldInitializer, OperationKind.PropertyInitializer,
                        OperationKind.SimpleAssignment, OperationKind.CompoundAssignment, OperationKind.CoalesceAssignment);
                    symbolStart.RegisterSymbolEndAction(c => facts.Decide(model, c.ReportDiagnostic, c.CancellationToken));
                }, SymbolKind.NamedType);

                // Top-level statements (their type is implicit and has no symbol-start pass): decide at the call.
                start.RegisterOperationAction(c =>
                {
                    if (c.ContainingSymbol.ContainingType is { IsImplicitlyDeclared: false })
                        return;
                    var call = (IInvocationOperation)c.Operation;
                    if (Classify(call, model, c.CancellationToken) is { } kind)
                        Decide(call, kind, model, c.ReportDiagnostic, c.CancellationToken);
                }, OperationKind.Invocation);
            });
        }

        private enum CallKind
        {
            AcquireValue,
            ReleaseValue,
            Delete,
            PreparedScriptValue,
        }

        // The name of every call Classify can answer: the acquires (AsRedisAcquire), the prepared scripts and the releases.
        private static readonly System.Collections.Generic.HashSet<string> RedisLockApiNames = new System.Collections.Generic.HashSet<string>(System.StringComparer.Ordinal)
        {
            "LockTake", "LockTakeAsync", "StringSet", "StringSetAsync", "StringGetSet", "StringGetSetAsync", "HashSet", "HashSetAsync",
            "Execute", "ExecuteAsync", "ScriptEvaluate", "ScriptEvaluateAsync", "Evaluate", "EvaluateAsync",
            "LockRelease", "LockReleaseAsync", "KeyDelete", "KeyDeleteAsync",
        };

        /// <summary>The type's text (all its parts) calls one of those names; without such a call, Classify answers no call of the type.</summary>
        private static bool MentionsRedisLockApi(INamedTypeSymbol type, CancellationToken token)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                foreach (var node in reference.GetSyntax(token).DescendantNodes())
                {
                    if (node is Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax invocation
                        && LockHelperSummaries.InvokedName(invocation.Expression) is { } name && RedisLockApiNames.Contains(name))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>What SF1001 looks at in a call: a lock value taken or compared, or a plain KeyDelete. Names first.</summary>
        private static CallKind? Classify(IInvocationOperation call, LockModel model, CancellationToken token)
        {
            if (model.AsRedisAcquire(call) != null)
                return CallKind.AcquireValue;
            if (model.PreparedCompareAndDeleteValues(call, token).Count > 0)
                return CallKind.PreparedScriptValue;
            if (!model.IsRedisRelease(call, out var key, out var value) || key == null)
                return null;
            if (value != null)
                return CallKind.ReleaseValue;
            return model.IsKeyDelete(call) ? CallKind.Delete : (CallKind?)null;
        }

        private static void Decide(IInvocationOperation call, CallKind kind, LockModel model, System.Action<Diagnostic> report, CancellationToken token)
        {
            switch (kind)
            {
                case CallKind.AcquireValue:
                    var acquire = model.AsRedisAcquire(call)!;
                    if (IsOneTimeMarker(acquire, model, token))
                        return;
                    ReportValue(call, model, acquire.Value, acquire.Key, "takes the lock with", report, token);
                    return;
                case CallKind.ReleaseValue:
                    model.IsRedisRelease(call, out var releasedKey, out var value);
                    ReportValue(call, model, value!, releasedKey, "releases the lock by comparing with", report, token);
                    return;
                case CallKind.PreparedScriptValue:
                    foreach (var (scriptKey, scriptValue) in model.PreparedCompareAndDeleteValues(call, token))
                        ReportValue(call, model, scriptValue, scriptKey, "releases the lock by comparing with", report, token);
                    return;
            }

            model.IsRedisRelease(call, out var key, out _);
            if (key == null || IsConditionedTransaction(call, model))
                return;
            if (!model.ValueFlow.IsLockKey(key, call, token, out var acquiredAt))
                return;

            var checkedFirst = IsGuardedByGet(call, model, token);
            var message = checkedFirst
                ? $"'{call.Syntax}' deletes the lock key after reading and comparing its value in a separate command; the lock can change hands in between. Release with LockRelease(key, token) or one compare-and-delete script."
                : $"'{call.Syntax}' deletes the lock key without checking that this caller still owns the lock; release with LockRelease(key, token).";
            report(Diagnostic.Create(
                Rule,
                call.Syntax.GetLocation(),
                acquiredAt == null ? null : new[] { acquiredAt.GetLocation() },
                ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, DeleteShape),
                message));
        }

        /// <summary>What one type's operations show: its lock calls, the keys it takes, the values its members are given.</summary>
        private sealed class TypeFacts
        {
            private readonly INamedTypeSymbol _type;
            private readonly object _gate = new object();
            private readonly List<(IInvocationOperation Call, CallKind Kind)> _calls = new List<(IInvocationOperation, CallKind)>();
            private readonly List<IOperation> _acquiredKeys = new List<IOperation>();
            private readonly Dictionary<ISymbol, List<IOperation>> _writes = new Dictionary<ISymbol, List<IOperation>>(SymbolEqualityComparer.Default);
            private readonly HashSet<ISymbol> _spoiled = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

            public TypeFacts(INamedTypeSymbol type) => _type = type;

            public void Collect(IOperation operation, ISymbol containingSymbol, LockModel model, CancellationToken token)
            {
                // Nested types have their own pass.
                if (!SymbolEqualityComparer.Default.Equals(containingSymbol.ContainingType, _type))
                    return;
                switch (operation)
                {
                    case IInvocationOperation call:
                        var kind = Classify(call, model, token);
                        var acquire = kind == CallKind.AcquireValue ? model.AsRedisAcquire(call) : null;
                        lock (_gate)
                        {
                            if (kind != null)
                                _calls.Add((call, kind.Value));
                            if (acquire != null)
                                _acquiredKeys.Add(acquire.Key);
                            foreach (var argument in call.Arguments)
                            {
                                if (argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out && Member(argument.Value) is { } refMember)
                                    _spoiled.Add(refMember);
                            }
                        }

                        break;
                    case IFieldInitializerOperation fieldInitializer:
                        lock (_gate)
                        {
                            foreach (var field in fieldInitializer.InitializedFields)
                                Write(field, fieldInitializer.Value);
                        }

                        break;
                    case IPropertyInitializerOperation propertyInitializer:
                        lock (_gate)
                        {
                            foreach (var property in propertyInitializer.InitializedProperties)
                                Write(property, propertyInitializer.Value);
                        }

                        break;
                    case ISimpleAssignmentOperation simple when Member(simple.Target) is { } assigned:
                        lock (_gate)
                            Write(assigned, simple.Value);
                        break;
                    case IAssignmentOperation other when Member(other.Target) is { } spoiled:
                        lock (_gate)
                            _spoiled.Add(spoiled);
                        break;
                    case ICoalesceAssignmentOperation coalesce when Member(coalesce.Target) is { } coalesced:
                        lock (_gate)
                            _spoiled.Add(coalesced);
                        break;
                }
            }

            private void Write(ISymbol member, IOperation value)
            {
                member = member.OriginalDefinition;
                if (!_writes.TryGetValue(member, out var list))
                    _writes[member] = list = new List<IOperation>();
                list.Add(value);
            }

            private static ISymbol? Member(IOperation target) => target switch
            {
                IFieldReferenceOperation field => field.Field.OriginalDefinition,
                IPropertyReferenceOperation property => property.Property.OriginalDefinition,
                _ => null,
            };

            public void Decide(LockModel model, System.Action<Diagnostic> report, CancellationToken token)
            {
                if (_calls.Count == 0)
                    return; // no lock call in the type: nothing to report, nothing worth caching
                var keys = new HashSet<string>();
                foreach (var key in _acquiredKeys)
                {
                    if (model.ValueFlow.Identity(key, token) is { } identity)
                        keys.Add(identity);
                }

                // Nested types' code can write the members and take the keys too: let the lazy path scan those types.
                if (_type.GetTypeMembers().IsEmpty)
                    model.ValueFlow.Prime(_type, _writes, _spoiled, keys, token);
                foreach (var (call, kind) in _calls.OrderBy(c => c.Call.Syntax.SyntaxTree.FilePath, System.StringComparer.Ordinal).ThenBy(c => c.Call.Syntax.SpanStart))
                    SF1001LockReleasedWithoutOwnershipCheckAnalyzer.Decide(call, kind, model, report, token);
            }
        }

        private static void ReportValue(IInvocationOperation call, LockModel model, IOperation value, IOperation? key, string verb, System.Action<Diagnostic> report, CancellationToken token)
        {
            // A key made fresh for this acquisition (a new Guid per run) has no second contender: whatever the value, no
            // other client takes, holds or releases that key.
            if (key != null && model.ValueFlow.Classify(key, token).Uniqueness == Uniqueness.Unique)
                return;
            var origin = model.ValueFlow.Classify(value, token);
            if (origin.Uniqueness == Uniqueness.Unknown && key != null && IsMadeFromTheKey(value, key, model, token))
            {
                origin = new ValueOrigin(Uniqueness.NonUnique, LockModel.Unwrap(value)!.Syntax,
                    "made only from the lock key and constants, so every acquisition of this key carries the same value");
            }

            var shape = ValueShape;
            if (origin.Uniqueness != Uniqueness.NonUnique)
            {
                if (SharedInstanceToken(call, model, value, key, token) is { } shared)
                {
                    origin = shared;
                    shape = SharedTokenShape;
                }
                else
                {
                    return;
                }
            }

            var valueSyntax = LockModel.Unwrap(value)!.Syntax;
            if (shape == ValueShape && ForwardedParameter(call, value, origin) is { } helper)
            {
                // The helper only forwards what it is given: the caller that hands it a non-unique value holds the bug,
                // and a helper whose every caller passes a unique token is fine.
                report(Diagnostic.Create(
                    Rule,
                    origin.Origin!.GetLocation(),
                    new[] { valueSyntax.GetLocation() },
                    ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, CallerValueShape),
                    $"'{origin.Origin}' is handed to '{helper.Name}', which {verb} it: {origin.Reason}. Any client can release it; use a token unique to this acquisition."));
                return;
            }

            IEnumerable<Location>? additional = null;
            // The origin may sit in another file of the compilation (the helper's caller, the field's declaration).
            if (origin.Origin != null && !(origin.Origin.Span.Equals(valueSyntax.Span) && origin.Origin.SyntaxTree == valueSyntax.SyntaxTree))
                additional = new[] { origin.Origin.GetLocation() };
            var message = additional != null
                ? $"'{call.Syntax.ToString().Split('(')[0]}' {verb} '{valueSyntax}', which comes from '{origin.Origin}': {origin.Reason}. Any client can release it; use a token unique to this acquisition."
                : $"'{call.Syntax.ToString().Split('(')[0]}' {verb} '{valueSyntax}': {origin.Reason}. Any client can release it; use a token unique to this acquisition.";
            report(Diagnostic.Create(
                Rule,
                valueSyntax.GetLocation(),
                additional,
                ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape),
                message));
        }

        /// <summary>
        /// The lock value is a bare parameter of the method around the call (or of the method whose lambda makes the call)
        /// and the non-unique value was found at an argument some caller passes for it: the method that owns the parameter.
        /// </summary>
        private static IMethodSymbol? ForwardedParameter(IInvocationOperation call, IOperation value, ValueOrigin origin)
        {
            if (!(LockModel.Unwrap(value) is IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: not MethodKind.AnonymousFunction } method } })
                || origin.Origin == null)
            {
                return null;
            }

            foreach (var reference in method.DeclaringSyntaxReferences)
            {
                if (reference.SyntaxTree == origin.Origin.SyntaxTree && reference.Span.Contains(origin.Origin.Span))
                    return null; // found inside the method itself (a recursive call): report where the value is used
            }

            return origin.Origin.SyntaxTree == call.Syntax.SyntaxTree && origin.Origin.Span.Equals(call.Syntax.Span) ? null : method;
        }

        /// <summary>
        /// The value is built only from constants and the parts of the key (<c>$"{key}-locked"</c>, <c>job + ":owner"</c>
        /// for the key <c>"claim:" + job</c>): every client that takes this key writes the same value.
        /// </summary>
        private static bool IsMadeFromTheKey(IOperation value, IOperation key, LockModel model, CancellationToken token)
        {
            var keyParts = new List<string?>();
            var valueParts = new List<string?>();
            Parts(key, keyParts, model, 0, token);
            Parts(value, valueParts, model, 0, token);
            return valueParts.Count > 0 && valueParts.All(p => p != null && keyParts.Contains(p));
        }

        /// <summary>The identities of the non-constant pieces a string is built from (null for a piece with none).</summary>
        private static void Parts(IOperation? operation, List<string?> parts, LockModel model, int depth, CancellationToken token)
        {
            operation = LockModel.Unwrap(operation);
            if (operation == null || depth > 4)
            {
                parts.Add(null);
                return;
            }

            if (operation.ConstantValue.HasValue)
                return;
            switch (operation)
            {
                case IObjectCreationOperation { Arguments: { Length: 1 } arguments } creation when creation.Type?.Name is "RedisKey" or "RedisValue":
                    Parts(arguments[0].Value, parts, model, depth + 1, token);
                    return;
                case IInterpolatedStringOperation interpolated:
                    foreach (var part in interpolated.Parts.OfType<IInterpolationOperation>())
                        Parts(part.Expression, parts, model, depth + 1, token);
                    return;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } concat:
                    Parts(concat.LeftOperand, parts, model, depth + 1, token);
                    Parts(concat.RightOperand, parts, model, depth + 1, token);
                    return;
                case ILocalReferenceOperation local when LockValueFlow.LocalWrites(local.Local, LockModel.GetRoot(operation), token) is { Count: 1 } writes:
                    Parts(writes[0], parts, model, depth + 1, token);
                    return;
            }

            parts.Add(model.ValueFlow.Identity(operation, token));
        }

        /// <summary>
        /// SET NX of a constant with an expiry, where nothing says "lock" and nothing in the type ever releases the key: a
        /// one-time marker (send this warning at most once a minute, remember that a notice went out), not a lock whose
        /// owner matters. Nobody releases it, so nobody can release someone else's.
        /// </summary>
        private static bool IsOneTimeMarker(RedisAcquire acquire, LockModel model, CancellationToken token)
        {
            if (acquire.IsLockTake || acquire.Expiry == null || LockModel.HasLockWords(acquire.Call, acquire.Key, acquire.Value))
                return false;
            var identity = model.ValueFlow.Identity(acquire.Key, token); // null: a key built by a call; then no release at all may be in the type
            var type = LockValueFlow.ContainingType(acquire.Call);
            if (type == null)
                return false;
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                var semanticModel = model.SemanticModelFor(reference.SyntaxTree, acquire.Call.SemanticModel);
                if (semanticModel == null)
                    return false;
                foreach (var invocation in reference.GetSyntax(token).DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>())
                {
                    var text = invocation.Expression.ToString();
                    if (!(text.Contains("KeyDelete") || text.Contains("LockRelease") || text.Contains("ScriptEvaluate")))
                        continue;
                    if (!(semanticModel.GetOperation(invocation, token) is IInvocationOperation release) || !model.IsRedisRelease(release, out var releasedKey, out _))
                        continue;
                    var releasedIdentity = model.ValueFlow.Identity(releasedKey, token);
                    if (identity == null || releasedIdentity == null || releasedIdentity == identity)
                        return false; // released somewhere (or maybe): a lock after all
                }
            }

            return true;
        }

        /// <summary>
        /// A token made once per instance (a field or auto-property given a fresh Guid in its initializer or constructor)
        /// used for locks whose key comes from the method's parameters: a lock service shared by its callers, so every
        /// acquisition through it — of any key, from any thread — carries the same token, and a caller whose lease ran
        /// out releases or extends the lock another caller of the same instance now holds. A handle type whose key is a
        /// field too (one instance per acquisition) is not this.
        /// </summary>
        private static ValueOrigin? SharedInstanceToken(IInvocationOperation call, LockModel model, IOperation value, IOperation? key, CancellationToken token)
        {
            var member = LockModel.Unwrap(value) switch
            {
                IFieldReferenceOperation { Field: { IsStatic: false } field, Instance: null or IInstanceReferenceOperation } => (ISymbol)field,
                IPropertyReferenceOperation { Property: { IsStatic: false } property, Instance: null or IInstanceReferenceOperation } => property,
                _ => null,
            };
            if (member == null || key == null)
                return null;
            var keyIdentity = model.ValueFlow.Identity(key, token);
            if (keyIdentity == null || !(keyIdentity.StartsWith("p:", System.StringComparison.Ordinal) || keyIdentity.Contains("|p:")))
                return null;
            var writes = model.ValueFlow.MemberWrites(member, call.SemanticModel, token);
            if (writes == null || writes.Count == 0)
                return null;
            foreach (var write in writes)
            {
                var inConstructorOrInitializer = write.Syntax.Ancestors().Any(a => a is Microsoft.CodeAnalysis.CSharp.Syntax.ConstructorDeclarationSyntax
                    || a is Microsoft.CodeAnalysis.CSharp.Syntax.FieldDeclarationSyntax || a is Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax { Initializer: { } });
                if (!inConstructorOrInitializer || model.ValueFlow.Classify(write, token).Uniqueness != Uniqueness.Unique)
                    return null;
            }

            return new ValueOrigin(Uniqueness.NonUnique, writes[0].Syntax,
                "made once per instance, so every acquisition through this shared instance, of any key and from any thread, carries the same token");
        }

        /// <summary>KeyDelete queued on a transaction that has a condition (Condition.StringEqual): atomic, fine.</summary>
        private static bool IsConditionedTransaction(IInvocationOperation call, LockModel model)
        {
            var receiverType = call.Instance?.Type;
            if (receiverType == null || model.Transaction == null || !receiverType.AllInterfaces.Concat(new[] { receiverType }).Any(t => SymbolEqualityComparer.Default.Equals(t, model.Transaction)))
                return false;
            return LockModel.GetRoot(call).Descendants().OfType<IInvocationOperation>().Any(i => i.TargetMethod.Name == "AddCondition");
        }

        /// <summary>KeyDelete inside an if whose condition reads the key (GET, compare, DEL): not atomic.</summary>
        private static bool IsGuardedByGet(IInvocationOperation call, LockModel model, CancellationToken token)
        {
            for (var current = call.Parent; current != null; current = current.Parent)
            {
                if (current is IConditionalOperation conditional && ReadsKey(conditional.Condition, model, call, token))
                    return true;
            }

            return false;
        }

        // db.StringGet(key) == token, or a local that holds it: var current = db.StringGet(key); if (current == token) …
        private static bool ReadsKey(IOperation condition, LockModel model, IOperation at, CancellationToken token)
        {
            foreach (var operation in condition.DescendantsAndSelf())
            {
                var value = operation is ILocalReferenceOperation local
                    ? LockValueFlow.LocalWrites(local.Local, LockModel.GetRoot(at), token)?.FirstOrDefault()
                    : operation;
                value = value is IAwaitOperation awaited ? awaited.Operation : value;
                if (LockModel.Unwrap(value) is IInvocationOperation read && read.TargetMethod.Name.StartsWith("StringGet", System.StringComparison.Ordinal) && model.IsRedisDatabaseMethod(read.TargetMethod))
                    return true;
            }

            return false;
        }
    }
}
