using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>What kind of lock an acquire or release works on.</summary>
    internal enum LockKind
    {
        Redis,
        Monitor,
        SemaphoreSlim,
        Mutex,
        ReaderWriterLockSlim,
        SpinLock,
    }

    /// <summary>A Redis lock acquisition: SET NX (StringSet, Execute("SET" … "NX")) or LockTake.</summary>
    internal sealed class RedisAcquire
    {
        public RedisAcquire(IInvocationOperation call, IOperation key, IOperation value, IOperation? expiry, IArgumentOperation? expiryArgument, bool isLockTake)
        {
            Call = call;
            Key = key;
            Value = value;
            Expiry = expiry;
            ExpiryArgument = expiryArgument;
            IsLockTake = isLockTake;
        }

        public IInvocationOperation Call { get; }
        public IOperation Key { get; }
        public IOperation Value { get; }
        /// <summary>The expiry written at the call; null when it was left out.</summary>
        public IOperation? Expiry { get; }
        /// <summary>The expiry parameter's argument (an implicit default when left out); null for Execute.</summary>
        public IArgumentOperation? ExpiryArgument { get; }
        public bool IsLockTake { get; }
        public bool IsExecute => Call.TargetMethod.Name.StartsWith("Execute", System.StringComparison.Ordinal);
    }

    /// <summary>An acquire or release of any lock kind, with what identifies the lock it works on.</summary>
    internal sealed class LockCall
    {
        public LockCall(IInvocationOperation call, LockKind kind, IOperation? target, bool returnsSuccess, bool isHelper)
        {
            Call = call;
            Kind = kind;
            Target = target;
            ReturnsSuccess = returnsSuccess;
            IsHelper = isHelper;
        }

        public IInvocationOperation Call { get; }
        public LockKind Kind { get; }
        /// <summary>The lock object (Monitor's argument, the semaphore, the Redis key, the helper's receiver), if known.</summary>
        public IOperation? Target { get; }
        /// <summary>The call returns whether the lock was taken (bool, Task&lt;bool&gt;, ValueTask&lt;bool&gt;).</summary>
        public bool ReturnsSuccess { get; }
        /// <summary>A method of this compilation that acquires or releases a lock itself.</summary>
        public bool IsHelper { get; }
    }

    /// <summary>
    /// What the lock rules know about locks: which calls take and release Redis and in-process locks, resolved once
    /// per compilation. Null (and nothing registered) when the compilation has neither StackExchange.Redis nor the
    /// System.Threading lock types.
    /// </summary>
    internal sealed class LockModel
    {
        // Each analyzer makes its own model in its compilation-start action, so the value-flow caches (which hold
        // operations) die with that closure. What the five lock rules share is the helper summaries
        // (LockHelperSummaries: symbols and lock kinds only), computed once per method of the compilation.

        // Names of every call the model recognises as an acquire or release: a string test before any symbol comparison.
        private static readonly HashSet<string> AcquireNames = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "LockTake", "LockTakeAsync", "StringSet", "StringSetAsync", "StringGetSet", "StringGetSetAsync", "HashSet", "HashSetAsync", "Execute", "ExecuteAsync",
            "Enter", "TryEnter", "Wait", "WaitAsync", "WaitOne",
            "EnterReadLock", "EnterWriteLock", "EnterUpgradeableReadLock", "TryEnterReadLock", "TryEnterWriteLock", "TryEnterUpgradeableReadLock",
        };

        private static readonly HashSet<string> ReleaseNames = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "LockRelease", "LockReleaseAsync", "KeyDelete", "KeyDeleteAsync", "ScriptEvaluate", "ScriptEvaluateAsync",
            "Exit", "Release", "ReleaseMutex", "ExitReadLock", "ExitWriteLock", "ExitUpgradeableReadLock",
        };

        private readonly LockHelperSummaries _helpers;

        private LockModel(Compilation compilation)
        {
            Compilation = compilation;
            Database = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisIDatabase);
            DatabaseAsync = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisIDatabaseAsync);
            Transaction = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisITransaction);
            When = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisWhen);
            ValueCondition = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisValueCondition);
            RedisValue = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisRedisValue);
            Monitor = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingMonitor);
            SemaphoreSlim = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingSemaphoreSlim);
            Mutex = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingMutex);
            WaitHandle = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingWaitHandle);
            ReaderWriterLockSlim = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingReaderWriterLockSlim);
            SpinLock = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingSpinLock);
            Thread = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingThread);
            Task = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingTasksTask);
            CancellationToken = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingCancellationToken);
            CancellationTokenSource = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingCancellationTokenSource);
            TimeSpan = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimeSpan);
            Timeout = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemThreadingTimeout);
            Environment = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemEnvironment);
            Guid = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemGuid);
            Dns = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemNetDns);
            RandomNumberGenerator = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemSecurityCryptographyRandomNumberGenerator);
            Stopwatch = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemDiagnosticsStopwatch);
            TimeProvider = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimeProvider);
            _helpers = LockHelperSummaries.For(compilation);
            ValueFlow = new LockValueFlow(this);
        }

        public Compilation Compilation { get; }
        public INamedTypeSymbol? Database { get; }
        public INamedTypeSymbol? DatabaseAsync { get; }
        public INamedTypeSymbol? Transaction { get; }
        public INamedTypeSymbol? When { get; }
        public INamedTypeSymbol? ValueCondition { get; }
        public INamedTypeSymbol? RedisValue { get; }
        public INamedTypeSymbol? Monitor { get; }
        public INamedTypeSymbol? SemaphoreSlim { get; }
        public INamedTypeSymbol? Mutex { get; }
        public INamedTypeSymbol? WaitHandle { get; }
        public INamedTypeSymbol? ReaderWriterLockSlim { get; }
        public INamedTypeSymbol? SpinLock { get; }
        public INamedTypeSymbol? Thread { get; }
        public INamedTypeSymbol? Task { get; }
        public INamedTypeSymbol? CancellationToken { get; }
        public INamedTypeSymbol? CancellationTokenSource { get; }
        public INamedTypeSymbol? TimeSpan { get; }
        public INamedTypeSymbol? Timeout { get; }
        public INamedTypeSymbol? Environment { get; }
        public INamedTypeSymbol? Guid { get; }
        public INamedTypeSymbol? Dns { get; }
        public INamedTypeSymbol? RandomNumberGenerator { get; }
        public INamedTypeSymbol? Stopwatch { get; }
        public INamedTypeSymbol? TimeProvider { get; }
        public LockValueFlow ValueFlow { get; }

        public bool HasRedis => DatabaseAsync != null;

        public bool HasThreadingLocks => Monitor != null || SemaphoreSlim != null || Mutex != null || ReaderWriterLockSlim != null || SpinLock != null;

        /// <summary>
        /// A model of the compilation for one analyzer (call it from the compilation-start action and keep it in that
        /// closure) or one code fix; null when the compilation has no lock type the rules know.
        /// </summary>
        public static LockModel? Create(Compilation compilation)
        {
            var model = new LockModel(compilation);
            return model.HasRedis || model.HasThreadingLocks ? model : null;
        }

        /// <summary>A name of a call the model recognises as a lock acquire or release: the syntactic pre-check's test.</summary>
        public static bool IsLockApiName(string name) => AcquireNames.Contains(name) || ReleaseNames.Contains(name);

        /// <summary>
        /// The semantic model of another file of this compilation, for following a value into a helper, caller or field
        /// declared there. Within the analyzer driver this is the driver's cached model (Roslyn serves
        /// Compilation.GetSemanticModel from its SemanticModelProvider), and only the few nodes found by name are bound.
        /// </summary>
        public SemanticModel? SemanticModelFor(SyntaxTree tree, SemanticModel? near)
        {
            if (near != null && near.SyntaxTree == tree)
                return near;
            if (!Compilation.ContainsSyntaxTree(tree))
                return null;
#pragma warning disable RS1030 // cross-file value flow needs the other file's model; see the summary
            return Compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
        }

        /// <summary>A method of this compilation with one declaration: what a helper can be.</summary>
        private static bool IsHelperCandidate(IMethodSymbol method) =>
            method.MethodKind == MethodKind.Ordinary && method.Locations.Length == 1 && method.Locations[0].IsInSource;

        public bool IsRedisDatabaseMethod(IMethodSymbol method) =>
            method.ContainingType != null
            && (SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, Database)
                || SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, DatabaseAsync));

        /// <summary>SET NX (StringSet with When.NotExists / ValueCondition.NotExists, Execute("SET", … "NX")) or LockTake.</summary>
        public RedisAcquire? AsRedisAcquire(IOperation? operation)
        {
            if (!(operation is IInvocationOperation call) || !HasRedis)
                return null;
            var methodName = call.TargetMethod.Name;
            if (!(methodName.StartsWith("LockTake", System.StringComparison.Ordinal) || methodName.StartsWith("StringSet", System.StringComparison.Ordinal) || methodName.StartsWith("Execute", System.StringComparison.Ordinal)
                    || methodName.StartsWith("HashSet", System.StringComparison.Ordinal) || methodName.StartsWith("StringGetSet", System.StringComparison.Ordinal))
                || !IsRedisDatabaseMethod(call.TargetMethod))
            {
                return null;
            }

            switch (methodName)
            {
                case "LockTake":
                case "LockTakeAsync":
                {
                    var key = Argument(call, "key");
                    var value = Argument(call, "value");
                    var expiry = ArgumentOperation(call, "expiry");
                    return key == null || value == null ? null : new RedisAcquire(call, key, value, expiry?.Value, expiry, isLockTake: true);
                }

                case "StringSet":
                case "StringSetAsync":
                {
                    var key = Argument(call, "key");
                    var value = Argument(call, "value");
                    var when = ArgumentOperation(call, "when");
                    if (key == null || value == null || when == null || when.ArgumentKind == ArgumentKind.DefaultValue || !IsNotExists(when.Value))
                        return null;
                    if (!LooksLikeALock(call, key, value))
                        return null;
                    var expiry = ArgumentOperation(call, "expiry");
                    var written = expiry == null || expiry.ArgumentKind == ArgumentKind.DefaultValue ? null : expiry.Value;
                    return new RedisAcquire(call, key, value, written, expiry, isLockTake: false);
                }

                case "StringGetSet":
                case "StringGetSetAsync":
                {
                    // GETSET as a lock: whoever read back nothing took it. Only words say so (a counter reset reads back too).
                    var key = Argument(call, "key");
                    var value = Argument(call, "value");
                    return key != null && value != null && LooksLikeALock(call, key, value, wordsOnly: true)
                        ? new RedisAcquire(call, key, value, null, null, isLockTake: false)
                        : null;
                }

                case "HashSet":
                case "HashSetAsync":
                {
                    // HSETNX claims a field; a hash field has no expiry of its own (only the whole key, set separately).
                    var key = Argument(call, "key");
                    var field = Argument(call, "hashField");
                    var value = Argument(call, "value");
                    var when = ArgumentOperation(call, "when");
                    if (key == null || field == null || value == null || when == null || when.ArgumentKind == ArgumentKind.DefaultValue || !IsNotExists(when.Value))
                        return null;
                    if (!LooksLikeALock(call, key, value, field))
                        return null;
                    return new RedisAcquire(call, key, value, null, null, isLockTake: false);
                }

                case "Execute":
                case "ExecuteAsync":
                {
                    if (call.Arguments.Length >= 2 && IsConstantString(call.Arguments[0].Value, "SETNX"))
                    {
                        var pair = ExecuteArguments(call);
                        return pair != null && pair.Length >= 2 && LooksLikeALock(call, pair[0], pair[1]) ? new RedisAcquire(call, pair[0], pair[1], null, null, isLockTake: false) : null;
                    }

                    if (call.Arguments.Length < 2 || !IsConstantString(call.Arguments[0].Value, "SET"))
                        return null;
                    var items = ExecuteArguments(call);
                    if (items == null || items.Length < 2 || !items.Skip(2).Any(i => IsConstantString(i, "NX")))
                        return null;
                    IOperation? expiry = null;
                    for (var i = 2; i < items.Length - 1; i++)
                    {
                        if (IsConstantString(items[i], "EX") || IsConstantString(items[i], "PX"))
                            expiry = items[i + 1];
                    }

                    return LooksLikeALock(call, items[0], items[1]) ? new RedisAcquire(call, items[0], items[1], expiry, null, isLockTake: false) : null;
                }

                default:
                    return null;
            }
        }

        private static readonly string[] LockWords = { "lock", "mutex", "lease", "leader", "semaphore", "acquire", "owner", "token", "holder" };

        /// <summary>
        /// SET NX is also how a cache fills "first writer wins" and how an idempotency key is claimed. It counts as
        /// taking a lock only when something says so: a lock-ish word in the key, the value's name, the member or the
        /// type; or a value that identifies an owner rather than carrying data (a constant, the machine name, a Guid).
        /// </summary>
        private static bool LooksLikeALock(IInvocationOperation call, IOperation key, IOperation value, IOperation? field = null, bool wordsOnly = false)
        {
            if (MentionsLock(key.Syntax.ToString()) || MentionsLock(value.Syntax.ToString()) || (field != null && MentionsLock(field.Syntax.ToString())))
                return true;
            var unwrapped = Unwrap(value);
            // A constant flag in a hash field is how a set of "already done" markers is kept: only words make HSETNX a lock.
            if (field == null && !wordsOnly && unwrapped != null && (unwrapped.ConstantValue.HasValue
                || unwrapped is IPropertyReferenceOperation { Property: { Name: "MachineName" or "EmptyString" } }
                || unwrapped.Syntax.ToString().Contains("Guid")))
            {
                return true;
            }

            if (EnclosingNameMentionsLock(call))
                return true;

            // Top-level statements, lambdas in field initializers …: nothing to tell a cache fill apart; keep the old answer.
            return !call.Syntax.Ancestors().Any(a => a is BaseTypeDeclarationSyntax);
        }

        /// <summary>A lock-ish word in the key, the value, the enclosing member or type: the take says it is a lock.</summary>
        public static bool HasLockWords(IInvocationOperation call, IOperation key, IOperation value)
        {
            return MentionsLock(key.Syntax.ToString()) || MentionsLock(value.Syntax.ToString()) || EnclosingNameMentionsLock(call);
        }

        /// <summary>A lock-ish word in the name of the member, local function, property or type around the call.</summary>
        private static bool EnclosingNameMentionsLock(IInvocationOperation call)
        {
            foreach (var ancestor in call.Syntax.Ancestors())
            {
                var name = ancestor switch
                {
                    MethodDeclarationSyntax method => method.Identifier.ValueText,
                    LocalFunctionStatementSyntax localFunction => localFunction.Identifier.ValueText,
                    PropertyDeclarationSyntax property => property.Identifier.ValueText,
                    BaseTypeDeclarationSyntax type => type.Identifier.ValueText,
                    _ => null,
                };
                if (name != null && MentionsLock(name))
                    return true;
            }

            return false;
        }

        private static bool MentionsLock(string text)
        {
            foreach (var word in LockWords)
            {
                if (text.IndexOf(word, System.StringComparison.OrdinalIgnoreCase) >= 0)
                    return true;
            }

            return false;
        }

        /// <summary>The arguments after the command name of an Execute call, when written as a list.</summary>
        public static IOperation[]? ExecuteArguments(IInvocationOperation call)
        {
            var list = call.Arguments[1].Value;
            list = Unwrap(list);
            if (list is IArrayCreationOperation { Initializer: { } initializer })
                return initializer.ElementValues.Select(e => Unwrap(e)!).ToArray();
            if (list is IObjectCreationOperation { Initializer: { } objectInitializer })
                return objectInitializer.Initializers.OfType<IInvocationOperation>().Where(i => i.Arguments.Length == 1).Select(i => Unwrap(i.Arguments[0].Value)!).ToArray();
            return null;
        }

        private bool IsNotExists(IOperation value)
        {
            value = Unwrap(value)!;
            if (value.ConstantValue.HasValue && When != null && SymbolEqualityComparer.Default.Equals(value.Type, When))
            {
                var notExists = When.GetMembers("NotExists").OfType<IFieldSymbol>().FirstOrDefault();
                return notExists != null && notExists.HasConstantValue && Equals(notExists.ConstantValue, value.ConstantValue.Value);
            }

            return value is IPropertyReferenceOperation { Property: { Name: "NotExists", IsStatic: true } property }
                && SymbolEqualityComparer.Default.Equals(property.ContainingType, ValueCondition);
        }

        /// <summary>A Redis release: LockRelease, KeyDelete of one key, or a compare-and-delete script.</summary>
        public bool IsRedisRelease(IInvocationOperation call, out IOperation? key, out IOperation? value)
        {
            key = null;
            value = null;
            if (!HasRedis || !ReleaseNames.Contains(call.TargetMethod.Name) || !IsRedisDatabaseMethod(call.TargetMethod))
                return false;
            switch (call.TargetMethod.Name)
            {
                case "LockRelease":
                case "LockReleaseAsync":
                    key = Argument(call, "key");
                    value = Argument(call, "value");
                    return key != null;
                case "KeyDelete":
                case "KeyDeleteAsync":
                    key = Argument(call, "key");
                    return key != null && key.Type != null && key.Type.TypeKind != TypeKind.Array;
                case "ScriptEvaluate":
                case "ScriptEvaluateAsync":
                    if (!IsCompareAndDeleteScript(call))
                        return false;
                    key = ArrayElements(Argument(call, "keys")).FirstOrDefault();
                    value = ArrayElements(Argument(call, "values")).FirstOrDefault();
                    return true;
                default:
                    return false;
            }
        }

        public bool IsKeyDelete(IInvocationOperation call) =>
            (call.TargetMethod.Name == "KeyDelete" || call.TargetMethod.Name == "KeyDeleteAsync") && IsRedisDatabaseMethod(call.TargetMethod);

        /// <summary>A script that reads the key, compares it with ARGV and deletes it: the usual compare-and-delete unlock.</summary>
        public static bool IsCompareAndDeleteScript(IInvocationOperation call)
        {
            if (call.Arguments.Length == 0 || !(Unwrap(call.Arguments[0].Value)?.ConstantValue.Value is string script))
                return false;
            var text = script.ToLowerInvariant();
            return text.Contains("del") && text.Contains("get") && text.Contains("argv");
        }

        /// <summary>
        /// A prepared compare-and-delete release, <c>db.ScriptEvaluate(prepared, new { key, value = token })</c> or
        /// <c>prepared.Evaluate(db, new { … })</c>, where <c>prepared</c> is <c>LuaScript.Prepare(text)</c> (optionally
        /// <c>.Load(server)</c>) of a script that reads a key, compares it with a parameter and deletes it: the (key,
        /// value) pairs of the anonymous parameter object whose values are compared (the members the script names with
        /// <c>@</c> that are not keys). Empty when the call is none of these.
        /// </summary>
        public IReadOnlyList<(IOperation? Key, IOperation Value)> PreparedCompareAndDeleteValues(IInvocationOperation call, CancellationToken cancellationToken)
        {
            var none = System.Array.Empty<(IOperation?, IOperation)>();
            var method = call.TargetMethod;
            if (!HasRedis || !(method.Name == "ScriptEvaluate" || method.Name == "ScriptEvaluateAsync" || method.Name == "Evaluate" || method.Name == "EvaluateAsync")
                || method.ContainingType?.ContainingNamespace?.ToDisplayString() != "StackExchange.Redis")
            {
                return none;
            }

            IOperation? script;
            IOperation? parameters;
            if (method.Name.StartsWith("Evaluate", System.StringComparison.Ordinal))
            {
                script = call.Instance;
                parameters = call.Arguments.FirstOrDefault(a => a.Parameter?.Type.SpecialType == SpecialType.System_Object)?.Value;
            }
            else
            {
                if (call.Arguments.Length < 2 || !(call.Arguments[0].Value.Type?.Name is "LuaScript" or "LoadedLuaScript"))
                    return none;
                script = call.Arguments[0].Value;
                parameters = call.Arguments[1].Value;
            }

            if (!(Unwrap(parameters) is IAnonymousObjectCreationOperation anonymous) || !(PreparedScriptText(script, 0, cancellationToken) is { } text))
                return none;
            var lower = text.ToLowerInvariant();
            if (!(lower.Contains("del") && lower.Contains("get") && lower.Contains("@")))
                return none;
            IOperation? key = null;
            var values = new List<IOperation>();
            foreach (var initializer in anonymous.Initializers.OfType<ISimpleAssignmentOperation>())
            {
                if (!(initializer.Target is IPropertyReferenceOperation property) || lower.IndexOf("@" + property.Property.Name.ToLowerInvariant(), System.StringComparison.Ordinal) < 0)
                    continue;
                if (property.Property.Type.Name == "RedisKey")
                    key = key ?? initializer.Value;
                else
                    values.Add(initializer.Value);
            }

            return values.Select(v => (key, v)).ToList();
        }

        /// <summary>The text given to LuaScript.Prepare, followed through locals, fields, properties and .Load(server).</summary>
        private string? PreparedScriptText(IOperation? script, int depth, CancellationToken cancellationToken)
        {
            script = Unwrap(script);
            if (script == null || depth > 4)
                return null;
            switch (script)
            {
                case IInvocationOperation { TargetMethod: { Name: "Prepare", ContainingType: { Name: "LuaScript" } } } prepare when prepare.Arguments.Length > 0:
                    return Unwrap(prepare.Arguments[0].Value)?.ConstantValue.Value as string;
                case IInvocationOperation { TargetMethod: { Name: "Load" or "LoadAsync" } } load:
                    return PreparedScriptText(load.Instance, depth + 1, cancellationToken);
                case IAwaitOperation awaited:
                    return PreparedScriptText(awaited.Operation, depth + 1, cancellationToken);
                case ILocalReferenceOperation local:
                    var writes = LockValueFlow.LocalWrites(local.Local, GetRoot(script), cancellationToken);
                    return writes != null && writes.Count == 1 ? PreparedScriptText(writes[0], depth + 1, cancellationToken) : null;
                case IFieldReferenceOperation field:
                    return MemberScript(field.Field, script, depth, cancellationToken);
                case IPropertyReferenceOperation property:
                    return MemberScript(property.Property, script, depth, cancellationToken);
                default:
                    return null;
            }
        }

        private string? MemberScript(ISymbol member, IOperation at, int depth, CancellationToken cancellationToken)
        {
            var writes = ValueFlow.MemberWrites(member, at.SemanticModel, cancellationToken);
            return writes != null && writes.Count == 1 ? PreparedScriptText(writes[0], depth + 1, cancellationToken) : null;
        }

        /// <summary>The elements of an array written at the call: <c>new RedisValue[] { v }</c>, <c>[v]</c>.</summary>
        public static IOperation[] ArrayElements(IOperation? array)
        {
            array = Unwrap(array);
            if (array is IArrayCreationOperation { Initializer: { } initializer })
                return initializer.ElementValues.Select(e => Unwrap(e)!).ToArray();
            if (array != null && array.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.CollectionExpressionSyntax) // ICollectionExpressionOperation is newer than our Roslyn floor
                return array.ChildOperations.Select(e => Unwrap(e)!).ToArray();
            return new IOperation[0];
        }

        /// <summary>An acquire of any lock kind (Redis, Monitor, SemaphoreSlim, Mutex, ReaderWriterLockSlim, SpinLock) or of a helper.</summary>
        public LockCall? AsAcquire(IInvocationOperation call, CancellationToken cancellationToken, bool includeHelpers = true)
        {
            var method = call.TargetMethod;
            if (!AcquireNames.Contains(method.Name))
            {
                // Not a lock call by name: only a helper of this compilation can still be one.
                return includeHelpers && IsHelperCandidate(method) && GetHelperSummary(call, cancellationToken) is { AcquireKind: { } kind } helper
                    ? new LockCall(call, kind, call.Instance, helper.ReturnsSuccess, isHelper: true)
                    : null;
            }

            var redis = AsRedisAcquire(call);
            if (redis != null)
                return new LockCall(call, LockKind.Redis, redis.Key, returnsSuccess: true, isHelper: false);

            var type = method.ContainingType?.OriginalDefinition;
            if (type == null)
                return null;
            if (SymbolEqualityComparer.Default.Equals(type, Monitor) && (method.Name == "Enter" || method.Name == "TryEnter") && call.Arguments.Length > 0)
                return new LockCall(call, LockKind.Monitor, call.Arguments[0].Value, ReturnsBool(method), isHelper: false);
            if (SymbolEqualityComparer.Default.Equals(type, SemaphoreSlim) && (method.Name == "Wait" || method.Name == "WaitAsync"))
                return new LockCall(call, LockKind.SemaphoreSlim, call.Instance, ReturnsBool(method), isHelper: false);
            if (method.Name == "WaitOne" && IsMutex(call.Instance?.Type))
                return new LockCall(call, LockKind.Mutex, call.Instance, method.Parameters.Length > 0, isHelper: false);
            if (SymbolEqualityComparer.Default.Equals(type, ReaderWriterLockSlim) && (method.Name.StartsWith("Enter", System.StringComparison.Ordinal) || method.Name.StartsWith("TryEnter", System.StringComparison.Ordinal)))
                return new LockCall(call, LockKind.ReaderWriterLockSlim, call.Instance, ReturnsBool(method), isHelper: false);
            if (SymbolEqualityComparer.Default.Equals(type, SpinLock) && (method.Name == "Enter" || method.Name == "TryEnter"))
                return new LockCall(call, LockKind.SpinLock, call.Instance, returnsSuccess: false, isHelper: false);

            if (includeHelpers && GetHelperSummary(call, cancellationToken) is { AcquireKind: { } helperKind } summary)
                return new LockCall(call, helperKind, call.Instance, summary.ReturnsSuccess, isHelper: true);
            return null;
        }

        /// <summary>A release of any lock kind, or a call to a helper of this compilation that releases one.</summary>
        public LockCall? AsRelease(IInvocationOperation call, CancellationToken cancellationToken, bool includeHelpers = true)
        {
            var method = call.TargetMethod;
            if (!ReleaseNames.Contains(method.Name))
            {
                return includeHelpers && IsHelperCandidate(method) && GetHelperSummary(call, cancellationToken) is { ReleaseKind: { } kind }
                    ? new LockCall(call, kind, call.Instance, false, isHelper: true)
                    : null;
            }

            if (IsRedisRelease(call, out var key, out _))
                return new LockCall(call, LockKind.Redis, key, returnsSuccess: false, isHelper: false);
            var type = method.ContainingType?.OriginalDefinition;
            if (type == null)
                return null;
            if (SymbolEqualityComparer.Default.Equals(type, Monitor) && method.Name == "Exit" && call.Arguments.Length == 1)
                return new LockCall(call, LockKind.Monitor, call.Arguments[0].Value, false, false);
            if (SymbolEqualityComparer.Default.Equals(type, SemaphoreSlim) && method.Name == "Release")
                return new LockCall(call, LockKind.SemaphoreSlim, call.Instance, false, false);
            if (method.Name == "ReleaseMutex" && IsMutex(call.Instance?.Type))
                return new LockCall(call, LockKind.Mutex, call.Instance, false, false);
            if (SymbolEqualityComparer.Default.Equals(type, ReaderWriterLockSlim) && method.Name.StartsWith("Exit", System.StringComparison.Ordinal))
                return new LockCall(call, LockKind.ReaderWriterLockSlim, call.Instance, false, false);
            if (SymbolEqualityComparer.Default.Equals(type, SpinLock) && method.Name == "Exit")
                return new LockCall(call, LockKind.SpinLock, call.Instance, false, false);

            if (includeHelpers && GetHelperSummary(call, cancellationToken) is { ReleaseKind: { } helperKind })
                return new LockCall(call, helperKind, call.Instance, false, isHelper: true);
            return null;
        }

        private bool IsMutex(ITypeSymbol? type)
        {
            for (var current = type; current != null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, Mutex))
                    return true;
            }

            return false;
        }

        public static bool ReturnsBool(IMethodSymbol method) => ReturnsBoolType(method.ReturnType);

        /// <summary>
        /// The call can be an acquire that reports success: a lock API by name, or a method returning bool (only such a
        /// helper's summary says ReturnsSuccess). Rules that need no other acquire ask this first and skip the summary.
        /// </summary>
        public static bool CanReportSuccess(IMethodSymbol method) => IsLockApiName(method.Name) || ReturnsBool(method);

        /// <summary>bool, Task&lt;bool&gt; or ValueTask&lt;bool&gt;.</summary>
        public static bool ReturnsBoolType(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_Boolean)
                return true;
            return type is INamedTypeSymbol { IsGenericType: true, TypeArguments: { Length: 1 } arguments } named
                && (named.Name == "Task" || named.Name == "ValueTask")
                && arguments[0].SpecialType == SpecialType.System_Boolean;
        }

        /// <summary>What a small method of this compilation (declared in any of its files) does with locks, found once per method.</summary>
        internal sealed class HelperSummary
        {
            public static readonly HelperSummary None = new HelperSummary(null, null, false);

            public HelperSummary(LockKind? acquireKind, LockKind? releaseKind, bool returnsSuccess)
            {
                AcquireKind = acquireKind;
                ReleaseKind = releaseKind;
                ReturnsSuccess = returnsSuccess;
            }

            public LockKind? AcquireKind { get; }
            public LockKind? ReleaseKind { get; }
            public bool ReturnsSuccess { get; }
        }

        public HelperSummary GetHelperSummary(IInvocationOperation call, CancellationToken cancellationToken) =>
            GetHelperSummary(call, 0, cancellationToken);

        /// <summary>Helpers may call helpers (<c>WaitIsaBus</c> → <c>WaitMutex</c> → <c>mutex.WaitOne</c>): followed two levels deep.</summary>
        private const int MaxHelperDepth = 2;

        private HelperSummary GetHelperSummary(IInvocationOperation call, int depth, CancellationToken cancellationToken)
        {
            var method = call.TargetMethod.OriginalDefinition;
            if (!IsHelperCandidate(method) || method.DeclaringSyntaxReferences.Length != 1)
                return HelperSummary.None;
            // A summary cut short by the depth limit is not the method's own: the top's and each depth's are kept apart.
            if (depth == 0 ? _helpers.TryGet(method, out var cached) : _helpers.TryGetNested(method, depth, out cached))
                return cached;
            // An interface or abstract member (a lock service injected by its interface) does what its one
            // implementation in this compilation does; with none or several, nothing is known.
            // The implementations share the member's name: when no method of that name can reach a lock API (answered
            // by name from syntax, once), the search for the implementation is skipped.
            var implementation = !method.IsAbstract ? method
                : _helpers.NameMayReachLocks(method.Name, depth, MaxHelperDepth, cancellationToken) ? _helpers.SingleImplementation(method, cancellationToken)
                : null;
            // The syntactic pre-check: a method whose text reaches no lock API is no helper, and is never bound here.
            var body = implementation == null || implementation.DeclaringSyntaxReferences.Length != 1
                ? null
                : HelperBody(implementation.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken));
            var summary = body == null || !_helpers.MayBeHelper(body, depth, MaxHelperDepth, cancellationToken)
                ? HelperSummary.None
                : ComputeHelperSummary(implementation!, body, call.SemanticModel, depth, cancellationToken);
            return depth == 0 ? _helpers.Add(method, summary) : _helpers.AddNested(method, depth, summary);
        }

        /// <summary>The body (block or expression) of a method or local function declaration; null for anything else.</summary>
        internal static SyntaxNode? HelperBody(SyntaxNode syntax) => syntax switch
        {
            MethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
            LocalFunctionStatementSyntax l => (SyntaxNode?)l.Body ?? l.ExpressionBody,
            _ => null,
        };

        private HelperSummary ComputeHelperSummary(IMethodSymbol method, SyntaxNode body, SemanticModel? near, int depth, CancellationToken cancellationToken)
        {
            var semanticModel = SemanticModelFor(body.SyntaxTree, near);
            if (semanticModel == null)
                return HelperSummary.None;
            var operation = semanticModel.GetOperation(body, cancellationToken);
            if (operation == null)
                return HelperSummary.None;

            LockKind? acquire = null;
            LockKind? release = null;
            foreach (var call in operation.Descendants().OfType<IInvocationOperation>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                acquire = acquire ?? AsAcquire(call, cancellationToken, includeHelpers: false)?.Kind;
                release = release ?? AsRelease(call, cancellationToken, includeHelpers: false)?.Kind;
                if (depth < MaxHelperDepth && (acquire == null || release == null) && !SymbolEqualityComparer.Default.Equals(call.TargetMethod.OriginalDefinition, method)
                    && IsHelperCandidate(call.TargetMethod.OriginalDefinition))
                {
                    var nested = GetHelperSummary(call, depth + 1, cancellationToken);
                    acquire = acquire ?? nested.AcquireKind;
                    release = release ?? nested.ReleaseKind;
                }
            }

            // A helper that both takes and releases (a "with lock" wrapper) is neither an acquire nor a release to its callers.
            if (acquire != null && release != null)
                return HelperSummary.None;
            return new HelperSummary(acquire, release, acquire != null && ReturnsBool(method));
        }

        /// <summary>A log or console/debug/trace write: <c>logger.LogError(…)</c>, <c>Log.Warn(…)</c>, <c>Console.WriteLine(…)</c>.</summary>
        public static bool IsLogging(IMethodSymbol method)
        {
            var name = method.Name;
            var type = method.ContainingType?.Name ?? string.Empty;
            if (name.StartsWith("Log", System.StringComparison.Ordinal) || type.IndexOf("Logger", System.StringComparison.Ordinal) >= 0 || type == "LoggerExtensions" || type == "Log")
                return true;
            return (type == "Console" || type == "Debug" || type == "Trace") && (name.StartsWith("Write", System.StringComparison.Ordinal) || name.StartsWith("Trace", System.StringComparison.Ordinal));
        }

        /// <summary>Thread.Sleep or Task.Delay.</summary>
        public bool IsSleep(IInvocationOperation call) =>
            (call.TargetMethod.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, Thread))
            || (call.TargetMethod.Name == "Delay" && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, Task));

        public static bool IsConstantString(IOperation? operation, string text) =>
            Unwrap(operation)?.ConstantValue is { HasValue: true, Value: string value } && string.Equals(value, text, System.StringComparison.OrdinalIgnoreCase);

        public static IOperation? Argument(IInvocationOperation call, string parameterName) =>
            ArgumentOperation(call, parameterName)?.Value;

        public static IArgumentOperation? ArgumentOperation(IInvocationOperation call, string parameterName)
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter?.Name == parameterName)
                    return argument;
            }

            return null;
        }

        /// <summary>Skips conversions (string to RedisValue, boxing, casts) and parentheses.</summary>
        public static IOperation? Unwrap(IOperation? operation)
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

        /// <summary>The whole method, accessor, lambda host or top-level program the operation belongs to.</summary>
        public static IOperation GetRoot(IOperation operation)
        {
            while (operation.Parent != null)
                operation = operation.Parent;
            return operation;
        }

        /// <summary>The operations under <paramref name="root"/>, not descending into lambdas and local functions.</summary>
        public static System.Collections.Generic.IEnumerable<IOperation> DescendantsInSameFunction(IOperation root)
        {
            var stack = new System.Collections.Generic.Stack<IOperation>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                var current = stack.Pop();
                foreach (var child in current.ChildOperations)
                {
                    if (child is IAnonymousFunctionOperation || child is ILocalFunctionOperation)
                        continue;
                    yield return child;
                    stack.Push(child);
                }
            }
        }

        /// <summary>The innermost lambda, local function or member body around the operation.</summary>
        public static IOperation GetFunction(IOperation operation)
        {
            var current = operation;
            while (current.Parent != null)
            {
                if (current.Parent is IAnonymousFunctionOperation || current.Parent is ILocalFunctionOperation)
                    return current.Parent;
                current = current.Parent;
            }

            return current;
        }

        /// <summary>True when the operation sits in the finally block of a try.</summary>
        public static bool IsInFinally(IOperation operation, out ITryOperation? tryOperation)
        {
            for (var current = operation; current.Parent != null; current = current.Parent)
            {
                if (current.Parent is IAnonymousFunctionOperation || current.Parent is ILocalFunctionOperation)
                    break;
                if (current.Parent is ITryOperation @try && @try.Finally == current)
                {
                    tryOperation = @try;
                    return true;
                }
            }

            tryOperation = null;
            return false;
        }

        public bool IsCancellationType(ITypeSymbol? type) =>
            type != null && (SymbolEqualityComparer.Default.Equals(type, CancellationToken) || SymbolEqualityComparer.Default.Equals(type, CancellationTokenSource));
    }
}
