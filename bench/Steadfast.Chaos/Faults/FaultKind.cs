namespace Steadfast.Chaos.Faults;

/// <summary>The server faults, one per scenario. Consumer processes are killed in every scenario besides.</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL of redis-server under load with <c>appendfsync always</c>, then a restart from the AOF.</summary>
    Kill9AofAlways,

    /// <summary>SIGKILL of redis-server under load with <c>appendfsync everysec</c>, then a restart from the AOF.</summary>
    Kill9AofEverysec,

    /// <summary>SHUTDOWN (AOF flushed), then a start from the AOF.</summary>
    Restart,

    /// <summary><c>CLIENT PAUSE ms ALL</c>: the server answers nobody for a while.</summary>
    ClientPause,

    /// <summary><c>DEBUG SLEEP s</c>: the server's event loop blocks for a while (as a long fork or a slow script would).</summary>
    DebugSleep,

    /// <summary>
    /// The control: SIGKILL of a server that persists nothing, so every lock and message is forgotten. Not in the
    /// default run; the suite must report violations for it, which shows its checks can fail.
    /// </summary>
    Kill9NoPersistence,

    /// <summary>SIGKILL of the primary, then <c>REPLICAOF NO ONE</c> on its replica, which clients move to.</summary>
    ReplicaPromotion,
}
