namespace Steadfast.Chaos.Faults;

/// <summary>A topology and the fault injected into it, with what the suite claims holds under it.</summary>
/// <param name="Name">Short name, used in the command line (<c>--scenarios</c>) and the report.</param>
/// <param name="Fault">The fault.</param>
/// <param name="Setup">The servers: persistence and replication.</param>
/// <param name="Claim">What the checker holds the run to.</param>
/// <param name="LossWindow">How far back from a crash or promotion acknowledged writes may be lost; zero when none may.</param>
internal sealed record ChaosScenario(string Name, FaultKind Fault, string Setup, string Claim, TimeSpan LossWindow)
{
    public static IReadOnlyList<ChaosScenario> All { get; } =
    [
        new("kill9-aof-always", FaultKind.Kill9AofAlways,
            "one server, AOF with appendfsync always",
            "nothing acknowledged is lost: Redis fsyncs the AOF before it replies",
            TimeSpan.Zero),
        new("kill9-aof-everysec", FaultKind.Kill9AofEverysec,
            "one server, AOF with appendfsync everysec",
            "writes acknowledged in the 2 s before a crash may be lost (everysec fsyncs each second and may postpone a " +
            "slow fsync up to 2 s): a lock acquired there can be granted again with an equal or smaller token, a message " +
            "enqueued there can vanish; everything older holds",
            TimeSpan.FromSeconds(2)),
        new("restart", FaultKind.Restart,
            "one server, AOF with appendfsync always, SHUTDOWN and start",
            "nothing acknowledged is lost",
            TimeSpan.Zero),
        new("client-pause", FaultKind.ClientPause,
            "one server, no persistence, CLIENT PAUSE ALL",
            "nothing acknowledged is lost; holders whose renewal cannot get through see Lost before their lease ends",
            TimeSpan.Zero),
        new("debug-sleep", FaultKind.DebugSleep,
            "one server, no persistence, DEBUG SLEEP",
            "nothing acknowledged is lost; holders whose renewal cannot get through see Lost before their lease ends",
            TimeSpan.Zero),
        new("replica-promotion", FaultKind.ReplicaPromotion,
            "primary + replica (--replicaof), both AOF always; the primary is killed and the replica promoted",
            "replication is asynchronous (no WAIT): writes acknowledged by the primary in the 1 s before it died may be " +
            "missing on the replica, with the same consequences as everysec; everything older holds",
            TimeSpan.FromSeconds(1)),
    ];

    /// <summary>
    /// A misconfiguration the suite must catch: Redis without persistence, killed. The fencing counter restarts at 1,
    /// so tokens go back; run it with <c>--scenarios kill9-no-persistence</c> and expect violations.
    /// </summary>
    public static ChaosScenario Control { get; } = new("kill9-no-persistence", FaultKind.Kill9NoPersistence,
        "one server, no persistence (the control: a misconfiguration)",
        "none: the suite must report violations here",
        TimeSpan.Zero);

    /// <summary>Every scenario by name, the control included.</summary>
    public static ChaosScenario? Find(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? (Control.Name == name ? Control : null);
}
