namespace Steadfast.Analyzers
{
    /// <summary>
    /// Metadata names of the types the rules look for. The analyzers never reference the runtime
    /// assemblies: a rule resolves what it needs from the user's compilation, once.
    /// </summary>
    internal static class WellKnownTypeNames
    {
        public const string SystemDateTime = "System.DateTime";
        public const string SystemDateTimeOffset = "System.DateTimeOffset";
        public const string SystemTimeSpan = "System.TimeSpan";
        public const string SystemTimeProvider = "System.TimeProvider";
        public const string SystemDiagnosticsStopwatch = "System.Diagnostics.Stopwatch";

        // Shared state (SF3001–SF3003)
        public const string SystemCollectionsGenericDictionary2 = "System.Collections.Generic.Dictionary`2";
        public const string SystemCollectionsGenericList1 = "System.Collections.Generic.List`1";
        public const string SystemCollectionsGenericHashSet1 = "System.Collections.Generic.HashSet`1";
        public const string SystemCollectionsGenericQueue1 = "System.Collections.Generic.Queue`1";
        public const string SystemCollectionsGenericStack1 = "System.Collections.Generic.Stack`1";
        public const string SystemCollectionsGenericSortedDictionary2 = "System.Collections.Generic.SortedDictionary`2";
        public const string SystemCollectionsGenericSortedList2 = "System.Collections.Generic.SortedList`2";
        public const string SystemCollectionsGenericSortedSet1 = "System.Collections.Generic.SortedSet`1";
        public const string SystemCollectionsGenericLinkedList1 = "System.Collections.Generic.LinkedList`1";
        public const string SystemCollectionsGenericCollectionExtensions = "System.Collections.Generic.CollectionExtensions";
        public const string SystemCollectionsConcurrentConcurrentDictionary2 = "System.Collections.Concurrent.ConcurrentDictionary`2";
        public const string SystemArray = "System.Array";
        public const string SystemThreadStaticAttribute = "System.ThreadStaticAttribute";
        public const string SystemThreadingTasksTaskFactory = "System.Threading.Tasks.TaskFactory";
        public const string SystemThreadingTasksParallel = "System.Threading.Tasks.Parallel";
        public const string SystemThreadingThreadPool = "System.Threading.ThreadPool";
        public const string SystemThreadingTimer = "System.Threading.Timer";
        public const string SystemThreadingPeriodicTimer = "System.Threading.PeriodicTimer";
        public const string SystemTimersTimer = "System.Timers.Timer";
        public const string SystemThreadingLock = "System.Threading.Lock";
        public const string SystemThreadingReaderWriterLock = "System.Threading.ReaderWriterLock";
        public const string SystemThreadingInterlocked = "System.Threading.Interlocked";
        public const string AspNetCoreControllerBase = "Microsoft.AspNetCore.Mvc.ControllerBase";
        public const string AspNetCoreSignalRHub = "Microsoft.AspNetCore.SignalR.Hub";
        public const string AspNetCoreSignalRHub1 = "Microsoft.AspNetCore.SignalR.Hub`1";
        public const string AspNetCoreIMiddleware = "Microsoft.AspNetCore.Http.IMiddleware";
        public const string AspNetCoreRequestDelegate = "Microsoft.AspNetCore.Http.RequestDelegate";
        public const string AspNetCoreHttpContext = "Microsoft.AspNetCore.Http.HttpContext";
        public const string AspNetCoreEndpointRouteBuilderExtensions = "Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions";
        public const string ExtensionsHostingIHostedService = "Microsoft.Extensions.Hosting.IHostedService";
        public const string GrpcCoreBindServiceMethodAttribute = "Grpc.Core.BindServiceMethodAttribute";
        public const string StackExchangeRedisIBatch = "StackExchange.Redis.IBatch";
        public const string StackExchangeRedisCondition = "StackExchange.Redis.Condition";
        public const string SystemEnvironment = "System.Environment";
        public const string SystemGuid = "System.Guid";
        public const string SystemNetDns = "System.Net.Dns";
        public const string SystemSecurityCryptographyRandomNumberGenerator = "System.Security.Cryptography.RandomNumberGenerator";
        public const string SystemThreadingThread = "System.Threading.Thread";
        public const string SystemThreadingTimeout = "System.Threading.Timeout";
        public const string SystemThreadingCancellationToken = "System.Threading.CancellationToken";
        public const string SystemThreadingCancellationTokenSource = "System.Threading.CancellationTokenSource";
        public const string SystemThreadingTasksTask = "System.Threading.Tasks.Task";
        public const string SystemThreadingMonitor = "System.Threading.Monitor";
        public const string SystemThreadingSemaphoreSlim = "System.Threading.SemaphoreSlim";
        public const string SystemThreadingMutex = "System.Threading.Mutex";
        public const string SystemThreadingWaitHandle = "System.Threading.WaitHandle";
        public const string SystemThreadingReaderWriterLockSlim = "System.Threading.ReaderWriterLockSlim";
        public const string SystemThreadingSpinLock = "System.Threading.SpinLock";

        public const string StackExchangeRedisIDatabase = "StackExchange.Redis.IDatabase";
        public const string StackExchangeRedisIDatabaseAsync = "StackExchange.Redis.IDatabaseAsync";
        public const string StackExchangeRedisITransaction = "StackExchange.Redis.ITransaction";
        public const string StackExchangeRedisWhen = "StackExchange.Redis.When";
        public const string StackExchangeRedisValueCondition = "StackExchange.Redis.ValueCondition";
        public const string StackExchangeRedisRedisValue = "StackExchange.Redis.RedisValue";

        public const string SteadfastLocksIDistributedLockProvider = "Steadfast.Locks.IDistributedLockProvider";
        public const string SteadfastLocksLockOptions = "Steadfast.Locks.LockOptions";
    }
}
