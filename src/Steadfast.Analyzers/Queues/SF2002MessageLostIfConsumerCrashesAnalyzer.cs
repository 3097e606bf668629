using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// SF2002: a destructive Redis read whose value is then used (a list, set or sorted-set pop, GETDEL, a stream read
    /// with noAck), or an acknowledgement (StreamAcknowledge, ListRemove of the processing entry) written before the
    /// message is handled. Either way Redis forgets the message before the consumer has done anything with it: a crash,
    /// deploy or exception in between loses it for good.
    /// Silent for a pop whose result is discarded (trimming), a member that implements a StackExchange.Redis database
    /// interface (a decorator forwarding the pop to the inner database: its callers are the consumers), and an id popped
    /// from an index list that is only used to address a payload kept under another key.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF2002MessageLostIfConsumerCrashesAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.MessageLostIfConsumerCrashes,
            title: "Message lost if the consumer crashes",
            messageFormat: "{0}",
            description: "ListLeftPop/ListRightPop, SetPop, SortedSetPop, StringGetDelete and StreamReadGroup with noAck remove the element in Redis the moment they return it; an acknowledgement sent before the handler runs does the same. Whatever happens to the consumer afterwards — a crash, a deploy, an exception in the handler — the message exists nowhere any more. Reliable consumption keeps it somewhere until it has been handled: an atomic move to a processing list with removal after success (and a sweeper that re-queues what stays there too long), or a stream consumer group with acknowledgements after the handler (Steadfast's reliable queue).");

        private const string PopMessage = "'{0}' deletes the message from Redis before it is processed: if the consumer crashes first, it is lost; move it to a processing list (ListMove) and remove it after the handler succeeds, or use a reliable queue";
        private const string NoAckMessage = "'{0}' reads without acknowledgement, so the message leaves the pending list before it is processed: if the consumer crashes first, it is lost; read with acknowledgement and call StreamAcknowledge after the handler succeeds, or use a reliable queue";
        private const string EarlyAckMessage = "'{0}' acknowledges '{1}' before it is handled: if the consumer crashes while handling it, it is not delivered again; acknowledge after the handler succeeds";

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                // Nothing to look for without StackExchange.Redis.
                if (start.Compilation.GetBestTypeByMetadataName("StackExchange.Redis.IDatabaseAsync") == null)
                    return;
                start.RegisterOperationAction(Analyze, OperationKind.Invocation);
            });
        }

        private static void Analyze(OperationAnalysisContext context)
        {
            var call = (IInvocationOperation)context.Operation;
            var name = QueueSymbols.DestructiveReadName(call);
            if (name != null)
            {
                if (IsDiscarded(call) || ImplementsRedisMember(context.ContainingSymbol) || IsPopCommandWrapper(call, context.ContainingSymbol)
                    || IsIdOfAPayloadKeptElsewhere(call, context.CancellationToken))
                    return;
                var format = name.Contains("noAck") ? NoAckMessage : PopMessage;
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), string.Format(System.Globalization.CultureInfo.InvariantCulture, format, name)));
                return;
            }

            if (EarlyAcknowledgement(call, context.CancellationToken) is { } acknowledged)
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(),
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, EarlyAckMessage, call.TargetMethod.Name, acknowledged.Name)));
            }
        }

        /// <summary>The popped value goes nowhere: <c>db.ListRightPop(key);</c>, <c>await …;</c>, <c>_ = …;</c>.</summary>
        private static bool IsDiscarded(IOperation operation)
        {
            var parent = operation.Parent;
            while (parent is IConversionOperation || parent is IAwaitOperation || parent is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } })
            {
                operation = parent;
                parent = parent.Parent;
            }

            return parent is IExpressionStatementOperation
                || (parent is ISimpleAssignmentOperation assignment && assignment.Target is IDiscardOperation && assignment.Parent is IExpressionStatementOperation);
        }

        /// <summary>
        /// The member is itself a StackExchange.Redis command (it implements or overrides a member of an IDatabase-like
        /// interface or class): a decorator that forwards the pop to the database it wraps. It consumes nothing; the code
        /// that calls it through the interface is the consumer and is checked there.
        /// </summary>
        private static bool ImplementsRedisMember(ISymbol containingSymbol)
        {
            if (!(containingSymbol is IMethodSymbol method))
                return false;
            for (var overridden = method.OverriddenMethod; overridden != null; overridden = overridden.OverriddenMethod)
            {
                if (QueueSymbols.IsStackExchangeRedis(overridden.ContainingType))
                    return true;
            }

            if (method.ExplicitInterfaceImplementations.Any(m => QueueSymbols.IsStackExchangeRedis(m.ContainingType)))
                return true;
            var type = method.ContainingType;
            if (type == null || method.DeclaredAccessibility != Accessibility.Public)
                return false;
            foreach (var @interface in type.AllInterfaces)
            {
                if (!QueueSymbols.IsStackExchangeRedis(@interface))
                    continue;
                foreach (var member in @interface.GetMembers(method.Name))
                {
                    if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), method))
                        return true;
                }
            }

            return false;
        }

        /// <summary>
        /// A helper library's own pop command: a member named for the pop (<c>LPop&lt;T&gt;</c>, <c>LeftPopAsync</c>,
        /// <c>ListRightPopAsync&lt;T&gt;</c>, <c>SetPop</c>) whose popped value only goes back to its caller, at most converted
        /// or deserialized on the way. Like a decorator it consumes nothing: it hands the destructive read on under its own
        /// name, and the code that calls it decides what happens to the message. A queue API that pops (<c>Dequeue</c>,
        /// <c>Receive</c>) promises a message and is still flagged.
        /// </summary>
        private static bool IsPopCommandWrapper(IInvocationOperation call, ISymbol containingSymbol) =>
            containingSymbol is IMethodSymbol method && method.Name.IndexOf("Pop", System.StringComparison.OrdinalIgnoreCase) >= 0
            && FlowsOnlyToReturn(call, Root(call), 0);

        private static bool FlowsOnlyToReturn(IOperation value, IOperation root, int depth)
        {
            for (var current = value; current.Parent != null; current = current.Parent)
            {
                switch (current.Parent)
                {
                    case IConversionOperation _:
                    case IAwaitOperation _:
                    case IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } }:
                    case IConditionalOperation conditional when conditional.Condition != current:
                    case ICoalesceOperation _:
                    case IArgumentOperation _:
                    case IInvocationOperation _ when current is IArgumentOperation: // a conversion or deserialization of the value
                    case IInvocationOperation formatted when formatted.Instance == current: // value.ToString(), value.ToResult<T>()
                    case IArrayElementReferenceOperation element when element.ArrayReference == current: // parts[1] of a BRPOP reply
                    case IPropertyReferenceOperation property when property.Instance == current: // popped.Element, popped.Value
                    case IInterpolationOperation _:
                    case IInterpolatedStringOperation _:
                        continue;
                    case IReturnOperation _:
                        return true;
                    case IBlockOperation _:
                        return false;
                    case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } when depth < 2:
                        var uses = References(declarator.Symbol, root).ToList();
                        return uses.Count > 0 && uses.All(use => IsEmptinessTest(use) || FlowsOnlyToReturn(use, root, depth + 1));
                    default:
                        return false;
                }
            }

            return false;
        }

        /// <summary>
        /// The popped value is an id whose payload stays under another key until it is delivered: stored in a local that
        /// is only tested for empty and used to build the keys of other Redis commands (<c>HashGetAll($"job:{id}")</c>).
        /// </summary>
        private static bool IsIdOfAPayloadKeptElsewhere(IInvocationOperation call, System.Threading.CancellationToken cancellationToken)
        {
            var local = StoredLocal(call);
            if (local == null)
                return false;
            var root = Root(call);
            var usedAsKey = false;
            foreach (var use in References(local, root))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (IsEmptinessTest(use))
                    continue;
                if (!IsPartOfARedisKey(use, root, depth: 0))
                    return false;
                usedAsKey = true;
            }

            return usedAsKey;
        }

        /// <summary>The use sits in a RedisKey argument of a StackExchange.Redis call, or in a local that only ever does.</summary>
        private static bool IsPartOfARedisKey(IOperation use, IOperation root, int depth)
        {
            for (var current = use.Parent; current != null; current = current.Parent)
            {
                switch (current)
                {
                    case IArgumentOperation argument:
                        return argument.Parent is IInvocationOperation target && QueueSymbols.IsStackExchangeRedis(target.TargetMethod.ContainingType)
                            && IsRedisKeyType(argument.Parameter?.Type);
                    case IVariableDeclaratorOperation declarator when depth < 2:
                        var uses = References(declarator.Symbol, root).ToList();
                        return uses.Count > 0 && uses.All(u => IsPartOfARedisKey(u, root, depth + 1));
                    case IInterpolatedStringOperation _:
                    case IInterpolationOperation _:
                    case IInterpolatedStringTextOperation _:
                    case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add }:
                    case IConversionOperation _:
                    case IVariableInitializerOperation _:
                    case IArrayCreationOperation _:
                    case IArrayInitializerOperation _:
                    case IInvocationOperation { TargetMethod: { Name: "ToString" } }:
                        continue;
                    default:
                        return false;
                }
            }

            return false;
        }

        private static bool IsRedisKeyType(ITypeSymbol? type)
        {
            if (type is IArrayTypeSymbol array)
                type = array.ElementType;
            return type?.Name == "RedisKey" && QueueSymbols.IsStackExchangeRedis(type);
        }

        /// <summary><c>id.IsNull</c>, <c>id.HasValue</c>, <c>id.IsNullOrEmpty</c>, <c>id == RedisValue.Null</c>, <c>id is null</c>, <c>string.IsNullOrEmpty(id)</c>.</summary>
        private static bool IsEmptinessTest(IOperation use)
        {
            var parent = use.Parent;
            while (parent is IConversionOperation)
                parent = parent.Parent;
            switch (parent)
            {
                case IPropertyReferenceOperation property:
                    return property.Property.Name == "IsNull" || property.Property.Name == "HasValue" || property.Property.Name == "IsNullOrEmpty" || property.Property.Name == "Length";
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals }:
                case IIsPatternOperation _:
                    return true;
                case IArgumentOperation { Parent: IInvocationOperation test }:
                    return test.TargetMethod.Name.StartsWith("IsNull", System.StringComparison.Ordinal);
                default:
                    return false;
            }
        }

        /// <summary>
        /// StreamAcknowledge of an entry, or ListRemove of a value taken with ListMove / ListRightPopLeftPush, followed by
        /// code that still uses what was acknowledged: the handler runs after the message stopped being tracked. Returns the
        /// local that is used afterwards.
        /// </summary>
        private static ILocalSymbol? EarlyAcknowledgement(IInvocationOperation call, System.Threading.CancellationToken cancellationToken)
        {
            var method = call.TargetMethod;
            IOperation? acknowledged;
            switch (method.Name)
            {
                case "StreamAcknowledge":
                case "StreamAcknowledgeAsync":
                    acknowledged = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "messageId" || a.Parameter?.Name == "messageIds")?.Value;
                    break;
                case "ListRemove":
                case "ListRemoveAsync":
                    acknowledged = call.Arguments.FirstOrDefault(a => a.Parameter?.Name == "value")?.Value;
                    break;
                default:
                    return null;
            }

            if (acknowledged == null || !QueueSymbols.IsStackExchangeRedis(method.ContainingType))
                return null;
            var root = Root(call);
            var tracked = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            foreach (var reference in acknowledged.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
            {
                tracked.Add(reference.Local);
                // One hop back: var ids = entries.Select(e => e.Id).ToArray(); var id = entry.Id;
                foreach (var value in Writes(reference.Local, root))
                {
                    foreach (var source in value.DescendantsAndSelf().OfType<ILocalReferenceOperation>())
                        tracked.Add(source.Local);
                }
            }

            if (method.Name.StartsWith("ListRemove", System.StringComparison.Ordinal))
            {
                // Only the entry of a processing list: a value taken with an atomic move.
                tracked.RemoveWhere(local => !Writes(local, root).Any(IsReliableMove));
            }
            else
            {
                // Only what a stream read returned (the entries, an entry, its id), not an id the caller handed in.
                tracked.RemoveWhere(local => !ComesFromStreamRead(local, root, 0));
            }

            foreach (var local in tracked.OrderBy(l => l.Name, System.StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var use in References(local, root))
                {
                    if (use.Syntax.SpanStart < call.Syntax.Span.End || IsBookkeeping(use))
                        continue;
                    if (use.Parent is ISimpleAssignmentOperation assignment && assignment.Target == use)
                        continue;
                    return local;
                }
            }

            return null;
        }

        /// <summary>A later use that does not handle the message: its id, the batch's length, an emptiness test, another acknowledgement.</summary>
        private static bool IsBookkeeping(IOperation use)
        {
            if (IsEmptinessTest(use))
                return true;
            var parent = use.Parent;
            while (parent is IConversionOperation)
                parent = parent.Parent;
            if (parent is IPropertyReferenceOperation { Property: { Name: "Id" or "Count" or "Length" } })
                return true;
            for (var current = use.Parent; current != null; current = current.Parent)
            {
                if (current is IInvocationOperation invocation && (invocation.TargetMethod.Name.StartsWith("StreamAcknowledge", System.StringComparison.Ordinal)
                    || invocation.TargetMethod.Name.StartsWith("ListRemove", System.StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsReliableMove(IOperation? value)
        {
            value = Unwrap(value);
            if (value is IAwaitOperation awaited)
                value = Unwrap(awaited.Operation);
            if (value is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } } configured)
                value = Unwrap(configured.Instance);
            return value is IInvocationOperation move && QueueSymbols.IsStackExchangeRedis(move.TargetMethod.ContainingType)
                && (move.TargetMethod.Name.StartsWith("ListMove", System.StringComparison.Ordinal) || move.TargetMethod.Name.StartsWith("ListRightPopLeftPush", System.StringComparison.Ordinal)
                    || move.TargetMethod.Name.StartsWith("ListLeftPopRightPush", System.StringComparison.Ordinal));
        }

        /// <summary>The local holds a stream read's result, an element of it, or something taken from one (its id).</summary>
        private static bool ComesFromStreamRead(ILocalSymbol local, IOperation root, int depth)
        {
            if (depth > 3)
                return false;
            foreach (var value in Writes(local, root))
            {
                foreach (var part in value.DescendantsAndSelf())
                {
                    if (part is IInvocationOperation read && read.TargetMethod.Name.StartsWith("StreamRead", System.StringComparison.Ordinal)
                        && QueueSymbols.IsStackExchangeRedis(read.TargetMethod.ContainingType))
                    {
                        return true;
                    }

                    if (part is ILocalReferenceOperation source && !SymbolEqualityComparer.Default.Equals(source.Local, local) && ComesFromStreamRead(source.Local, root, depth + 1))
                        return true;
                }
            }

            return false;
        }

        /// <summary>What a local is given: its initializer, plain assignments, or the collection a foreach runs it over.</summary>
        private static IEnumerable<IOperation> Writes(ILocalSymbol local, IOperation root)
        {
            foreach (var operation in root.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                        if (declarator.GetVariableInitializer() is { } initializer)
                            yield return initializer.Value;
                        break;
                    case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when SymbolEqualityComparer.Default.Equals(target.Local, local):
                        yield return assignment.Value;
                        break;
                    case IForEachLoopOperation loop when loop.Locals.Contains(local, SymbolEqualityComparer.Default):
                        yield return loop.Collection;
                        break;
                }
            }
        }

        private static IEnumerable<ILocalReferenceOperation> References(ILocalSymbol local, IOperation root) =>
            root.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Where(r => !r.IsDeclaration && SymbolEqualityComparer.Default.Equals(r.Local, local));

        /// <summary>The local a pop's value is declared into or assigned to: <c>var id = [await] db.ListLeftPop(key);</c>.</summary>
        private static ILocalSymbol? StoredLocal(IOperation operation)
        {
            var parent = operation.Parent;
            while (parent is IConversionOperation || parent is IAwaitOperation || parent is IInvocationOperation { TargetMethod: { Name: "ConfigureAwait" } })
            {
                operation = parent;
                parent = parent.Parent;
            }

            return parent switch
            {
                IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
                ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment when assignment.Value == operation => target.Local,
                _ => null,
            };
        }

        private static IOperation Root(IOperation operation)
        {
            while (operation.Parent != null)
                operation = operation.Parent;
            return operation;
        }

        private static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation conversion)
                operation = conversion.Operand;
            return operation;
        }
    }
}
