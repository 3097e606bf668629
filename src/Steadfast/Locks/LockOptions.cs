namespace Steadfast.Locks;

/// <summary>Options for one acquisition. Instances are immutable and may be shared.</summary>
public sealed class LockOptions
{
    /// <summary>The default lease: 30 seconds.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromSeconds(30);

    private readonly TimeSpan? _waitTimeout;

    /// <summary>
    /// How long the lock is held without renewal. Default 30 s. Must be positive (checked when the options are used:
    /// <see cref="ArgumentOutOfRangeException"/> with ParamName <c>"Lease"</c>). With <see cref="AutoExtend"/> the lease
    /// is renewed at about a third of it while the handle is held.
    /// </summary>
    public TimeSpan Lease { get; init; } = DefaultLease;

    /// <summary>
    /// How long to wait for the lock. When not set: <c>Acquire</c>/<c>AcquireAsync</c> wait forever
    /// (<see cref="Timeout.InfiniteTimeSpan"/>, which is also what this property returns) and
    /// <c>TryAcquire</c>/<c>TryAcquireAsync</c> do not wait (<see cref="TimeSpan.Zero"/>). When it runs out, Acquire
    /// throws <see cref="LockTimeoutException"/> and TryAcquire returns <see langword="null"/>. Must be zero, positive or
    /// <see cref="Timeout.InfiniteTimeSpan"/> (otherwise <see cref="ArgumentOutOfRangeException"/> with ParamName
    /// <c>"WaitTimeout"</c>).
    /// </summary>
    public TimeSpan WaitTimeout
    {
        get => _waitTimeout ?? Timeout.InfiniteTimeSpan;
        init => _waitTimeout = value;
    }

    /// <summary>Whether <see cref="WaitTimeout"/> was set explicitly.</summary>
    public bool HasWaitTimeout => _waitTimeout.HasValue;

    /// <summary>Renew the lease in the background while the handle is held. Default <see langword="true"/>.</summary>
    public bool AutoExtend { get; init; } = true;

    internal static LockOptions Default { get; } = new();

    /// <summary>Resolves the effective wait timeout for Acquire (<paramref name="forTry"/> false) or TryAcquire.</summary>
    internal TimeSpan ResolveWaitTimeout(bool forTry) => _waitTimeout ?? (forTry ? TimeSpan.Zero : Timeout.InfiniteTimeSpan);
}
