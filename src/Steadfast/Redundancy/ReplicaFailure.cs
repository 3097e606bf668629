namespace Steadfast.Redundancy;

/// <summary>One replica's failure within a redundant call.</summary>
/// <param name="ReplicaIndex">The replica's position in the list the component was created with.</param>
/// <param name="Exception">What it threw.</param>
public readonly record struct ReplicaFailure(int ReplicaIndex, Exception Exception);

/// <summary>Every replica a <see cref="HotHot{TReplica}"/> read tried failed. <see cref="AggregateException.InnerExceptions"/>
/// holds the failures in the order they happened; <see cref="Failures"/> says which replica threw each.</summary>
public sealed class AllReplicasFailedException : AggregateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failures">Each replica's failure.</param>
    public AllReplicasFailedException(IReadOnlyList<ReplicaFailure> failures)
        : base(CreateMessage(failures), (failures ?? throw new ArgumentNullException(nameof(failures))).Select(f => f.Exception))
    {
        Failures = failures;
    }

    /// <summary>Each replica's failure, in the order they happened.</summary>
    public IReadOnlyList<ReplicaFailure> Failures { get; }

    private static string CreateMessage(IReadOnlyList<ReplicaFailure>? failures) =>
        failures is null ? "Every replica failed." :
        $"Every replica failed ({string.Join("; ", failures.Select(f => $"replica {f.ReplicaIndex}: {f.Exception.GetType().Name}: {f.Exception.Message}"))}).";
}

/// <summary>Fewer replicas than the write quorum accepted a <see cref="HotHot{TReplica}.WriteAllAsync"/> write.
/// <see cref="AggregateException.InnerExceptions"/> holds the failures; <see cref="Failures"/> says which replica threw each.</summary>
public sealed class WriteQuorumException : AggregateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="result">The write's outcome.</param>
    public WriteQuorumException(QuorumWriteResult result)
        : base(CreateMessage(result), (result ?? throw new ArgumentNullException(nameof(result))).Failures.Select(f => f.Exception))
    {
        Result = result;
    }

    /// <summary>The write's outcome: which replicas accepted it and which failed.</summary>
    public QuorumWriteResult Result { get; }

    /// <summary>The failed replicas and their exceptions.</summary>
    public IReadOnlyList<ReplicaFailure> Failures => Result.Failures;

    private static string CreateMessage(QuorumWriteResult? result) =>
        result is null ? "The write quorum was not reached." :
        $"The write quorum was not reached: {result.Succeeded.Count} of {result.Quorum} required replicas accepted the write; failed: " +
        string.Join("; ", result.Failures.Select(f => $"replica {f.ReplicaIndex}: {f.Exception.GetType().Name}: {f.Exception.Message}")) + ".";
}

/// <summary>The outcome of a fanned-out write.</summary>
public sealed class QuorumWriteResult
{
    internal QuorumWriteResult(int quorum, IReadOnlyList<int> succeeded, IReadOnlyList<ReplicaFailure> failures)
    {
        Quorum = quorum;
        Succeeded = succeeded;
        Failures = failures;
    }

    /// <summary>How many replicas had to accept the write.</summary>
    public int Quorum { get; }

    /// <summary>The replicas (indexes) that accepted the write, in index order.</summary>
    public IReadOnlyList<int> Succeeded { get; }

    /// <summary>The replicas that failed, in index order.</summary>
    public IReadOnlyList<ReplicaFailure> Failures { get; }

    /// <summary>Whether at least <see cref="Quorum"/> replicas accepted the write.</summary>
    public bool QuorumReached => Succeeded.Count >= Quorum;
}
