using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// What SF3002 learns from one operation block of a member: its field accesses, its calls of the type's own methods,
    /// the fields it locks on, the methods it hands out as delegates and where it wires up work that runs on other threads.
    /// Taken while the block's operation tree is at hand, so that only these facts — not the tree — live until the end of the
    /// type.
    /// </summary>
    internal sealed class GuardedFieldBlockFacts
    {
        private GuardedFieldBlockFacts(ISymbol owner)
        {
            Owner = owner;
        }

        public ISymbol Owner { get; }

        public List<FieldAccessFact> Accesses { get; } = new List<FieldAccessFact>();

        public List<OwnCallFact> Calls { get; } = new List<OwnCallFact>();

        /// <summary>Own methods used as a delegate (<c>Run(Tick)</c>): whoever calls them holds no lock we can see.</summary>
        public List<IMethodSymbol> MethodGroups { get; } = new List<IMethodSymbol>();

        /// <summary>Fields (or properties) that name a lock: locked on directly, or through a local copy (<c>var subs = _subs; lock (subs)</c>).</summary>
        public List<ISymbol> LockObjects { get; } = new List<ISymbol>();

        /// <summary>Fields (or properties) locked on directly: <c>lock (_items)</c>.</summary>
        public List<ISymbol> DirectLockObjects { get; } = new List<ISymbol>();

        /// <summary>
        /// The type's own properties locked on (<c>lock (this.SyncLock)</c> with <c>object SyncLock =&gt; _items.SyncRoot;</c>): what their
        /// getters read is the lock object, not state.
        /// </summary>
        public List<IPropertySymbol> LockAccessors { get; } = new List<IPropertySymbol>();

        /// <summary>Where the member, outside any lambda, subscribes a long-lived handler or creates a thread or timer.</summary>
        public List<(SyntaxTree Tree, int SpanStart)> SetUpEnds { get; } = new List<(SyntaxTree, int)>();

        /// <summary>Where the member, outside any lambda, disposes or closes one of the object's own resources (<c>_socket.Dispose()</c>): tear-down.</summary>
        public List<(SyntaxTree Tree, int SpanEnd)> TearDowns { get; } = new List<(SyntaxTree, int)>();

        public static GuardedFieldBlockFacts Collect(
            SharedStateModel model, INamedTypeSymbol type, INamedTypeSymbol? interlocked, ISymbol owner, IEnumerable<IOperation> roots, CancellationToken cancellationToken)
        {
            var facts = new GuardedFieldBlockFacts(owner);
            var lockedLocals = new List<ILocalSymbol>();
            var localCopies = new Dictionary<ILocalSymbol, ISymbol>(SymbolEqualityComparer.Default);
            var lambdaUnits = new Dictionary<IAnonymousFunctionOperation, ConcurrentLambdaUnit>();
            foreach (var root in roots)
            {
                foreach (var operation in root.DescendantsAndSelf())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    switch (operation)
                    {
                        case ILockOperation lockOperation:
                            var lockedValue = SharedStateModel.Unwrap(lockOperation.LockedValue);
                            if (SharedStateModel.ReferencedState(lockedValue) is { } lockState && (lockState is IFieldSymbol || lockState is IPropertySymbol))
                            {
                                facts.LockObjects.Add(lockState);
                                facts.DirectLockObjects.Add(lockState);
                            }
                            else if (lockedValue is ILocalReferenceOperation lockedLocal)
                            {
                                lockedLocals.Add(lockedLocal.Local);
                            }
                            else if (lockedValue is IPropertyReferenceOperation accessor && accessor.Arguments.IsEmpty
                                && (accessor.Property.IsStatic || SharedStateModel.IsThisReceiver(accessor.Instance))
                                && SymbolEqualityComparer.Default.Equals(accessor.Property.ContainingType?.OriginalDefinition, type.OriginalDefinition))
                            {
                                facts.LockAccessors.Add(accessor.Property.OriginalDefinition);
                            }

                            break;
                        case IVariableDeclaratorOperation declarator when declarator.Initializer != null
                            && SharedStateModel.ReferencedState(SharedStateModel.Unwrap(declarator.Initializer.Value)) is { } copied
                            && (copied is IFieldSymbol || copied is IPropertySymbol):
                            localCopies[declarator.Symbol] = copied; // var subs = _subscriptions; … lock (subs)
                            break;
                        case IInvocationOperation release when IsOwnResourceReleased(release, type):
                            if (!InsideLambda(release))
                                facts.TearDowns.Add((release.Syntax.SyntaxTree, release.Syntax.Span.End));
                            break;
                        case IInvocationOperation call when IsOwn(call.TargetMethod, type) && (call.Instance == null || SharedStateModel.IsThisReceiver(call.Instance)):
                            facts.Calls.Add(new OwnCallFact(
                                call.TargetMethod.OriginalDefinition, owner, model.GetGuard(call), InsideLambda(call), call.Parent != null,
                                call.Syntax.SyntaxTree, call.Syntax.SpanStart, call.Syntax.Span.End));
                            break;
                        case IMethodReferenceOperation reference:
                            facts.MethodGroups.Add(reference.Method.OriginalDefinition);
                            break;
                        case IEventAssignmentOperation { Adds: true } subscription when IsLongLivedSource(subscription):
                        case IObjectCreationOperation _ when model.GetStarter(operation) != null:
                            if (!InsideLambda(operation))
                                facts.SetUpEnds.Add((operation.Syntax.SyntaxTree, operation.Syntax.SpanStart));
                            break;
                        case IFieldReferenceOperation _:
                        case IPropertyReferenceOperation _:
                            if (Describe(model, type, interlocked, owner, operation, lambdaUnits, cancellationToken) is { } access)
                                facts.Accesses.Add(access);
                            break;
                    }
                }
            }

            foreach (var local in lockedLocals)
            {
                if (localCopies.TryGetValue(local, out var copiedField))
                    facts.LockObjects.Add(copiedField); // the lock is on the object the field holds: the field names the lock
            }

            return facts;
        }

        private static FieldAccessFact? Describe(
            SharedStateModel model, INamedTypeSymbol type, INamedTypeSymbol? interlocked, ISymbol owner, IOperation reference,
            Dictionary<IAnonymousFunctionOperation, ConcurrentLambdaUnit> lambdaUnits, CancellationToken cancellationToken)
        {
            var field = SharedStateModel.ReferencedState(reference);
            if (!(field is IFieldSymbol || field is IPropertySymbol) || field is IFieldSymbol { IsVolatile: true } || field is IPropertySymbol { SetMethod: null }
                || !SymbolEqualityComparer.Default.Equals(field.ContainingType.OriginalDefinition, type.OriginalDefinition)
                || IsInNameOf(reference) || IsTheLockTaken(reference) || IsHandedToAHelperThatLocksIt(reference, type, cancellationToken))
            {
                return null;
            }

            var kind = model.Classify(SharedStateModel.TypeOf(field));
            var mutation = kind != StateKind.None ? model.GetMutation(reference, kind) : null;
            var changes = SharedStateModel.IsWrite(reference) || mutation != null;
            return new FieldAccessFact(
                field,
                owner,
                UnitOf(model, reference, owner, lambdaUnits),
                model.GetGuard(reference),
                changes,
                lockFree: IsLockFree(reference, interlocked),
                changesInPlace: mutation != null && kind != StateKind.Numeric && kind != StateKind.Array,
                reference.Syntax.GetLocation(),
                reference.Syntax.Span.End,
                inCondition: IsInCondition(reference),
                insideLambda: InsideLambda(reference),
                UnguardedAccessShape.Describe(reference));
        }

        /// <summary>
        /// <c>_socket.Dispose()</c>, <c>Stream.Close()</c>: a parameterless Dispose, DisposeAsync or Close called on a field or property of this
        /// object (not on the object itself), which ends the resource the object works through.
        /// </summary>
        private static bool IsOwnResourceReleased(IInvocationOperation call, INamedTypeSymbol type)
        {
            var method = call.TargetMethod;
            if (!method.Parameters.IsEmpty || !(method.Name == "Dispose" || method.Name == "DisposeAsync" || method.Name == "Close") || call.Instance == null || IsOwn(method, type))
                return false;
            var receiver = SharedStateModel.Unwrap(call.Instance);
            return (receiver is IFieldReferenceOperation field && (field.Field.IsStatic || SharedStateModel.IsThisReceiver(field.Instance)))
                || (receiver is IPropertyReferenceOperation property && (property.Property.IsStatic || SharedStateModel.IsThisReceiver(property.Instance)));
        }

        private static bool IsOwn(IMethodSymbol method, INamedTypeSymbol type) =>
            SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, type.OriginalDefinition);

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

        /// <summary>
        /// The field passed to a method or local function that locks on that parameter and uses it only inside the lock
        /// (<c>TryDequeueLocked(_queue, out m)</c> with <c>lock (queue) { return queue.TryDequeue(out m); }</c>): the helper takes the
        /// lock the other members take, so handing it the object is not an unguarded use.
        /// </summary>
        private static bool IsHandedToAHelperThatLocksIt(IOperation reference, INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            IOperation current = reference;
            while (current.Parent is IConversionOperation || current.Parent is IParenthesizedOperation)
                current = current.Parent;
            // Only the type's own private helpers and local functions: their whole body is the type's code, in reach.
            if (!(current.Parent is IArgumentOperation { Parameter: { RefKind: RefKind.None } parameter, Parent: IInvocationOperation _ })
                || parameter.DeclaringSyntaxReferences.Length != 1 || parameter.Type.IsValueType
                || !(parameter.ContainingSymbol is IMethodSymbol callee)
                || !(callee.MethodKind == MethodKind.LocalFunction
                    || (callee.DeclaredAccessibility == Accessibility.Private && IsOwn(callee, type))))
            {
                return false;
            }

            var body = parameter.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken).Parent?.Parent switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax method => (SyntaxNode?)method.Body ?? method.ExpressionBody,
                Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax local => (SyntaxNode?)local.Body ?? local.ExpressionBody,
                _ => null,
            };
            if (body == null)
                return false;
            var name = parameter.Name;
            Microsoft.CodeAnalysis.CSharp.Syntax.LockStatementSyntax? taken = null;
            foreach (var node in body.DescendantNodes())
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.LockStatementSyntax lockStatement
                    && lockStatement.Expression is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax { Identifier: { ValueText: var locked } } && locked == name)
                {
                    taken = lockStatement;
                    break;
                }
            }

            if (taken == null)
                return false;
            foreach (var node in body.DescendantNodes())
            {
                if (node is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax identifier && identifier.Identifier.ValueText == name && !taken.Span.Contains(identifier.Span))
                    return false; // used outside the lock too
            }

            return true;
        }

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
        private static object UnitOf(SharedStateModel model, IOperation operation, ISymbol owner, Dictionary<IAnonymousFunctionOperation, ConcurrentLambdaUnit> lambdaUnits)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation function && model.IsConcurrentDelegate(function))
                {
                    if (!lambdaUnits.TryGetValue(function, out var unit))
                        lambdaUnits[function] = unit = new ConcurrentLambdaUnit();
                    return unit;
                }
            }

            return owner;
        }

        /// <summary><c>Interlocked.Increment(ref _n)</c>, <c>Volatile.Read(ref _n)</c>: deliberate lock-free access.</summary>
        private static bool IsLockFree(IOperation reference, INamedTypeSymbol? interlocked) =>
            reference.Parent is IArgumentOperation { Parent: IInvocationOperation call }
            && (SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, interlocked)
                || call.TargetMethod.ContainingType?.ToDisplayString() == "System.Threading.Volatile");

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

        private static bool InsideLambda(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                    return true;
            }

            return false;
        }
    }
}
