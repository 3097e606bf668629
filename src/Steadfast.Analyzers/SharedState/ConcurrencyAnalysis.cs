using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>What <see cref="ConcurrencyAnalysis"/> collects for a type that starts no concurrent work.</summary>
    internal enum WithoutContexts
    {
        /// <summary>Every access to state.</summary>
        AllAccesses,

        /// <summary>Accesses to static fields and properties: all a request-serving type can race on by framework contract.</summary>
        StaticStateOnly,

        /// <summary>No accesses: the caller has nothing to report.</summary>
        Nothing,
    }

    /// <summary>One operation block of a type's member (a method body, a field initializer …).</summary>
    internal readonly struct MemberBlock
    {
        public MemberBlock(ISymbol owner, IOperation root)
        {
            Owner = owner;
            Root = root;
        }

        public ISymbol Owner { get; }

        public IOperation Root { get; }
    }

    /// <summary>Code that runs on other threads: the delegates one starter hands off, and the methods of the type they reach.</summary>
    internal sealed class ConcurrentContext
    {
        public ConcurrentContext(Starter starter, ISymbol startOwner, bool selfConcurrent, bool joined, IOperation? group)
        {
            Starter = starter;
            StartOwner = startOwner;
            SelfConcurrent = selfConcurrent;
            Joined = joined;
            Group = group;
        }

        public Starter Starter { get; }

        public ISymbol StartOwner { get; }

        public bool SelfConcurrent { get; }

        public bool Joined { get; }

        public IOperation? Group { get; }

        /// <summary>Lambdas, loop bodies and local functions that run in this context.</summary>
        public List<IOperation> LexicalRoots { get; } = new List<IOperation>();

        /// <summary>Methods of the type (and local functions) reached from the roots.</summary>
        public HashSet<IMethodSymbol> Methods { get; } = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);

        public string Description => Starter.Description;

        public bool ConcurrentWith(ConcurrentContext other)
        {
            if (ReferenceEquals(this, other))
                return SelfConcurrent;
            if (!Joined || !other.Joined)
                return true;
            return Group != null && ReferenceEquals(Group, other.Group);
        }
    }

    /// <summary>A read, write or mutation of a piece of state.</summary>
    internal sealed class StateAccess
    {
        public StateAccess(ISymbol state, StateKind kind, IOperation reference, ISymbol owner, IOperation? mutation, bool isWrite, Guard guard)
        {
            State = state;
            Kind = kind;
            Reference = reference;
            Owner = owner;
            Mutation = mutation;
            IsWrite = isWrite;
            Guard = guard;
        }

        public ISymbol State { get; }

        public StateKind Kind { get; }

        public IOperation Reference { get; }

        public ISymbol Owner { get; }

        public IOperation? Mutation { get; }

        public bool IsWrite { get; }

        public Guard Guard { get; }

        public List<ConcurrentContext> Contexts { get; } = new List<ConcurrentContext>();

        public bool Ordinary { get; set; }
    }

    /// <summary>
    /// Finds the code of one type that runs concurrently (what it hands to Task.Run, Parallel.*, threads,
    /// timers, request handlers, and the methods of the type reached from there, a few calls deep) and
    /// classifies every access to state in the type by the contexts it runs in.
    /// </summary>
    internal sealed class ConcurrencyAnalysis
    {
        private const int MaxCallDepth = 4;
        private static readonly ImmutableHashSet<string> RepeatingCalls = ImmutableHashSet.Create("Select", "SelectMany", "ForEach", "ConvertAll", "Repeat", "Range");

        private readonly SharedStateModel _model;
        private readonly INamedTypeSymbol? _type;
        private readonly ImmutableArray<MemberBlock> _blocks;
        private readonly Dictionary<IMethodSymbol, List<IOperation>> _bodies = new Dictionary<IMethodSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        private readonly Dictionary<IMethodSymbol, ILocalFunctionOperation> _localFunctions = new Dictionary<IMethodSymbol, ILocalFunctionOperation>(SymbolEqualityComparer.Default);
        private readonly Dictionary<IOperation, List<ConcurrentContext>> _contextsByRoot = new Dictionary<IOperation, List<ConcurrentContext>>();
        private readonly Dictionary<IMethodSymbol, List<ConcurrentContext>> _contextsByMethod = new Dictionary<IMethodSymbol, List<ConcurrentContext>>(SymbolEqualityComparer.Default);
        private readonly HashSet<IOperation> _starterTargets = new HashSet<IOperation>();
        private readonly HashSet<IMethodSymbol> _ordinaryMethods = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);

        private ConcurrencyAnalysis(SharedStateModel model, INamedTypeSymbol? type, ImmutableArray<MemberBlock> blocks)
        {
            _model = model;
            _type = type;
            _blocks = blocks;
        }

        public List<ConcurrentContext> Contexts { get; } = new List<ConcurrentContext>();

        public List<StateAccess> Accesses { get; } = new List<StateAccess>();

        /// <param name="withoutContexts">What to collect when the type turns out to start no concurrent work.</param>
        public static ConcurrencyAnalysis Create(SharedStateModel model, INamedTypeSymbol? type, ImmutableArray<MemberBlock> blocks, bool withContexts, CancellationToken cancellationToken,
            WithoutContexts withoutContexts = WithoutContexts.AllAccesses)
        {
            var analysis = new ConcurrencyAnalysis(model, type, blocks);
            analysis.Run(withContexts, withoutContexts, cancellationToken);
            return analysis;
        }

        private void Run(bool withContexts, WithoutContexts withoutContexts, CancellationToken cancellationToken)
        {
            var staticStateOnly = false;
            foreach (var block in _blocks)
            {
                if (block.Owner is IMethodSymbol method)
                {
                    if (!_bodies.TryGetValue(method, out var list))
                        _bodies[method] = list = new List<IOperation>();
                    list.Add(block.Root);
                }

                foreach (var localFunction in block.Root.DescendantsAndSelf().OfType<ILocalFunctionOperation>())
                    _localFunctions[localFunction.Symbol] = localFunction;
            }

            if (withContexts)
            {
                foreach (var block in _blocks)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    foreach (var operation in block.Root.DescendantsAndSelf())
                        FindContext(operation, block.Owner);
                }

                if (Contexts.Count == 0 && withoutContexts == WithoutContexts.Nothing)
                    return;
                staticStateOnly = Contexts.Count == 0 && withoutContexts == WithoutContexts.StaticStateOnly;
                foreach (var context in Contexts)
                    Expand(context, cancellationToken);
                ComputeOrdinaryMethods(cancellationToken);
            }

            foreach (var block in _blocks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var operation in block.Root.DescendantsAndSelf())
                {
                    var state = SharedStateModel.ReferencedState(operation);
                    if (state == null || (staticStateOnly && !(state.IsStatic && (state is IFieldSymbol || state is IPropertySymbol))) || IsInNameOf(operation))
                        continue;
                    var kind = _model.Classify(SharedStateModel.TypeOf(state));
                    if (kind == StateKind.None)
                        continue;
                    var access = new StateAccess(state, kind, operation, block.Owner, _model.GetMutation(operation, kind), SharedStateModel.IsWrite(operation), _model.GetGuard(operation));
                    if (withContexts)
                        Classify(access);
                    Accesses.Add(access);
                }
            }
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

        private void FindContext(IOperation operation, ISymbol owner)
        {
            if (operation is IInvocationOperation call && _model.GetPeriodicTimerLoop(call) is { } loop)
            {
                var tickContext = new ConcurrentContext(
                    new Starter(call, "a PeriodicTimer loop", selfConcurrent: false, ImmutableArray<IOperation>.Empty), owner, selfConcurrent: false, joined: false, group: null);
                tickContext.LexicalRoots.Add(loop.Body);
                Add(tickContext);
                return;
            }

            var starter = _model.GetStarter(operation);
            if (starter == null || starter.Targets.IsEmpty)
                return;

            var (joined, group) = starter.Joined ? (true, starter.Group) : JoinOf(starter.Operation);
            var selfConcurrent = starter.SelfConcurrent || (!joined && IsRepeated(starter.Operation));
            foreach (var target in starter.Targets)
            {
                _starterTargets.Add(target);
                // Each delegate of Parallel.Invoke / Task.WhenAll is its own context; they run beside each other.
                var context = new ConcurrentContext(starter, owner, selfConcurrent, joined, group ?? (starter.Targets.Length > 1 ? starter.Operation : null));
                switch (target)
                {
                    case IAnonymousFunctionOperation function:
                        context.LexicalRoots.Add(function);
                        break;
                    case IMethodReferenceOperation reference:
                        AddMethod(context, reference.Method);
                        break;
                }

                Add(context);
            }
        }

        private void Add(ConcurrentContext context)
        {
            Contexts.Add(context);
            foreach (var root in context.LexicalRoots)
            {
                if (!_contextsByRoot.TryGetValue(root, out var list))
                    _contextsByRoot[root] = list = new List<ConcurrentContext>();
                list.Add(context);
            }
        }

        private bool AddMethod(ConcurrentContext context, IMethodSymbol method)
        {
            method = method.OriginalDefinition;
            if (method.MethodKind == MethodKind.LocalFunction)
            {
                if (!_localFunctions.TryGetValue(method, out var localFunction) || !context.Methods.Add(method))
                    return false;
                context.LexicalRoots.Add(localFunction);
                return true;
            }

            if (!_bodies.ContainsKey(method) || !context.Methods.Add(method))
                return false;
            if (!_contextsByMethod.TryGetValue(method, out var list))
                _contextsByMethod[method] = list = new List<ConcurrentContext>();
            list.Add(context);
            return true;
        }

        /// <summary>Follows calls to the type's own methods (on this instance), local functions and property accessors, a few levels.</summary>
        private void Expand(ConcurrentContext context, CancellationToken cancellationToken)
        {
            var frontier = new List<IOperation>(context.LexicalRoots);
            foreach (var method in context.Methods)
            {
                // Local functions are in LexicalRoots already; only members have bodies here.
                if (_bodies.TryGetValue(method, out var bodies))
                    frontier.AddRange(bodies);
            }

            for (var depth = 0; depth < MaxCallDepth && frontier.Count > 0; depth++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = new List<IOperation>();
                foreach (var root in frontier)
                {
                    foreach (var operation in root.DescendantsAndSelf())
                    {
                        IMethodSymbol? callee = null;
                        switch (operation)
                        {
                            case IInvocationOperation call when call.Instance == null || SharedStateModel.IsThisReceiver(call.Instance):
                                callee = call.TargetMethod;
                                break;
                            case IMethodReferenceOperation reference when reference.Instance == null || SharedStateModel.IsThisReceiver(reference.Instance):
                                callee = reference.Method;
                                break;
                            case IPropertyReferenceOperation property when property.Instance == null || SharedStateModel.IsThisReceiver(property.Instance):
                                callee = IsAssignedTo(property) ? property.Property.SetMethod : property.Property.GetMethod;
                                break;
                        }

                        if (callee == null || (callee.MethodKind != MethodKind.LocalFunction && !IsOwnMember(callee)))
                            continue;
                        var before = context.LexicalRoots.Count;
                        if (!AddMethod(context, callee))
                            continue;
                        if (callee.MethodKind == MethodKind.LocalFunction)
                        {
                            next.Add(context.LexicalRoots[context.LexicalRoots.Count - 1]);
                            if (!_contextsByRoot.TryGetValue(context.LexicalRoots[before], out var list))
                                _contextsByRoot[context.LexicalRoots[before]] = list = new List<ConcurrentContext>();
                            list.Add(context);
                        }
                        else
                        {
                            next.AddRange(_bodies[callee.OriginalDefinition]);
                        }
                    }
                }

                frontier = next;
            }
        }

        private bool IsOwnMember(IMethodSymbol method) =>
            _type != null && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, _type.OriginalDefinition);

        private static bool IsAssignedTo(IOperation operation) =>
            operation.Parent is IAssignmentOperation assignment && assignment.Target == operation;

        /// <summary>
        /// Methods the outside world can call: everything but private methods reached only from concurrent code.
        /// </summary>
        private void ComputeOrdinaryMethods(CancellationToken cancellationToken)
        {
            var candidates = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            foreach (var method in _bodies.Keys)
            {
                if (method.DeclaredAccessibility == Accessibility.Private && method.MethodKind == MethodKind.Ordinary
                    && method.ExplicitInterfaceImplementations.IsEmpty && _contextsByMethod.ContainsKey(method))
                {
                    candidates.Add(method);
                }
                else
                {
                    _ordinaryMethods.Add(method);
                }
            }

            var changed = candidates.Count > 0;
            while (changed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                changed = false;
                foreach (var block in _blocks)
                {
                    if (block.Owner is IMethodSymbol owner && !_ordinaryMethods.Contains(owner))
                        continue;
                    foreach (var operation in block.Root.DescendantsAndSelf())
                    {
                        var referenced = operation switch
                        {
                            IInvocationOperation call => call.TargetMethod.OriginalDefinition,
                            IMethodReferenceOperation reference => reference.Method.OriginalDefinition,
                            _ => null,
                        };
                        if (referenced != null && candidates.Contains(referenced) && !_starterTargets.Contains(operation) && !LexicalContexts(operation).Any())
                        {
                            candidates.Remove(referenced);
                            _ordinaryMethods.Add(referenced);
                            changed = true;
                        }
                    }
                }
            }
        }

        private IEnumerable<ConcurrentContext> LexicalContexts(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (_contextsByRoot.TryGetValue(current, out var contexts))
                {
                    foreach (var context in contexts)
                        yield return context;
                }
            }
        }

        private void Classify(StateAccess access)
        {
            // Locals and parameters are shared only with the concurrent code that captures them.
            var isLocal = access.State is ILocalSymbol || access.State is IParameterSymbol;
            var lexical = false;
            foreach (var context in LexicalContexts(access.Reference))
            {
                if (isLocal && IsDeclaredInside(access.State, context))
                    continue;
                lexical = true;
                if (!access.Contexts.Contains(context))
                    access.Contexts.Add(context);
            }

            if (isLocal)
            {
                access.Ordinary = !lexical;
                return;
            }

            if (access.Owner is IMethodSymbol owner && _contextsByMethod.TryGetValue(owner.OriginalDefinition, out var byMethod))
            {
                foreach (var context in byMethod)
                {
                    if (!access.Contexts.Contains(context))
                        access.Contexts.Add(context);
                }
            }

            access.Ordinary = !lexical && (!(access.Owner is IMethodSymbol method) || _ordinaryMethods.Contains(method.OriginalDefinition));
        }

        /// <summary>Whether the caller waits for the started work right away (<c>await Task.Run(…)</c>, <c>.Wait()</c>, <c>.Result</c>), and the WhenAll/WaitAll it is part of.</summary>
        private static (bool Joined, IOperation? Group) JoinOf(IOperation start)
        {
            var current = SkipConversions(start);
            var parent = current.Parent;
            if (parent is IInvocationOperation configure && configure.Instance == current && configure.TargetMethod.Name == "ConfigureAwait")
            {
                current = configure;
                parent = configure.Parent;
            }

            switch (parent)
            {
                case IAwaitOperation _:
                    return (true, null);
                case IInvocationOperation call when call.Instance == current:
                    if (call.TargetMethod.Name == "Wait")
                        return (true, null);
                    if (call.TargetMethod.Name == "GetAwaiter" && call.Parent is IInvocationOperation getResult && getResult.TargetMethod.Name == "GetResult")
                        return (true, null);
                    return (false, null);
                case IPropertyReferenceOperation result when result.Instance == current && result.Property.Name == "Result":
                    return (true, null);
            }

            // Task.WhenAll(Task.Run(a), Task.Run(b)) and Task.WaitAll(new[] { … }).
            IOperation? walk = parent;
            while (walk is IArrayElementReferenceOperation || walk is IArrayInitializerOperation || walk is IArrayCreationOperation || walk is IConversionOperation)
                walk = walk.Parent;
            if (walk is IArgumentOperation argument && argument.Parent is IInvocationOperation combinator
                && (combinator.TargetMethod.Name == "WhenAll" || combinator.TargetMethod.Name == "WaitAll"))
            {
                var waited = combinator.TargetMethod.Name == "WaitAll" || JoinOf(combinator).Joined;
                return (waited, combinator);
            }

            return (false, null);
        }

        private static IOperation SkipConversions(IOperation operation)
        {
            while (operation.Parent is IConversionOperation conversion)
                operation = conversion;
            return operation;
        }

        /// <summary>A starter inside a loop (or a <c>Select</c>/<c>ForEach</c> lambda) starts its delegate many times over.</summary>
        private static bool IsRepeated(IOperation start)
        {
            for (var current = start.Parent; current != null; current = current.Parent)
            {
                switch (current)
                {
                    case ILoopOperation _:
                        return true;
                    case IAnonymousFunctionOperation function:
                        IOperation up = function;
                        while (up.Parent is IDelegateCreationOperation || up.Parent is IConversionOperation)
                            up = up.Parent;
                        return up.Parent is IArgumentOperation { Parent: IInvocationOperation call } && RepeatingCalls.Contains(call.TargetMethod.Name);
                    case ILocalFunctionOperation _:
                        return false;
                }
            }

            return false;
        }

        /// <summary>Whether the access happens before <paramref name="context"/> is started, in the same member, outside any concurrent code.</summary>
        public static bool IsBeforeStart(StateAccess access, ConcurrentContext context) =>
            access.Ordinary
            && SymbolEqualityComparer.Default.Equals(access.Owner, context.StartOwner)
            && access.Reference.Syntax.SyntaxTree == context.Starter.Operation.Syntax.SyntaxTree
            && access.Reference.Syntax.SpanStart < context.Starter.Operation.Syntax.SpanStart;

        /// <summary>Whether the local or parameter is declared inside the context's code (so the context does not capture it).</summary>
        public static bool IsDeclaredInside(ISymbol state, ConcurrentContext context)
        {
            if (!(state is ILocalSymbol) && !(state is IParameterSymbol))
                return false;
            var declaration = state.DeclaringSyntaxReferences.FirstOrDefault();
            if (declaration == null)
                return true;
            // Declared in a member the context runs whole (reached through calls): each run has its own local, even
            // when a local function of that member changes it.
            var member = state.ContainingSymbol;
            while (member is IMethodSymbol { MethodKind: MethodKind.LocalFunction or MethodKind.AnonymousFunction })
                member = member.ContainingSymbol;
            if (member is IMethodSymbol declaringMethod && context.Methods.Contains(declaringMethod.OriginalDefinition))
                return true;
            foreach (var root in context.LexicalRoots)
            {
                if (root.Syntax.SyntaxTree == declaration.SyntaxTree && root.Syntax.Span.Contains(declaration.Span))
                    return true;
            }

            return false;
        }
    }
}
