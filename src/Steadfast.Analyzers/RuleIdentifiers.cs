namespace Steadfast.Analyzers
{
    /// <summary>
    /// Every rule ID of the Steadfast catalog. IDs are fixed: tests, docs, .editorconfig files and
    /// suppressions key on them. Ranges mean something: 1xxx locks, 2xxx queues, 3xxx shared state,
    /// 4xxx resilience. The code-fix project links this file.
    /// </summary>
    internal static class RuleIdentifiers
    {
        public const string LockReleasedWithoutOwnershipCheck = "SF1001";
        public const string LockAcquiredWithoutExpiry = "SF1002";
        public const string LockNotReleasedOnAllPaths = "SF1003";
        public const string LockAcquisitionResultIgnored = "SF1004";
        public const string LockAcquiredByPolling = "SF1005";

        public const string BlockingRecursiveDequeue = "SF2001";
        public const string MessageLostIfConsumerCrashes = "SF2002";
        public const string ThreadBlockingWaitInPollingLoop = "SF2003";

        public const string NonThreadSafeStateMutatedConcurrently = "SF3001";
        public const string InconsistentlyGuardedField = "SF3002";
        public const string CheckThenActOnRedisKey = "SF3003";

        public const string RetryLoopWithoutBackoffOrBound = "SF4001";
        public const string ElapsedTimeFromWallClock = "SF4002";
    }
}
