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
