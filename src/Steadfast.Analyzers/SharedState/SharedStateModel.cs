using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>What a piece of state is, as far as the shared-state rules care.</summary>
    internal enum StateKind
    {
        None,

        /// <summary><c>Dictionary&lt;K,V&gt;</c> itself: the one that has a drop-in concurrent twin.</summary>
        Dictionary,

        /// <summary>SortedDictionary / SortedList: an indexer set inserts.</summary>
        KeyedCollection,

        /// <summary>List, HashSet, Queue, Stack, SortedSet, LinkedList (and types derived from them).</summary>
        Collection,

        /// <summary>A plain array: only <c>Array.Resize(ref field, …)</c> counts as a mutation.</summary>
        Array,

        /// <summary>A number changed with <c>++</c>, <c>--</c>, <c>+=</c> …</summary>
        Numeric,
    }

    /// <summary>The lock an access is made under: a field, <c>this</c>, <c>typeof(T)</c> or something we cannot name.</summary>
    internal sealed class LockId
    {
        public LockId(ISymbol? symbol, string display)
        {
            Symbol = symbol;
            Display = display;
        }

        /// <summary>The field (or type for <c>typeof</c>, containing type for <c>this</c>) locked on; null when unnamed.</summary>
        public ISymbol? Symbol { get; }

        /// <summary>The locked expression as written (<c>_gate</c>, <c>this</c>, <c>typeof(Cache)</c>): text, so no operation tree is kept.</summary>
        public string Display { get; }

        public bool IsThis => Display == "this";

        public bool SameLock(LockId other) =>
            Symbol != null && other.Symbol != null
                ? SymbolEqualityComparer.Default.Equals(Symbol, other.Symbol) && IsThis == other.IsThis
                : Symbol == null && other.Symbol == null && Display == other.Display;
    }

    /// <summary>Whether an operation runs under some synchronisation, and under which lock if it is a <c>lock</c>-like one.</summary>
    internal readonly struct Guard
    {
        public Guard(bool guarded, LockId? lockId)
        {
            IsGuarded = guarded;
            Lock = lockId;
        }

        public bool IsGuarded { get; }

        /// <summary>The <c>lock (x)</c>, <c>Lock.EnterScope()</c> or <c>Monitor.Enter(x)</c> lock, when that is the guard.</summary>
        public LockId? Lock { get; }
    }

    /// <summary>
    /// The types SF3001 and SF3002 know: non-thread-safe collections, the ways code is started on other
    /// threads, the synchronisation primitives and the framework types whose instances serve concurrent
    /// requests. Resolved once per compilation.
    /// </summary>
    internal sealed class SharedStateModel
    {
        private static readonly ImmutableHashSet<string> CollectionMutators = ImmutableHashSet.Create(
            "Add", "TryAdd", "AddRange", "Insert", "InsertRange", "Remove", "RemoveAt", "RemoveAll", "RemoveRange",
            "RemoveWhere", "Clear", "Enqueue", "EnqueueRange", "Dequeue", "TryDequeue", "Push", "PushRange", "Pop", "TryPop",
            "Sort", "Reverse", "AddFirst", "AddLast", "AddBefore", "AddAfter", "RemoveFirst", "RemoveLast",
            "UnionWith", "ExceptWith", "IntersectWith", "SymmetricExceptWith", "TrimExcess", "EnsureCapacity", "CopyFrom");

        internal static readonly ImmutableHashSet<string> MinimalApiMethods = ImmutableHashSet.Create(
            "Map", "MapGet", "MapPost", "MapPut", "MapDelete", "MapPatch", "MapMethods", "MapFallback");

        private readonly Compilation _compilation;
        private readonly INamedTypeSymbol _dictionary;
        private readonly ImmutableArray<INamedTypeSymbol> _keyedCollections;
        private readonly ImmutableArray<INamedTypeSymbol> _collections;
        private readonly INamedTypeSymbol? _collectionExtensions;
        private readonly INamedTypeSymbol? _array;
        private readonly INamedTypeSymbol? _threadStatic;
        private readonly INamedTypeSymbol? _task;
        private readonly INamedTypeSymbol? _taskFactory;
        private readonly INamedTypeSymbol? _parallel;
        private readonly INamedTypeSymbol? _thread;
        private readonly INamedTypeSymbol? _threadPool;
        private readonly INamedTypeSymbol? _timer;
        private readonly INamedTypeSymbol? _periodicTimer;
        private readonly INamedTypeSymbol? _timersTimer;
        private readonly INamedTypeSymbol? _monitor;
        private readonly INamedTypeSymbol? _lock;
        private readonly ImmutableArray<INamedTypeSymbol> _otherSyncTypes;
        private readonly INamedTypeSymbol? _endpointRouteBuilderExtensions;
        private readonly ImmutableArray<(INamedTypeSymbol Type, string Description)> _servingBaseTypes;
        private readonly INamedTypeSymbol? _middlewareInterface;
        private readonly INamedTypeSymbol? _hostedService;
        private readonly INamedTypeSymbol? _requestDelegate;
        private readonly INamedTypeSymbol? _httpContext;
        private readonly INamedTypeSymbol? _grpcBindServiceMethod;

        private SharedStateModel(Compilation compilation, INamedTypeSymbol dictionary)
        {
            _compilation = compilation;
            _dictionary = dictionary;
            _keyedCollections = Resolve(compilation, WellKnownTypeNames.SystemCollectionsGenericSortedDictionary2, WellKnownTypeNames.SystemCollectionsGenericSortedList2);
            _collections = Resolve(compilation,
                WellKnownTypeNames.SystemCollectionsGenericList1, WellKnownTypeNames.SystemCollectionsGenericHashSet1,
                WellKnownTypeNames.SystemCollectionsGenericQueue1, WellKnownTypeNames.SystemCollectionsGenericStack1,
                WellKnownTypeNames.SystemCollectionsGenericSortedSet1, WellKnownTypeNames.SystemCollectionsGenericLinkedList1);
            _collectionExtensions = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemCollectionsGenericCollectionExtensions);
            _array = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemArray);
            _threadStatic = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadStaticAttribute);
            _task = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingTasksTask);
            _taskFactory = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingTasksTaskFactory);
            _parallel = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingTasksParallel);
            _thread = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingThread);
            _threadPool = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingThreadPool);
            _timer = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingTimer);
            _periodicTimer = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingPeriodicTimer);
            _timersTimer = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimersTimer);
            _monitor = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingMonitor);
            _lock = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingLock);
            _otherSyncTypes = Resolve(compilation,
                WellKnownTypeNames.SystemThreadingSemaphoreSlim, WellKnownTypeNames.SystemThreadingReaderWriterLockSlim,
                WellKnownTypeNames.SystemThreadingReaderWriterLock, WellKnownTypeNames.SystemThreadingMutex,
                WellKnownTypeNames.SystemThreadingSpinLock);
            _endpointRouteBuilderExtensions = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.AspNetCoreEndpointRouteBuilderExtensions);
            var serving = ImmutableArray.CreateBuilder<(INamedTypeSymbol, string)>();
            AddServing(serving, compilation, WellKnownTypeNames.AspNetCoreControllerBase, "an ASP.NET Core controller, whose actions serve concurrent requests");
            AddServing(serving, compilation, WellKnownTypeNames.AspNetCoreSignalRHub, "a SignalR hub, whose methods serve concurrent connections");
            AddServing(serving, compilation, WellKnownTypeNames.AspNetCoreSignalRHub1, "a SignalR hub, whose methods serve concurrent connections");
            _servingBaseTypes = serving.ToImmutable();
            _middlewareInterface = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.AspNetCoreIMiddleware);
            _hostedService = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.ExtensionsHostingIHostedService);
            _requestDelegate = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.AspNetCoreRequestDelegate);
            _httpContext = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.AspNetCoreHttpContext);
            _grpcBindServiceMethod = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.GrpcCoreBindServiceMethodAttribute);
        }

        public static SharedStateModel? Create(Compilation compilation)
        {
            var dictionary = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemCollectionsGenericDictionary2);
            return dictionary == null ? null : new SharedStateModel(compilation, dictionary);
        }

        public Compilation Compilation => _compilation;

        /// <summary><c>System.Threading.Lock</c>, present on .NET 9 and later.</summary>
        public INamedTypeSymbol? LockType => _lock;

        private static ImmutableArray<INamedTypeSymbol> Resolve(Compilation compilation, params string[] names) =>
            names.Select(compilation.GetBestTypeByMetadataName).Where(t => t != null).Cast<INamedTypeSymbol>().ToImmutableArray();

        private static void AddServing(ImmutableArray<(INamedTypeSymbol, string)>.Builder builder, Compilation compilation, string name, string description)
        {
            var type = compilation.GetBestTypeByMetadataName(name);
            if (type != null)
                builder.Add((type, description));
        }

        // ---- State ----

        public StateKind Classify(ITypeSymbol? type)
        {
            switch (type)
            {
                case null:
                    return StateKind.None;
                case IArrayTypeSymbol _:
                    return StateKind.Array;
            }

            switch (type.SpecialType)
            {
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                case SpecialType.System_Decimal:
                    return StateKind.Numeric;
            }

            if (type is INamedTypeSymbol named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _dictionary))
                return StateKind.Dictionary;
            for (var current = type as INamedTypeSymbol; current != null; current = current.BaseType)
            {
                var definition = current.OriginalDefinition;
                if (SymbolEqualityComparer.Default.Equals(definition, _dictionary) || _keyedCollections.Contains(definition, SymbolEqualityComparer.Default))
                    return StateKind.KeyedCollection;
                if (_collections.Contains(definition, SymbolEqualityComparer.Default))
                    return StateKind.Collection;
            }

            return StateKind.None;
        }

        public static ITypeSymbol? TypeOf(ISymbol symbol) => symbol switch
        {
            IFieldSymbol f => f.Type,
            IPropertySymbol p => p.Type,
            ILocalSymbol l => l.Type,
            IParameterSymbol p => p.Type,
            _ => null,
        };

        public bool IsThreadStatic(ISymbol symbol) =>
            _threadStatic != null && symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _threadStatic));

        /// <summary>The state a reference names: a field, an auto-property, a local or a parameter; null otherwise.</summary>
        public static ISymbol? ReferencedState(IOperation operation)
        {
            switch (operation)
            {
                case IFieldReferenceOperation field when !field.Field.IsConst:
                    return field.Field.IsStatic || IsThisReceiver(field.Instance) ? field.Field : null;
                case IPropertyReferenceOperation property when property.Arguments.IsEmpty && IsAutoProperty(property.Property):
                    return property.Property.IsStatic || IsThisReceiver(property.Instance) ? property.Property : null;
                case ILocalReferenceOperation local:
                    return local.Local.IsRef ? null : local.Local;
                case IParameterReferenceOperation parameter:
                    return parameter.Parameter.RefKind == RefKind.None ? parameter.Parameter : null;
                default:
                    return null;
            }
        }

        public static bool IsThisReceiver(IOperation? instance) =>
            instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

        private static bool IsAutoProperty(IPropertySymbol property)
        {
            if (property.IsAbstract || property.IsExtern || property.IsIndexer || property.DeclaringSyntaxReferences.Length != 1)
                return false;
            var syntax = property.DeclaringSyntaxReferences[0].GetSyntax();
            return syntax is Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax declaration
                && declaration.ExpressionBody == null
                && declaration.AccessorList != null
                && declaration.AccessorList.Accessors.All(a => a.Body == null && a.ExpressionBody == null)
                && property.ContainingType.TypeKind != TypeKind.Interface;
        }

        /// <summary>
        /// When <paramref name="reference"/> (a reference to state of <paramref name="kind"/>) is mutated by its
        /// parent — <c>d.Add(…)</c>, <c>d[k] = v</c>, <c>n++</c>, <c>n += 2</c>, <c>Array.Resize(ref a, …)</c> — the
        /// mutating operation; null when it is only read.
        /// </summary>
        public IOperation? GetMutation(IOperation reference, StateKind kind)
        {
            var parent = reference.Parent;
            switch (kind)
            {
                case StateKind.Numeric:
                    if (parent is IIncrementOrDecrementOperation increment && increment.Target == reference)
                        return increment;
                    if (parent is ICompoundAssignmentOperation compound && compound.Target == reference)
                        return compound;
                    return null;
                case StateKind.Array:
                    if (parent is IArgumentOperation { Parameter: { RefKind: RefKind.Ref } } argument
                        && argument.Parent is IInvocationOperation resize && resize.TargetMethod.Name == "Resize"
                        && SymbolEqualityComparer.Default.Equals(resize.TargetMethod.ContainingType, _array))
                    {
                        return resize;
                    }

                    return null;
                case StateKind.Dictionary:
                case StateKind.KeyedCollection:
                case StateKind.Collection:
                    if (parent is IInvocationOperation call && call.Instance == reference && CollectionMutators.Contains(call.TargetMethod.Name))
                        return call;
                    if (parent is IArgumentOperation extensionArgument && extensionArgument.Parent is IInvocationOperation extension
                        && extension.TargetMethod.IsExtensionMethod && extension.Arguments.Length > 0 && extension.Arguments[0] == extensionArgument
                        && SymbolEqualityComparer.Default.Equals(extension.TargetMethod.ContainingType, _collectionExtensions)
                        && (extension.TargetMethod.Name == "TryAdd" || extension.TargetMethod.Name == "Remove"))
                    {
                        return extension;
                    }

                    if (kind != StateKind.Collection && parent is IPropertyReferenceOperation indexer && indexer.Instance == reference
                        && indexer.Property.IsIndexer && IsWriteTarget(indexer))
                    {
                        return indexer.Parent;
                    }

                    if (parent is IConversionOperation conversion && conversion.Operand == reference
                        && conversion.Parent is IArgumentOperation convertedArgument && convertedArgument.Parent is IInvocationOperation convertedExtension
                        && convertedExtension.TargetMethod.IsExtensionMethod
                        && SymbolEqualityComparer.Default.Equals(convertedExtension.TargetMethod.ContainingType, _collectionExtensions)
                        && (convertedExtension.TargetMethod.Name == "TryAdd" || convertedExtension.TargetMethod.Name == "Remove"))
                    {
                        return convertedExtension;
                    }

                    return null;
                default:
                    return null;
            }
        }

        /// <summary>Whether the reference is assigned (<c>x = …</c>, <c>x++</c>, <c>ref x</c>, <c>out x</c>).</summary>
        public static bool IsWrite(IOperation reference)
        {
            var parent = reference.Parent;
            switch (parent)
            {
                case IAssignmentOperation assignment when assignment.Target == reference:
                case IIncrementOrDecrementOperation increment when increment.Target == reference:
                    return true;
                case IArgumentOperation argument:
                    return argument.Parameter != null && argument.Parameter.RefKind != RefKind.None && argument.Parameter.RefKind != RefKind.In;
                default:
                    return false;
            }
        }

        private static bool IsWriteTarget(IOperation operation) => operation.Parent switch
        {
            IAssignmentOperation assignment => assignment.Target == operation,
            IIncrementOrDecrementOperation increment => increment.Target == operation,
            _ => false,
        };

        // ---- Synchronisation ----

        /// <summary>
        /// Whether <paramref name="operation"/> runs under synchronisation: inside <c>lock</c>, a
        /// <c>Lock.EnterScope()</c> or lock-like <c>using</c>, a try whose finally releases a lock
        /// (Monitor.Exit, SemaphoreSlim.Release, ReaderWriterLockSlim.Exit…, Mutex.ReleaseMutex, …), or after
        /// an acquire in the same block. Lambdas handed to code that runs them on another thread end the walk.
        /// </summary>
        public Guard GetGuard(IOperation operation)
        {
            IOperation child = operation;
            for (var parent = operation.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case ILockOperation lockOperation when lockOperation.Body == child:
                        return new Guard(true, Identify(lockOperation.LockedValue));
                    case IUsingOperation usingOperation when usingOperation.Body == child:
                        if (IsLockResource(usingOperation.Resources, out var scopeLock))
                            return new Guard(true, scopeLock);
                        break;
                    case ITryOperation tryOperation when tryOperation.Body == child && tryOperation.Finally != null:
                        if (ReleasesInFinally(tryOperation.Finally, out var releasedLock))
                            return new Guard(true, releasedLock);
                        break;
                    case IBlockOperation block:
                        var index = block.Operations.IndexOf(child);
                        for (var i = index - 1; i >= 0; i--)
                        {
                            var statement = block.Operations[i];
                            if (statement is IUsingDeclarationOperation declaration && IsLockResource(declaration.DeclarationGroup, out var declaredLock))
                                return new Guard(true, declaredLock);
                            var sync = SyncCall(statement);
                            if (sync == SyncCallKind.Acquire)
                                return new Guard(true, null);
                            if (sync == SyncCallKind.Release)
                                break;
                        }

                        break;
                    case IAnonymousFunctionOperation function when IsConcurrentDelegate(function):
                        return default;
                }
            }

            return default;
        }

        private enum SyncCallKind
        {
            None,
            Acquire,
            Release,
        }

        private SyncCallKind SyncCall(IOperation statement)
        {
            var expression = statement is IExpressionStatementOperation expressionStatement ? expressionStatement.Operation : null;
            if (expression is IAwaitOperation awaited)
                expression = awaited.Operation;
            if (!(expression is IInvocationOperation call) || !IsSyncType(call.TargetMethod.ContainingType))
                return SyncCallKind.None;
            var name = call.TargetMethod.Name;
            if (name.StartsWith("Enter", System.StringComparison.Ordinal) || name.StartsWith("TryEnter", System.StringComparison.Ordinal)
                || name.StartsWith("Wait", System.StringComparison.Ordinal) || name.StartsWith("Acquire", System.StringComparison.Ordinal))
            {
                return SyncCallKind.Acquire;
            }

            return name.StartsWith("Exit", System.StringComparison.Ordinal) || name.StartsWith("Release", System.StringComparison.Ordinal)
                ? SyncCallKind.Release
                : SyncCallKind.None;
        }

        private bool IsSyncType(INamedTypeSymbol? type) =>
            type != null && (SymbolEqualityComparer.Default.Equals(type, _monitor) || SymbolEqualityComparer.Default.Equals(type, _lock)
                || _otherSyncTypes.Contains(type.OriginalDefinition, SymbolEqualityComparer.Default));

        private bool ReleasesInFinally(IBlockOperation @finally, out LockId? lockId)
        {
            lockId = null;
            var released = false;
            foreach (var call in @finally.Descendants().OfType<IInvocationOperation>())
            {
                var name = call.TargetMethod.Name;
                if (SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _monitor) && name == "Exit" && call.Arguments.Length > 0)
                {
                    lockId = Identify(call.Arguments[0].Value);
                    return true;
                }

                if (SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _lock) && name == "Exit" && call.Instance != null)
                {
                    lockId = Identify(call.Instance);
                    return true;
                }

                // Any other Release/Exit/Unlock in a finally: a hand-rolled or library lock (SemaphoreSlim, AsyncLock …).
                if (name.StartsWith("Release", System.StringComparison.Ordinal) || name.StartsWith("Exit", System.StringComparison.Ordinal)
                    || name.StartsWith("Unlock", System.StringComparison.Ordinal))
                {
                    released = true;
                }
            }

            return released;
        }

        private bool IsLockResource(IOperation? resources, out LockId? lockId)
        {
            lockId = null;
            if (resources == null)
                return false;
            foreach (var call in resources.DescendantsAndSelf().OfType<IInvocationOperation>())
            {
                if (SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _lock) && call.TargetMethod.Name == "EnterScope" && call.Instance != null)
                {
                    lockId = Identify(call.Instance);
                    return true;
                }

                if (IsLockTakingName(call.TargetMethod.Name))
                    return true;
            }

            // A lock type the compilation cannot resolve (a package it lacks): `using (await _lock.LockAsync())` binds to an
            // invalid operation, but the call is still written as taking a lock.
            foreach (var invalid in resources.DescendantsAndSelf().OfType<IInvalidOperation>())
            {
                foreach (var invocation in invalid.Syntax.DescendantNodesAndSelf().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>())
                {
                    var called = invocation.Expression switch
                    {
                        Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                        Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax simple => simple.Identifier.ValueText,
                        _ => null,
                    };
                    if (called != null && IsLockTakingName(called))
                        return true;
                }
            }

            return false;
        }

        private static bool IsLockTakingName(string name) =>
            name.IndexOf("Lock", System.StringComparison.Ordinal) >= 0 || name.StartsWith("Acquire", System.StringComparison.Ordinal)
            || name.StartsWith("Enter", System.StringComparison.Ordinal) || name.StartsWith("Wait", System.StringComparison.Ordinal);

        /// <summary>Names the object a <c>lock</c> takes.</summary>
        public static LockId Identify(IOperation lockedValue)
        {
            var value = Unwrap(lockedValue);
            switch (value)
            {
                case IFieldReferenceOperation field when field.Field.IsStatic || IsThisReceiver(field.Instance):
                    return new LockId(field.Field, field.Syntax.ToString());
                case IInstanceReferenceOperation instance when instance.ReferenceKind == InstanceReferenceKind.ContainingTypeInstance:
                    return new LockId(instance.Type, "this");
                case ITypeOfOperation typeOf:
                    return new LockId(typeOf.TypeOperand, typeOf.Syntax.ToString());
                default:
                    return new LockId(null, value.Syntax.ToString());
            }
        }

        public static IOperation Unwrap(IOperation operation)
        {
            while (true)
            {
                switch (operation)
                {
                    case IConversionOperation conversion:
                        operation = conversion.Operand;
                        continue;
                    case IParenthesizedOperation parenthesized:
                        operation = parenthesized.Operand;
                        continue;
                    default:
                        return operation;
                }
            }
        }

        // ---- Code that runs on other threads ----

        /// <summary>Whether the lambda is handed to something that runs it on another thread.</summary>
        public bool IsConcurrentDelegate(IAnonymousFunctionOperation function)
        {
            IOperation current = function;
            while (current.Parent is IDelegateCreationOperation || current.Parent is IConversionOperation)
                current = current.Parent;
            if (current.Parent is IArgumentOperation argument)
                return argument.Parent != null && GetStarter(argument.Parent) != null;
            return current.Parent is IEventAssignmentOperation eventAssignment && GetStarter(eventAssignment) != null;
        }

        /// <summary>
        /// When <paramref name="operation"/> starts code on other threads — Task.Run, TaskFactory.StartNew,
        /// Parallel.*, new Thread, ThreadPool, timers, minimal-API handlers — what it starts.
        /// </summary>
        public Starter? GetStarter(IOperation operation)
        {
            switch (operation)
            {
                case IInvocationOperation call:
                    var method = call.TargetMethod;
                    var type = method.ContainingType;
                    if (type == null)
                        return null;
                    var definition = type.OriginalDefinition;
                    if (SymbolEqualityComparer.Default.Equals(definition, _task) && method.Name == "Run")
                        return new Starter(call, "a Task.Run delegate", selfConcurrent: false, call.Arguments);
                    if (method.Name == "StartNew" && definition.Name == "TaskFactory" && SymbolEqualityComparer.Default.Equals(definition.ContainingNamespace, _taskFactory?.ContainingNamespace))
                        return new Starter(call, "a Task.Factory.StartNew delegate", selfConcurrent: false, call.Arguments);
                    if (SymbolEqualityComparer.Default.Equals(definition, _parallel))
                    {
                        if (method.Name == "Invoke")
                            return new Starter(call, "a Parallel.Invoke action", selfConcurrent: false, call.Arguments, joined: true, group: call);
                        if (method.Name == "For" || method.Name == "ForEach" || method.Name == "ForEachAsync")
                            return new Starter(call, "a Parallel." + method.Name + " body", selfConcurrent: true, call.Arguments);
                    }

                    if (SymbolEqualityComparer.Default.Equals(definition, _threadPool) && method.Name.EndsWith("QueueUserWorkItem", System.StringComparison.Ordinal))
                        return new Starter(call, "a thread-pool work item", selfConcurrent: false, call.Arguments);
                    if (SymbolEqualityComparer.Default.Equals(definition, _endpointRouteBuilderExtensions) && MinimalApiMethods.Contains(method.Name))
                        return new Starter(call, "a minimal-API handler, which serves concurrent requests", selfConcurrent: true, call.Arguments);
                    return null;
                case IObjectCreationOperation creation when creation.Constructor != null:
                    var created = creation.Constructor.ContainingType.OriginalDefinition;
                    if (SymbolEqualityComparer.Default.Equals(created, _thread))
                        return new Starter(creation, "a thread started with new Thread", selfConcurrent: false, creation.Arguments);
                    if (SymbolEqualityComparer.Default.Equals(created, _timer))
                        return new Starter(creation, "a timer callback", selfConcurrent: false, creation.Arguments);
                    return null;
                case IEventAssignmentOperation eventAssignment when eventAssignment.Adds:
                    if (eventAssignment.EventReference is IEventReferenceOperation { Event: { Name: "Elapsed" } timerEvent }
                        && SymbolEqualityComparer.Default.Equals(timerEvent.ContainingType, _timersTimer))
                    {
                        return new Starter(eventAssignment, "a timer callback", selfConcurrent: false, ImmutableArray.Create(eventAssignment.HandlerValue));
                    }

                    return null;
                default:
                    return null;
            }
        }

        /// <summary><c>while (await periodicTimer.WaitForNextTickAsync())</c>: the loop whose body runs on timer ticks.</summary>
        public ILoopOperation? GetPeriodicTimerLoop(IInvocationOperation call)
        {
            if (call.TargetMethod.Name != "WaitForNextTickAsync" || !SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, _periodicTimer))
                return null;
            for (var current = call.Parent; current != null; current = current.Parent)
            {
                if (current is IWhileLoopOperation loop)
                    return loop.Condition != null && loop.Condition.Syntax.Span.Contains(call.Syntax.Span) ? loop : null;
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation || current is IBlockOperation)
                    return null;
            }

            return null;
        }

        /// <summary>The delegate target of an argument: a lambda, or a method group.</summary>
        public static IOperation? DelegateTarget(IOperation? value)
        {
            if (value == null)
                return null;
            value = Unwrap(value);
            if (value is IDelegateCreationOperation creation)
                value = Unwrap(creation.Target);
            return value is IAnonymousFunctionOperation || value is IMethodReferenceOperation ? value : null;
        }

        // ---- Framework types whose instances serve concurrent requests ----

        /// <summary>Start-up code runs once, before requests: Program, Startup, Main, and service or pipeline registration.</summary>
        public static bool IsStartupCode(ISymbol owner)
        {
            if (!(owner is IMethodSymbol method))
                return false;
            if (method.Name == "Main" || method.Name == "<Main>$" || IsStartupType(method.ContainingType))
                return true;
            return method.Parameters.Any(p => p.Type.Name is "IServiceCollection" or "IApplicationBuilder" or "WebApplicationBuilder" or "IHostBuilder"
                or "IEndpointRouteBuilder" or "IHostApplicationBuilder" or "WebApplication");
        }

        private static bool IsStartupType(INamedTypeSymbol? type) => type != null && (type.Name == "Program" || type.Name == "Startup");

        /// <summary>Controllers, hubs, gRPC services, middleware and hosted services; null for other types.</summary>
        public string? GetServingDescription(INamedTypeSymbol type)
        {
            for (var current = type.BaseType; current != null; current = current.BaseType)
            {
                foreach (var (servingType, description) in _servingBaseTypes)
                {
                    if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, servingType))
                        return description;
                }

                if (_grpcBindServiceMethod != null && current.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _grpcBindServiceMethod)))
                    return "a gRPC service, whose methods serve concurrent calls";
            }

            if (_middlewareInterface != null && type.AllInterfaces.Contains(_middlewareInterface, SymbolEqualityComparer.Default))
                return "middleware, which serves concurrent requests";
            if (_requestDelegate != null && _httpContext != null
                && type.InstanceConstructors.Any(c => c.Parameters.Any(p => SymbolEqualityComparer.Default.Equals(p.Type, _requestDelegate)))
                && type.GetMembers().OfType<IMethodSymbol>().Any(m => (m.Name == "Invoke" || m.Name == "InvokeAsync") && m.Parameters.Length > 0
                    && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, _httpContext)))
            {
                return "middleware, which serves concurrent requests";
            }

            if (_hostedService != null && type.AllInterfaces.Contains(_hostedService, SymbolEqualityComparer.Default))
                return "a hosted service, which runs beside the requests the application serves";
            return null;
        }
    }

    /// <summary>One place where code is started on other threads, and the delegates it starts.</summary>
    internal sealed class Starter
    {
        public Starter(IOperation operation, string description, bool selfConcurrent, ImmutableArray<IArgumentOperation> arguments, bool joined = false, IOperation? group = null)
            : this(operation, description, selfConcurrent, arguments.Select(a => (IOperation)a.Value).ToImmutableArray(), joined, group)
        {
        }

        public Starter(IOperation operation, string description, bool selfConcurrent, ImmutableArray<IOperation> delegateValues, bool joined = false, IOperation? group = null)
        {
            Operation = operation;
            Description = description;
            SelfConcurrent = selfConcurrent;
            Targets = delegateValues.Select(SharedStateModel.DelegateTarget).Where(t => t != null).Cast<IOperation>().ToImmutableArray();
            Joined = joined;
            Group = group;
        }

        public IOperation Operation { get; }

        public string Description { get; }

        /// <summary>The delegate runs concurrently with itself (a Parallel body, a request handler).</summary>
        public bool SelfConcurrent { get; }

        /// <summary>The caller waits for the delegate before it goes on (Parallel.Invoke).</summary>
        public bool Joined { get; }

        /// <summary>Delegates of the same group run concurrently with each other (Parallel.Invoke, Task.WhenAll).</summary>
        public IOperation? Group { get; }

        /// <summary>Lambdas (<see cref="IAnonymousFunctionOperation"/>) and method groups (<see cref="IMethodReferenceOperation"/>).</summary>
        public ImmutableArray<IOperation> Targets { get; }
    }
}
