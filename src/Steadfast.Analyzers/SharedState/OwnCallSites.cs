using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// Where a type calls its own methods, and what that says about the code inside them (for SF3001): a private
    /// method nobody calls never runs (so a thread it would start is never started), a private helper whose every
    /// caller holds a lock or semaphore runs under it, and the rest of a method that first re-dispatches itself onto
    /// its owner thread (<c>if (InvokeRequired) { Invoke(() =&gt; M(…)); return; }</c>) runs on that one thread.
    /// </summary>
    internal sealed class OwnCallSites
    {
        private const int MaxCallerDepth = 6;

        private readonly SharedStateModel _model;
        private readonly INamedTypeSymbol _type;
        private readonly Dictionary<IMethodSymbol, List<(IOperation Site, ISymbol Owner)>> _sites = new Dictionary<IMethodSymbol, List<(IOperation, ISymbol)>>(SymbolEqualityComparer.Default);
        private readonly Dictionary<IMethodSymbol, bool> _guardedByCallers = new Dictionary<IMethodSymbol, bool>(SymbolEqualityComparer.Default);

        public OwnCallSites(SharedStateModel model, INamedTypeSymbol type, ImmutableArray<MemberBlock> blocks)
        {
            _model = model;
            _type = type;
            foreach (var block in blocks)
            {
                foreach (var operation in block.Root.DescendantsAndSelf())
                {
                    var target = operation switch
                    {
                        IInvocationOperation call => call.TargetMethod,
                        IMethodReferenceOperation reference => reference.Method,
                        _ => null,
                    };
                    if (target == null || !IsOwn(target))
                        continue;
                    var method = target.OriginalDefinition;
                    if (!_sites.TryGetValue(method, out var list))
                        _sites[method] = list = new List<(IOperation, ISymbol)>();
                    list.Add((operation, block.Owner));
                }
            }
        }

        private bool IsOwn(IMethodSymbol method) =>
            SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, _type.OriginalDefinition);

        private static bool IsPrivateHelper(ISymbol symbol) =>
            symbol is IMethodSymbol { MethodKind: MethodKind.Ordinary, DeclaredAccessibility: Accessibility.Private, IsVirtual: false, IsOverride: false } method
            && method.ExplicitInterfaceImplementations.IsEmpty;

        /// <summary>The context is started from a private method that nothing in the type calls or refers to: dead code.</summary>
        public bool IsNeverStarted(ConcurrentContext context) =>
            IsPrivateHelper(context.StartOwner) && !_sites.ContainsKey(((IMethodSymbol)context.StartOwner).OriginalDefinition);

        /// <summary>The member is a private helper that is only called, directly or through other such helpers, under a lock or semaphore.</summary>
        public bool IsGuardedByCallers(ISymbol owner) => owner is IMethodSymbol method && GuardedByCallers(method.OriginalDefinition, 0);

        private bool GuardedByCallers(IMethodSymbol method, int depth)
        {
            if (_guardedByCallers.TryGetValue(method, out var known))
                return known;
            if (!IsPrivateHelper(method) || !_sites.TryGetValue(method, out var sites) || depth > MaxCallerDepth)
                return false;
            // A helper that calls itself (or its caller) back: assume guarded while the question is open; an
            // unguarded entry elsewhere still decides it.
            _guardedByCallers[method] = true;
            var guarded = true;
            foreach (var (site, owner) in sites)
            {
                if (site is IMethodReferenceOperation || IsInsideLambda(site))
                {
                    // Handed out as a delegate (or called from one): whoever runs it holds no lock we can see.
                    guarded = false;
                    break;
                }

                if (_model.GetGuard(site).IsGuarded)
                    continue;
                if (!(owner is IMethodSymbol caller) || !GuardedByCallers(caller.OriginalDefinition, depth + 1))
                {
                    guarded = false;
                    break;
                }
            }

            _guardedByCallers[method] = guarded;
            return guarded;
        }

        private static bool IsInsideLambda(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is IAnonymousFunctionOperation)
                    return true;
            }

            return false;
        }

        /// <summary>
        /// The access follows, in its method's body, an <c>if</c> that hands a delegate calling this same method to
        /// some dispatcher and returns: past that point the method only runs on the thread it dispatches to.
        /// </summary>
        public bool IsAfterSelfRedispatch(IOperation reference, ISymbol owner)
        {
            if (!(owner is IMethodSymbol method))
                return false;
            IOperation? statement = reference;
            while (statement?.Parent != null && !(statement.Parent is IBlockOperation { Parent: IMethodBodyOperation }))
            {
                if (statement.Parent is IAnonymousFunctionOperation || statement.Parent is ILocalFunctionOperation)
                    return false;
                statement = statement.Parent;
            }

            if (!(statement?.Parent is IBlockOperation body))
                return false;
            var index = body.Operations.IndexOf(statement);
            for (var i = 0; i < index; i++)
            {
                if (body.Operations[i] is IConditionalOperation { WhenFalse: null } check && RedispatchesAndReturns(check.WhenTrue, method))
                    return true;
            }

            return false;
        }

        private bool RedispatchesAndReturns(IOperation branch, IMethodSymbol method)
        {
            var operations = branch is IBlockOperation block ? block.Operations : ImmutableArray.Create(branch);
            if (operations.IsEmpty || !(operations[operations.Length - 1] is IReturnOperation))
                return false;
            foreach (var operation in operations)
            {
                foreach (var function in operation.DescendantsAndSelf())
                {
                    // Task.Run and the like only move the work to another thread; a dispatcher queues it for one.
                    if (!(function is IAnonymousFunctionOperation lambda) || _model.IsConcurrentDelegate(lambda))
                        continue;
                    foreach (var inner in lambda.Body.DescendantsAndSelf())
                    {
                        if (inner is IInvocationOperation call && SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method.OriginalDefinition))
                            return true;
                    }
                }
            }

            return false;
        }
    }
}
