using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Queues
{
    /// <summary>
    /// The types the queue rules (SF2001–SF2003) recognise, resolved once per compilation, and the
    /// questions they ask of a call: is it a sleep, a delay, a pop, a poll?
    /// </summary>
    internal sealed class QueueSymbols
    {
        private const string StackExchangeRedisNamespace = "StackExchange.Redis";

        private QueueSymbols(Compilation compilation)
        {
            Thread = compilation.GetBestTypeByMetadataName("System.Threading.Thread");
            Task = compilation.GetBestTypeByMetadataName("System.Threading.Tasks.Task");
            CancellationToken = compilation.GetBestTypeByMetadataName("System.Threading.CancellationToken");
            TimeSpan = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimeSpan);
            Monitor = compilation.GetBestTypeByMetadataName("System.Threading.Monitor");
            SemaphoreSlim = compilation.GetBestTypeByMetadataName("System.Threading.SemaphoreSlim");
            WaitHandle = compilation.GetBestTypeByMetadataName("System.Threading.WaitHandle");
            RedisDatabaseAsync = compilation.GetBestTypeByMetadataName("StackExchange.Redis.IDatabaseAsync");
            ReliableQueue = compilation.GetBestTypeByMetadataName("Steadfast.Queues.IReliableQueue`1");
        }

        public INamedTypeSymbol? Thread { get; }
        public INamedTypeSymbol? Task { get; }
        public INamedTypeSymbol? CancellationToken { get; }
        public INamedTypeSymbol? TimeSpan { get; }
        public INamedTypeSymbol? Monitor { get; }
        public INamedTypeSymbol? SemaphoreSlim { get; }
        public INamedTypeSymbol? WaitHandle { get; }
        /// <summary>Null when the compilation does not reference StackExchange.Redis.</summary>
        public INamedTypeSymbol? RedisDatabaseAsync { get; }
        /// <summary>Null when the compilation does not reference Steadfast.</summary>
        public INamedTypeSymbol? ReliableQueue { get; }

        public static QueueSymbols Create(Compilation compilation) => new QueueSymbols(compilation);

        public bool IsThreadSleep(IInvocationOperation call) =>
            call.TargetMethod.Name == "Sleep" && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, Thread);

        public bool IsTaskDelay(IInvocationOperation call) =>
            call.TargetMethod.Name == "Delay" && SymbolEqualityComparer.Default.Equals(call.TargetMethod.ContainingType, Task);

        /// <summary><c>Thread.Sleep(x)</c>, or <c>Task.Delay(x)</c> awaited or waited on.</summary>
        public bool IsSleepOrDelay(IInvocationOperation call) => IsThreadSleep(call) || IsTaskDelay(call);

        /// <summary>ListLeftPop/ListRightPop and their async forms on any StackExchange.Redis database, batch or transaction.</summary>
        public static bool IsRedisListPop(IInvocationOperation call)
        {
            var name = call.TargetMethod.Name;
            return (name == "ListRightPop" || name == "ListLeftPop" || name == "ListRightPopAsync" || name == "ListLeftPopAsync")
                && IsStackExchangeRedis(call.TargetMethod.ContainingType);
        }

        private static readonly System.Collections.Generic.HashSet<string> DestructiveCommands = new System.Collections.Generic.HashSet<string>(System.StringComparer.OrdinalIgnoreCase)
        {
            "LPOP", "RPOP", "BLPOP", "BRPOP", "LMPOP", "BLMPOP", "SPOP", "ZPOPMIN", "ZPOPMAX", "BZPOPMIN", "BZPOPMAX", "ZMPOP", "BZMPOP", "GETDEL",
        };

        /// <summary>
        /// A read that deletes what it returns, on any StackExchange.Redis database, batch or transaction: the list pops
        /// (single, with a count, multi-key), SetPop, SortedSetPop, StringGetDelete, StreamReadGroup with noAck: true, and
        /// Execute("LPOP" / "BLPOP" / "SPOP" / "ZPOPMIN" / "GETDEL" …). Null when the call is none of these.
        /// </summary>
        public static string? DestructiveReadName(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            switch (method.Name)
            {
                case "ListRightPop":
                case "ListLeftPop":
                case "ListRightPopAsync":
                case "ListLeftPopAsync":
                case "SetPop":
                case "SetPopAsync":
                case "SortedSetPop":
                case "SortedSetPopAsync":
                case "StringGetDelete":
                case "StringGetDeleteAsync":
                    return IsStackExchangeRedis(method.ContainingType) ? method.Name : null;
                case "StreamReadGroup":
                case "StreamReadGroupAsync":
                    if (!IsStackExchangeRedis(method.ContainingType))
                        return null;
                    foreach (var argument in call.Arguments)
                    {
                        if (argument.Parameter?.Name == "noAck" && argument.ArgumentKind == ArgumentKind.Explicit
                            && argument.Value.ConstantValue is { HasValue: true, Value: true })
                        {
                            return method.Name + " with noAck: true";
                        }
                    }

                    return null;
                case "Execute":
                case "ExecuteAsync":
                    if (!IsStackExchangeRedis(method.ContainingType) || call.Arguments.Length == 0)
                        return null;
                    var command = call.Arguments[0].Value;
                    while (command is IConversionOperation conversion)
                        command = conversion.Operand;
                    return command.ConstantValue is { HasValue: true, Value: string text } && DestructiveCommands.Contains(text)
                        ? method.Name + "(\"" + text.ToUpperInvariant() + "\")"
                        : null;
                default:
                    return null;
            }
        }

        public static bool IsStackExchangeRedis(ITypeSymbol? type) =>
            type?.ContainingNamespace?.ToDisplayString() == StackExchangeRedisNamespace;

        /// <summary>
        /// A call that asks whether a queue has an item, a lock is free or a key is set: any Redis command,
        /// a Try… method returning bool (TryDequeue, TryTake, TryRead, TryEnter …), a timed wait on a
        /// lock, or a Steadfast queue's dequeue.
        /// </summary>
        public bool IsPoll(IInvocationOperation call)
        {
            var method = call.TargetMethod;
            if (IsStackExchangeRedis(method.ContainingType))
                return !method.ContainingType.Name.StartsWith("Connection", System.StringComparison.Ordinal);
            if (method.Name.StartsWith("Try", System.StringComparison.Ordinal) && method.ReturnType.SpecialType == SpecialType.System_Boolean)
                return true;
            if (SymbolEqualityComparer.Default.Equals(method.ContainingType, Monitor) && method.Name == "TryEnter")
                return true;
            if ((SymbolEqualityComparer.Default.Equals(method.ContainingType, SemaphoreSlim) && method.Name.StartsWith("Wait", System.StringComparison.Ordinal))
                || (InheritsFrom(method.ContainingType, WaitHandle) && method.Name == "WaitOne"))
                return method.Parameters.Length > 0; // a timed wait returns and is retried; an untimed one is not a poll
            return ReliableQueue != null && method.Name == "DequeueAsync"
                && SymbolEqualityComparer.Default.Equals(method.ContainingType.OriginalDefinition, ReliableQueue);
        }

        public bool IsCancellationToken(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, CancellationToken);

        public bool IsTimeSpan(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, TimeSpan);

        private static bool InheritsFrom(ITypeSymbol? type, ITypeSymbol? baseType)
        {
            for (var current = type; current != null && baseType != null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current, baseType))
                    return true;
            }

            return false;
        }
    }
}
