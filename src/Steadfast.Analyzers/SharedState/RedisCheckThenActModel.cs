using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>What the path to an act knows about the key it checked.</summary>
    internal enum CheckFact
    {
        /// <summary>The key (or hash field) did not exist / the value was null.</summary>
        Absent,

        /// <summary>The key (or hash field) existed / the value was not null.</summary>
        Present,

        /// <summary>The value equalled something.</summary>
        Equal,

        /// <summary>The value differed from something.</summary>
        NotEqual,
    }

    /// <summary>A check (KeyExists/StringGet/HashExists/HashGet) and what the act's path learnt from it.</summary>
    internal sealed class CheckThenAct
    {
        public CheckThenAct(IInvocationOperation check, IInvocationOperation act, CheckFact fact, IOperation? compared, IOperation? condition, bool actInWhenTrue, IConditionalOperation? branch)
        {
            Check = check;
            Act = act;
            Fact = fact;
            Compared = compared;
            Condition = condition;
            ActInWhenTrue = actInWhenTrue;
            Branch = branch;
        }

        public IInvocationOperation Check { get; }

        public IInvocationOperation Act { get; }

        public CheckFact Fact { get; }

        /// <summary>For <see cref="CheckFact.Equal"/>/<see cref="CheckFact.NotEqual"/>: what the value was compared with.</summary>
        public IOperation? Compared { get; }

        /// <summary>The condition the fact came from.</summary>
        public IOperation? Condition { get; }

        public bool ActInWhenTrue { get; }

        /// <summary>The <c>if</c> whose branch holds the act (null for an early-exit guard before it).</summary>
        public IConditionalOperation? Branch { get; }

        public string CheckName => RedisCheckThenActModel.BaseName(Check.TargetMethod);

        public string ActName => RedisCheckThenActModel.BaseName(Act.TargetMethod);
    }

    /// <summary>
    /// SF3003's view of StackExchange.Redis: which calls check a key, which write it unconditionally, and
    /// whether a write sits on the path that depends on an earlier check of the same key.
    /// </summary>
    internal sealed class RedisCheckThenActModel
    {
        private readonly INamedTypeSymbol _databaseAsync;
        private readonly INamedTypeSymbol? _transaction;
        private readonly INamedTypeSymbol? _batch;
        private readonly INamedTypeSymbol? _redisValue;
        // The analyzer also reads through this code's own wrappers of the commands; the code fix rewrites database calls only.
        private readonly Compilation? _wrapperSource;
        private RedisWrappers? _wrappers;

        private RedisCheckThenActModel(INamedTypeSymbol databaseAsync, INamedTypeSymbol? transaction, INamedTypeSymbol? batch, INamedTypeSymbol? redisValue, Compilation? wrapperSource)
        {
            _databaseAsync = databaseAsync;
            _transaction = transaction;
            _batch = batch;
            _redisValue = redisValue;
            _wrapperSource = wrapperSource;
        }

        public static RedisCheckThenActModel? Create(Compilation compilation, bool followWrappers = false)
        {
            var databaseAsync = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisIDatabaseAsync);
            return databaseAsync == null
                ? null
                : new RedisCheckThenActModel(
                    databaseAsync,
                    compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisITransaction),
                    compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisIBatch),
                    compilation.GetBestTypeByMetadataName(WellKnownTypeNames.StackExchangeRedisRedisValue),
                    followWrappers ? compilation : null);
        }

        /// <summary>The wrapper the call goes through, when the model follows wrappers (scanned on first use).</summary>
        private RedisWrapper? Wrapper(IInvocationOperation call, CancellationToken cancellationToken)
        {
            if (_wrapperSource == null || IsDatabaseMethod(call.TargetMethod))
                return null;
            return Wrappers(cancellationToken).Find(call.TargetMethod);
        }

        /// <summary>This code's wrappers of the commands, scanned on first use (only when the model follows wrappers).</summary>
        private RedisWrappers Wrappers(CancellationToken cancellationToken)
        {
            var wrappers = Volatile.Read(ref _wrappers);
            if (wrappers == null)
            {
                wrappers = RedisWrappers.Scan(_wrapperSource!, cancellationToken);
                wrappers = Interlocked.CompareExchange(ref _wrappers, wrappers, null) ?? wrappers;
            }

            return wrappers;
        }

        /// <summary>The Redis command a call runs: its own name, or the one its wrapper forwards to.</summary>
        public string Command(IInvocationOperation call, CancellationToken cancellationToken) =>
            Wrapper(call, cancellationToken)?.Command ?? BaseName(call.TargetMethod);

        /// <summary>The key a database call or a wrapper call works on.</summary>
        public IOperation? KeyOf(IInvocationOperation call, CancellationToken cancellationToken) =>
            Wrapper(call, cancellationToken) is { } wrapper ? RedisWrappers.KeyOf(call, wrapper) : Key(call);

        /// <summary>How the key reads in a message: the argument, or the receiver's key member (<c>this.Key</c>).</summary>
        public string KeyText(IInvocationOperation call, CancellationToken cancellationToken)
        {
            var key = KeyOf(call, cancellationToken);
            if (Wrapper(call, cancellationToken) is { ReceiverKey: { } member })
                return (key is IInstanceReferenceOperation || key == null ? "this" : SharedStateModel.Unwrap(key).Syntax.ToString()) + "." + member;
            return key?.Syntax.ToString() ?? "";
        }

        private IOperation? ValueOf(IInvocationOperation call, CancellationToken cancellationToken) =>
            Wrapper(call, cancellationToken) is { } wrapper
                ? RedisWrappers.ArgumentFor(call, wrapper.ValueParameter)
                : call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "value")?.Value;

        public static string BaseName(IMethodSymbol method) =>
            method.Name.EndsWith("Async", System.StringComparison.Ordinal) ? method.Name.Substring(0, method.Name.Length - 5) : method.Name;

        private bool IsDatabaseMethod(IMethodSymbol method) =>
            method.ContainingType != null
            && (SymbolEqualityComparer.Default.Equals(method.ContainingType, _databaseAsync) || method.ContainingType.AllInterfaces.Contains(_databaseAsync, SymbolEqualityComparer.Default));

        private bool IsTransactionOrBatch(ITypeSymbol? type) =>
            type != null
            && (SymbolEqualityComparer.Default.Equals(type, _transaction) || SymbolEqualityComparer.Default.Equals(type, _batch)
                || type.AllInterfaces.Any(i => SymbolEqualityComparer.Default.Equals(i, _batch) || SymbolEqualityComparer.Default.Equals(i, _transaction)));

        /// <summary>StringSet / HashSet / KeyDelete of one key with no When condition, outside a transaction or batch.</summary>
        public bool IsUnconditionalAct(IInvocationOperation call, CancellationToken cancellationToken)
        {
            // Names first: every invocation of the compilation comes here, and nearly none is a write or a wrapper of one.
            var methodName = call.TargetMethod.Name;
            if (!IsActName(methodName) && !MayWrapAct(methodName, cancellationToken))
                return false;
            if (Wrapper(call, cancellationToken) is { Command: "StringSet" or "KeyDelete" } wrapper)
                return RedisWrappers.KeyOf(call, wrapper) != null && !(call.Instance != null && IsTransactionOrBatch(call.Instance.Type));
            var name = BaseName(call.TargetMethod);
            if ((name != "StringSet" && name != "HashSet" && name != "KeyDelete") || !IsDatabaseMethod(call.TargetMethod) || Key(call) == null)
                return false;
            if (call.Instance != null && IsTransactionOrBatch(call.Instance.Type))
                return false;
            if (name == "HashSet" && Field(call) == null)
                return false; // HashSet(key, HashEntry[]) sets many fields: not a check-then-act on one
            foreach (var argument in call.Arguments)
            {
                if (argument.Parameter?.Name != "when" || argument.ArgumentKind == ArgumentKind.DefaultValue)
                    continue;
                var value = SharedStateModel.Unwrap(argument.Value);
                if (value is IDefaultValueOperation)
                    continue;
                if (value.ConstantValue.HasValue && value.ConstantValue.Value is int when && when == 0)
                    continue; // When.Always
                return false;
            }

            return true;
        }

        private static bool IsActName(string name) =>
            name == "StringSet" || name == "StringSetAsync" || name == "HashSet" || name == "HashSetAsync" || name == "KeyDelete" || name == "KeyDeleteAsync";

        private bool MayWrapAct(string methodName, CancellationToken cancellationToken)
        {
            if (_wrapperSource == null)
                return false;
            var wrappers = Wrappers(cancellationToken);
            return wrappers.MayWrap("StringSet", methodName) || wrappers.MayWrap("KeyDelete", methodName);
        }

        /// <summary>The single RedisKey argument; null for the array overloads.</summary>
        public static IOperation? Key(IInvocationOperation call)
        {
            var key = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "key");
            return key?.Value;
        }

        /// <summary>The hash field argument of HashExists/HashGet/HashSet.</summary>
        public static IOperation? Field(IInvocationOperation call)
        {
            var field = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "hashField" && a.Parameter.Type.TypeKind != TypeKind.Array);
            return field?.Value;
        }

        private bool IsCheck(IInvocationOperation call, CancellationToken cancellationToken)
        {
            if (Wrapper(call, cancellationToken) is { Command: "StringGet" } wrapper)
                return RedisWrappers.KeyOf(call, wrapper) != null;
            var name = BaseName(call.TargetMethod);
            return (name == "KeyExists" || name == "StringGet" || name == "HashExists" || name == "HashGet")
                && IsDatabaseMethod(call.TargetMethod) && Key(call) != null && (!name.StartsWith("Hash", System.StringComparison.Ordinal) || Field(call) != null)
                && !(call.Instance != null && IsTransactionOrBatch(call.Instance.Type));
        }

        /// <summary>Finds the check the act depends on: an enclosing <c>if</c> branch, or an early-exit guard before it.</summary>
        public CheckThenAct? FindCheck(IInvocationOperation act, CancellationToken cancellationToken)
        {
            IOperation child = act;
            for (var parent = act.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (parent)
                {
                    case IConditionalOperation conditional when conditional.WhenTrue == child || conditional.WhenFalse == child:
                        var inTrue = conditional.WhenTrue == child;
                        var found = Match(act, conditional.Condition, inTrue, conditional, cancellationToken);
                        if (found != null)
                            return found;
                        break;
                    case IBlockOperation block:
                        var index = block.Operations.IndexOf(child);
                        for (var i = index - 1; i >= 0; i--)
                        {
                            if (block.Operations[i] is IConditionalOperation guard && guard.WhenFalse == null && AlwaysExits(guard.WhenTrue))
                            {
                                var early = Match(act, guard.Condition, branch: false, null, cancellationToken);
                                if (early != null)
                                    return early;
                            }
                        }

                        break;
                    case IAnonymousFunctionOperation _:
                    case ILocalFunctionOperation _:
                    case IMethodBodyOperation _:
                        return null;
                }
            }

            return null;
        }

        /// <summary>
        /// A read-modify-write: the act writes a value computed from an earlier StringGet/HashGet of the same key
        /// (or hash field) in the same function — a counter or a stock level read, changed and written back.
        /// </summary>
        public IInvocationOperation? FindReadModifyWrite(IInvocationOperation act, CancellationToken cancellationToken)
        {
            var actName = Command(act, cancellationToken);
            if (actName != "StringSet" && actName != "HashSet")
                return null;
            var value = ValueOf(act, cancellationToken);
            if (value == null)
                return null;
            foreach (var read in ValuesFeeding(value, depth: 0, cancellationToken))
            {
                var readName = Command(read, cancellationToken);
                if ((readName == "StringGet" && actName == "StringSet" || readName == "HashGet" && actName == "HashSet")
                    && (read.Syntax.SpanStart < act.Syntax.SpanStart || act.Syntax.Span.Contains(read.Syntax.Span)) && SameTarget(read, act, cancellationToken)
                    && (Wrapper(read, cancellationToken) == null && Wrapper(act, cancellationToken) == null || ComputesANumber(value, read, cancellationToken))
                    && (actName != "HashSet" || SameKey(Field(read)!, Field(act)!)))
                {
                    return read;
                }
            }

            return null;
        }

        /// <summary>The reads of a key whose result flows into <paramref name="value"/>: nested in it, or through locals it names.</summary>
        private IEnumerable<IInvocationOperation> ValuesFeeding(IOperation value, int depth, CancellationToken cancellationToken) =>
            Feeding(value, depth, cancellationToken).OfType<IInvocationOperation>()
                .Where(call => IsCheck(call, cancellationToken) && Command(call, cancellationToken).EndsWith("Get", System.StringComparison.Ordinal));

        /// <summary>
        /// A fill on a miss whose value comes from a factory delegate the caller passed in (a GetOrSet cache helper):
        /// like ConcurrentDictionary.GetOrAdd, the factory may run once per concurrent miss and each run produces the
        /// value for the key, so racing fills write equivalent values. A value the function makes itself (a token, a
        /// counter's seed) is still a check-then-act.
        /// </summary>
        private bool IsFactoryFill(IInvocationOperation act, CheckFact fact, CancellationToken cancellationToken)
        {
            if (fact != CheckFact.Absent || Command(act, cancellationToken) == "KeyDelete")
                return false;
            var value = ValueOf(act, cancellationToken);
            return value != null && Feeding(value, depth: 0, cancellationToken).Any(o =>
                o is IInvocationOperation { TargetMethod: { MethodKind: MethodKind.DelegateInvoke } } call
                && SharedStateModel.Unwrap(call.Instance!) is IParameterReferenceOperation);
        }

        /// <summary>
        /// The operations whose result flows into <paramref name="value"/>: its own, and through each local it names,
        /// the value last assigned to it in straight-line code before <paramref name="value"/> (else its initializer).
        /// </summary>
        private static IEnumerable<IOperation> Feeding(IOperation value, int depth, CancellationToken cancellationToken)
        {
            foreach (var operation in value.DescendantsAndSelf())
            {
                yield return operation;
                if (!(operation is ILocalReferenceOperation local) || depth >= 2 || local.Local.DeclaringSyntaxReferences.Length != 1)
                    continue;
                var source = LastAssignedBefore(local, value);
                if (source == null)
                {
                    var declarator = local.Local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                    if (!(local.SemanticModel?.GetOperation(declarator, cancellationToken) is IVariableDeclaratorOperation declaration))
                        continue;
                    source = declaration.Initializer?.Value ?? (declaration.Parent as IVariableDeclarationOperation)?.Initializer?.Value;
                }

                if (source == null)
                    continue;
                foreach (var fed in Feeding(source, depth + 1, cancellationToken))
                    yield return fed;
            }
        }

        /// <summary>
        /// The value of the nearest plain assignment <c>local = …</c> that runs before <paramref name="use"/> in the
        /// blocks enclosing it (so it always runs first and replaces what the local held); null when there is none.
        /// </summary>
        private static IOperation? LastAssignedBefore(ILocalReferenceOperation local, IOperation use)
        {
            IOperation child = use;
            for (var parent = use.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                if (parent is IAnonymousFunctionOperation || parent is ILocalFunctionOperation)
                    return null;
                if (!(parent is IBlockOperation block))
                    continue;
                for (var i = block.Operations.IndexOf(child) - 1; i >= 0; i--)
                {
                    if (block.Operations[i] is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation assignment }
                        && SharedStateModel.Unwrap(assignment.Target) is ILocalReferenceOperation target
                        && SymbolEqualityComparer.Default.Equals(target.Local, local.Local))
                    {
                        return assignment.Value;
                    }
                }
            }

            return null;
        }

        /// <summary>Whether a distributed lock (LockTake, an Acquire…/…Lock… handle) is held around the act.</summary>
        public static bool IsUnderDistributedLock(IOperation act)
        {
            IOperation child = act;
            for (var parent = act.Parent; parent != null; child = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case IConditionalOperation conditional when conditional.WhenTrue == child && CallsLockAcquire(conditional.Condition):
                        return true;
                    case IUsingOperation usingOperation when usingOperation.Body == child && CallsLockAcquire(usingOperation.Resources):
                        return true;
                    case ITryOperation tryOperation when tryOperation.Body == child && tryOperation.Finally != null
                        && tryOperation.Finally.Descendants().OfType<IInvocationOperation>().Any(c => c.TargetMethod.Name.StartsWith("LockRelease", System.StringComparison.Ordinal)):
                        return true;
                    case IBlockOperation block:
                        var index = block.Operations.IndexOf(child);
                        for (var i = index - 1; i >= 0; i--)
                        {
                            if (block.Operations[i] is IUsingDeclarationOperation declaration && CallsLockAcquire(declaration.DeclarationGroup))
                                return true;
                            if (block.Operations[i] is IConditionalOperation guard && guard.WhenFalse == null && AlwaysExits(guard.WhenTrue) && CallsLockAcquire(guard.Condition))
                                return true;
                        }

                        break;
                    case IAnonymousFunctionOperation lambda:
                        return IsRunUnderALockByItsCallee(lambda);
                    case ILocalFunctionOperation _:
                        return false;
                }
            }

            return false;
        }

        /// <summary>
        /// A lambda handed to a call that takes a lock and runs it while holding it (<c>AcquireLockAsync(resource, expiry,
        /// () => …)</c>, <c>TryAcquire(key, action)</c>): the callee serialises the lambda's read and write.
        /// </summary>
        private static bool IsRunUnderALockByItsCallee(IAnonymousFunctionOperation lambda)
        {
            var parent = lambda.Parent;
            while (parent is IDelegateCreationOperation || parent is IConversionOperation)
                parent = parent.Parent;
            return parent is IArgumentOperation { Parent: IInvocationOperation call } && CallsLockAcquire(call, deep: false);
        }

        private static bool CallsLockAcquire(IOperation? operation, bool deep = true) =>
            operation != null && (deep ? operation.DescendantsAndSelf() : new[] { operation }).OfType<IInvocationOperation>().Any(c =>
                c.TargetMethod.Name.StartsWith("LockTake", System.StringComparison.Ordinal)
                || c.TargetMethod.Name.StartsWith("Acquire", System.StringComparison.Ordinal)
                || c.TargetMethod.Name.StartsWith("TryAcquire", System.StringComparison.Ordinal));

        private static bool AlwaysExits(IOperation? operation)
        {
            while (operation is IBlockOperation block && block.Operations.Length > 0)
                operation = block.Operations[block.Operations.Length - 1];
            return operation is IReturnOperation || operation is IBranchOperation || operation is IThrowOperation
                || (operation is IExpressionStatementOperation statement && statement.Operation is IThrowOperation);
        }

        private CheckThenAct? Match(IInvocationOperation act, IOperation condition, bool branch, IConditionalOperation? conditional, CancellationToken cancellationToken)
        {
            foreach (var (check, fact, compared) in Facts(condition, branch, cancellationToken))
            {
                if (Pairs(check, act, fact, compared, cancellationToken) && !IsFactoryFill(act, fact, cancellationToken))
                    return new CheckThenAct(check, act, fact, compared, condition, branch, conditional);
            }

            return null;
        }

        private bool Pairs(IInvocationOperation check, IInvocationOperation act, CheckFact fact, IOperation? compared, CancellationToken cancellationToken)
        {
            var checkName = Command(check, cancellationToken);
            var actName = Command(act, cancellationToken);
            if (!SameTarget(check, act, cancellationToken))
                return false;
            switch (actName)
            {
                case "StringSet":
                    return checkName == "KeyExists" || checkName == "StringGet";
                case "HashSet":
                    return (checkName == "HashExists" || checkName == "HashGet") && SameKey(Field(check)!, Field(act)!);
                case "KeyDelete":
                    // Deleting after an existence check ends the same either way; deleting after comparing the value with
                    // what the caller holds (its token) is an ownership release that can delete someone else's value.
                    // Comparing with a constant tests a shared state marker every client may clear: not a release.
                    // Deleting a value that was read, seen present and is handed back (a GETDEL made of two commands) lets two
                    // callers take the same value, and deletes one written in between.
                    return (checkName == "StringGet" || checkName == "HashGet") && (fact == CheckFact.Equal || fact == CheckFact.NotEqual)
                        && !(compared != null && SharedStateModel.Unwrap(compared).ConstantValue.HasValue)
                        || _wrapperSource != null && checkName == "StringGet" && fact == CheckFact.Present && IsHandedBack(check);
                default:
                    return false;
            }
        }

        /// <summary>
        /// Both calls work on the same key: the same key argument, or for wrappers that use their receiver's own key, the
        /// same receiver and the same key member (GetStateAsync on StateKey and SetDataAsync on DataKey are two keys).
        /// </summary>
        private bool SameTarget(IInvocationOperation first, IInvocationOperation second, CancellationToken cancellationToken)
        {
            var firstKey = KeyOf(first, cancellationToken);
            var secondKey = KeyOf(second, cancellationToken);
            if (firstKey == null || secondKey == null || !SameKey(firstKey, secondKey))
                return false;
            return Wrapper(first, cancellationToken)?.ReceiverKey == Wrapper(second, cancellationToken)?.ReceiverKey;
        }

        /// <summary>
        /// Through wrappers the rule asks for the counter shape itself — arithmetic on a number read back (stock - 1,
        /// total + points) — since wrapped values are often whole documents or session state kept per user.
        /// </summary>
        private static bool ComputesANumber(IOperation value, IInvocationOperation read, CancellationToken cancellationToken) =>
            Feeding(value, depth: 0, cancellationToken).Any(o =>
                (o is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract or BinaryOperatorKind.Multiply } arithmetic && IsNumeric(arithmetic.Type)
                    || o is IIncrementOrDecrementOperation
                    || o is ICompoundAssignmentOperation compound && IsNumeric(compound.Type))
                // the arithmetic works on what was read, not on some other number on the way (an index, a length)
                && Feeding(o, depth: 0, cancellationToken).Any(fed => fed.Syntax == read.Syntax));

        private static bool IsNumeric(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Double
            or SpecialType.System_Decimal or SpecialType.System_Single or SpecialType.System_UInt32 or SpecialType.System_UInt64 or SpecialType.System_Int16;

        /// <summary>The read is kept in a local that the function returns: what it read is what it hands back.</summary>
        private static bool IsHandedBack(IInvocationOperation read)
        {
            IOperation current = read;
            while (current.Parent is IAwaitOperation || current.Parent is IConversionOperation || current.Parent is IVariableInitializerOperation
                   || current.Parent is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } } configure && configure.Instance == current)
                current = current.Parent;
            if (!(current.Parent is IVariableDeclaratorOperation declarator))
                return false;
            IOperation top = declarator;
            while (top.Parent != null && !(top is IAnonymousFunctionOperation) && !(top is ILocalFunctionOperation))
                top = top.Parent;
            return top.Descendants().OfType<IReturnOperation>().Any(r => r.ReturnedValue != null
                && SharedStateModel.Unwrap(r.ReturnedValue) is ILocalReferenceOperation returned
                && SymbolEqualityComparer.Default.Equals(returned.Local, declarator.Symbol));
        }

        /// <summary>The same local, parameter, field or constant, or the same side-effect-free expression text.</summary>
        public static bool SameKey(IOperation left, IOperation right)
        {
            left = SharedStateModel.Unwrap(left);
            right = SharedStateModel.Unwrap(right);
            if (left is IInstanceReferenceOperation && right is IInstanceReferenceOperation)
                return true; // this.GetAsync() and this.DeleteAsync(): the instance's own key
            if (left.ConstantValue.HasValue || right.ConstantValue.HasValue)
                return left.ConstantValue.HasValue && right.ConstantValue.HasValue && Equals(left.ConstantValue.Value, right.ConstantValue.Value);
            var leftSymbol = Referenced(left);
            var rightSymbol = Referenced(right);
            if (leftSymbol != null || rightSymbol != null)
                return leftSymbol != null && SymbolEqualityComparer.Default.Equals(leftSymbol, rightSymbol);
            if (left.DescendantsAndSelf().Any(o => o is IInvocationOperation || o is IIncrementOrDecrementOperation || o is IAssignmentOperation))
                return false;
            return SyntaxFactory.AreEquivalent(left.Syntax, right.Syntax);
        }

        private static ISymbol? Referenced(IOperation operation) => operation switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            IFieldReferenceOperation field when field.Instance == null || field.Instance is IInstanceReferenceOperation => field.Field,
            IPropertyReferenceOperation property when property.Arguments.IsEmpty && (property.Instance == null || property.Instance is IInstanceReferenceOperation) => property.Property,
            _ => null,
        };

        /// <summary>What taking <paramref name="branch"/> of <paramref name="condition"/> says about the checks in it.</summary>
        private IEnumerable<(IInvocationOperation Check, CheckFact Fact, IOperation? Compared)> Facts(IOperation condition, bool branch, CancellationToken cancellationToken)
        {
            condition = SharedStateModel.Unwrap(condition);
            switch (condition)
            {
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not:
                    foreach (var fact in Facts(not.Operand, !branch, cancellationToken))
                        yield return fact;
                    yield break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } both when branch:
                    foreach (var fact in Facts(both.LeftOperand, true, cancellationToken).Concat(Facts(both.RightOperand, true, cancellationToken)))
                        yield return fact;
                    yield break;
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } either when !branch:
                    foreach (var fact in Facts(either.LeftOperand, false, cancellationToken).Concat(Facts(either.RightOperand, false, cancellationToken)))
                        yield return fact;
                    yield break;
                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.Equals || binary.OperatorKind == BinaryOperatorKind.NotEquals:
                    var equals = (binary.OperatorKind == BinaryOperatorKind.Equals) == branch;
                    foreach (var (value, other) in new[] { (binary.LeftOperand, binary.RightOperand), (binary.RightOperand, binary.LeftOperand) })
                    {
                        var check = ValueCheck(value, cancellationToken);
                        if (check == null)
                            continue;
                        if (IsNull(other))
                            yield return (check, equals ? CheckFact.Absent : CheckFact.Present, null);
                        else if (other.ConstantValue.HasValue && other.ConstantValue.Value is bool boolean && BaseName(check.TargetMethod).EndsWith("Exists", System.StringComparison.Ordinal))
                            yield return (check, boolean == equals ? CheckFact.Present : CheckFact.Absent, null);
                        else if (!BaseName(check.TargetMethod).EndsWith("Exists", System.StringComparison.Ordinal))
                            yield return (check, equals ? CheckFact.Equal : CheckFact.NotEqual, other);
                        yield break;
                    }

                    yield break;
                case IPropertyReferenceOperation property when property.Instance != null:
                    var target = ValueCheck(property.Instance, cancellationToken);
                    if (target == null)
                        yield break;
                    switch (property.Property.Name)
                    {
                        case "IsNull":
                        case "IsNullOrEmpty":
                            yield return (target, branch ? CheckFact.Absent : CheckFact.Present, null);
                            break;
                        case "HasValue":
                            yield return (target, branch ? CheckFact.Present : CheckFact.Absent, null);
                            break;
                    }

                    yield break;
                case IInvocationOperation call when call.TargetMethod.IsStatic && (call.TargetMethod.Name == "IsNullOrEmpty" || call.TargetMethod.Name == "IsNullOrWhiteSpace") && call.Arguments.Length == 1:
                    var tested = ValueCheck(call.Arguments[0].Value, cancellationToken);
                    if (tested != null)
                        yield return (tested, branch ? CheckFact.Absent : CheckFact.Present, null);
                    yield break;
                default:
                    var exists = ValueCheck(condition, cancellationToken);
                    if (exists != null && BaseName(exists.TargetMethod).EndsWith("Exists", System.StringComparison.Ordinal))
                        yield return (exists, branch ? CheckFact.Present : CheckFact.Absent, null);
                    yield break;
            }
        }

        private bool IsNull(IOperation operation)
        {
            operation = SharedStateModel.Unwrap(operation);
            if (operation.ConstantValue.HasValue && operation.ConstantValue.Value == null)
                return true;
            if (operation is IDefaultValueOperation)
                return true;
            return operation is IFieldReferenceOperation { Field: { Name: "Null", IsStatic: true } field }
                && SymbolEqualityComparer.Default.Equals(field.ContainingType, _redisValue)
                || operation is IPropertyReferenceOperation { Property: { Name: "Null", IsStatic: true } property }
                && SymbolEqualityComparer.Default.Equals(property.ContainingType, _redisValue);
        }

        /// <summary>A check call (maybe awaited, converted, or <c>.ToString()</c>-ed), directly or through a local initialised with it and never reassigned.</summary>
        private IInvocationOperation? ValueCheck(IOperation operation, CancellationToken cancellationToken)
        {
            operation = UnwrapValue(operation);
            if (operation is IInvocationOperation call && IsCheck(call, cancellationToken))
                return call;
            if (!(operation is ILocalReferenceOperation local) || local.Local.DeclaringSyntaxReferences.Length != 1)
                return null;

            var declarator = local.Local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            if (!(local.SemanticModel?.GetOperation(declarator, cancellationToken) is IVariableDeclaratorOperation declaration))
                return null;
            var initializer = declaration.Initializer?.Value ?? (declaration.Parent as IVariableDeclarationOperation)?.Initializer?.Value;
            if (initializer == null)
                return null;
            var root = declaration;
            IOperation top = root;
            while (top.Parent != null)
                top = top.Parent;
            if (top.Descendants().Any(o => o is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, local.Local) && SharedStateModel.IsWrite(reference)))
                return null;
            return UnwrapValue(initializer) is IInvocationOperation initial && IsCheck(initial, cancellationToken) ? initial : null;
        }

        private static IOperation UnwrapValue(IOperation operation)
        {
            while (true)
            {
                operation = SharedStateModel.Unwrap(operation);
                if (operation is IAwaitOperation awaited)
                {
                    operation = awaited.Operation;
                    continue;
                }

                if (operation is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } } configure && configure.Instance != null)
                {
                    operation = configure.Instance;
                    continue;
                }

                if (operation is IInvocationOperation { TargetMethod: { Name: "ToString" }, Arguments: { Length: 0 } } toString && toString.Instance != null)
                {
                    operation = toString.Instance;
                    continue;
                }

                return operation;
            }
        }
    }
}
