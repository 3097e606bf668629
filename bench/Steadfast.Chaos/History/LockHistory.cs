using System.Collections.Concurrent;

namespace Steadfast.Chaos.History;

/// <summary>Every acquisition of an episode, recorded by the lock clients from any thread.</summary>
internal sealed class LockHistory
{
    private readonly ConcurrentQueue<LockHold> _holds = new();
    private long _nextId;
    private long _acquireFailures;
    private long _acquireTimeouts;
    private long _releaseFailures;

    public FencedRegister Register { get; } = new();

    public long NewHoldId() => Interlocked.Increment(ref _nextId);

    public void Add(LockHold hold) => _holds.Enqueue(hold);

    public void AcquireFailed() => Interlocked.Increment(ref _acquireFailures);

    public void AcquireTimedOut() => Interlocked.Increment(ref _acquireTimeouts);

    public void ReleaseFailed() => Interlocked.Increment(ref _releaseFailures);

    public IReadOnlyList<LockHold> Holds => [.. _holds];

    /// <summary>Acquires that threw (Redis down, stalled or failing over).</summary>
    public long AcquireFailures => Interlocked.Read(ref _acquireFailures);

    /// <summary>Acquires that waited their whole wait timeout without getting the lock.</summary>
    public long AcquireTimeouts => Interlocked.Read(ref _acquireTimeouts);

    /// <summary>Releases that threw (the lease then simply runs out).</summary>
    public long ReleaseFailures => Interlocked.Read(ref _releaseFailures);
}
