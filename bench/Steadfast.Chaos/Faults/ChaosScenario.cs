namespace Steadfast.Chaos.Faults;

/// <summary>A topology and the fault injected into it, with what the suite claims holds under it.</summary>
/// <param name="Name">Short name, used in the command line (<c>--scenarios</c>) and the report.</param>
/// <param name="Fault">The fault.</param>
/// <param name="Setup">The servers: persistence and replication.</param>
/// <param name="Claim">What the checker holds the run to.</param>
/// <param name="LossWindow">How far back from a crash or promotion acknowledged writes may be lost (locks, and the queue
/// unless <see cref="QueueLossWindow"/> is set); zero when none may.</param>
internal sealed record ChaosScenario(string Name, FaultKind Fault, string Setup, string Claim, TimeSpan LossWindow)
{
    /// <summary>The queue's loss window when it differs from the locks' (the locks wait for a replica, the queue does not).</summary>
    public TimeSpan? QueueLossWindow { get; init; }

    /// <summary>How far back from a crash or promotion acknowledged enqueues may be lost.</summary>
    public TimeSpan QueueWindow => QueueLossWindow ?? LossWindow;

    /// <summary>The lock clients' <c>RedisLockProviderOptions.ReplicaAcknowledgements</c> (WAIT); 0 for none.</summary>
    public int ReplicaAcknowledgements { get; init; }

    /// <summary>
    /// How long an honest holder keeps the lock (writing every 50 ms until then or until <c>Lost</c>); null for the
    /// run's quick holds. Long holds with a long lease put holders across a promotion, where a lost acquisition shows.
    /// </summary>
    public TimeSpan? HoldFor { get; init; }

    /// <summary>The honest holders' lease, when it differs from the run's.</summary>
    public TimeSpan? Lease { get; init; }

    /// <summary>Whether the scenario's fault can lose acknowledged writes of locks or of the queue.</summary>
    public bool LosesData => LossWindow > TimeSpan.Zero || QueueWindow > TimeSpan.Zero;

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
        new("replica-promotion-wait", FaultKind.ReplicaPromotion,
            PromotionSetup + "; locks acquired with ReplicaAcknowledgements = 1 (WAIT, 500 ms)",
            "locks: nothing may break (no loss window; no lock granted twice): an acquisition or renewal is confirmed only once " +
            "the replica has it, so the promoted replica knows every lock and token handed out. Queue: enqueues do not wait " +
            "for replicas, so a message enqueued while the replica lagged (from 2 s before the primary died) may be lost; " +
            "everything older is delivered",
            TimeSpan.Zero)
        {
            QueueLossWindow = PromotionQueueWindow,
            ReplicaAcknowledgements = 1,
            HoldFor = PromotionHold,
            Lease = PromotionLease,
        },
    ];

    /// <summary>
    /// The second control: the promotion of <c>replica-promotion-wait</c> with locks that do not wait for the replica.
    /// Acquisitions acknowledged while the replica lagged are unknown to it once promoted, so a second client can be
    /// granted the same lock while the first still holds it; run it with <c>--scenarios replica-promotion-no-wait</c> and
    /// expect lock violations.
    /// </summary>
    public static ChaosScenario PromotionWithoutWait { get; } = new("replica-promotion-no-wait", FaultKind.ReplicaPromotion,
        PromotionSetup + "; locks without WAIT (the control)",
        "none for locks: the suite must report violations here (the promoted replica grants a lock again while its " +
        "holder, acquired while the replica lagged, still holds it). Queue as in replica-promotion-wait",
        TimeSpan.Zero)
    {
        QueueLossWindow = PromotionQueueWindow,
        HoldFor = PromotionHold,
        Lease = PromotionLease,
    };

    private const string PromotionSetup =
        "primary + replica (--replicaof), both AOF always; the replica is cut off for 1.5 s (REPLICAOF to a dead port) so " +
        "it lags, the primary is killed, the replica promoted (REPLICAOF NO ONE) and a new replica of it started; honest " +
        "holders keep their lock 2 s with a 3 s lease";

    private static TimeSpan PromotionQueueWindow => TimeSpan.FromSeconds(2);

    private static TimeSpan PromotionHold => TimeSpan.FromSeconds(2);

    private static TimeSpan PromotionLease => TimeSpan.FromSeconds(3);

    /// <summary>
    /// A misconfiguration the suite must catch: Redis without persistence, killed. Every lock and message it held is
    /// forgotten (fencing tokens still rise: they are seeded from the server's clock); run it with
    /// <c>--scenarios kill9-no-persistence</c> and expect violations.
    /// </summary>
    public static ChaosScenario Control { get; } = new("kill9-no-persistence", FaultKind.Kill9NoPersistence,
        "one server, no persistence (the control: a misconfiguration); honest holders keep their lock 2 s with a 3 s lease",
        "none: the suite must report violations here (messages the wiped server held are lost; locks it held are granted " +
        "again while their holders still hold them)",
        TimeSpan.Zero)
    {
        // Holders across the kill, so a wiped lock shows as granted twice (quick holds rarely straddle it).
        HoldFor = PromotionHold,
        Lease = PromotionLease,
    };

    /// <summary>The scenarios that must report violations; not in the default run.</summary>
    public static IReadOnlyList<ChaosScenario> Controls { get; } = [Control, PromotionWithoutWait];

    /// <summary>Every scenario by name, the controls included.</summary>
    public static ChaosScenario? Find(string name) =>
        All.FirstOrDefault(s => s.Name == name) ?? Controls.FirstOrDefault(s => s.Name == name);
}
