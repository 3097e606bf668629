using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Steadfast.Internal;
using Steadfast.Locks;

namespace Steadfast.Redundancy;

/// <summary>Settings of a <see cref="LeaderElection"/>. Checked when an election client is created: a bad value throws an
/// exception whose ParamName is the option's name.</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>
    /// The leadership lease: renewed automatically (at a third of it) while the leader runs; when renewals stop (the
    /// leader crashed, hung or lost the backend) a standby takes over once it runs out. The leader's own
    /// <see cref="Leadership.Lost"/> fires a tenth of the lease before that. Positive. Default 15 s.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to wait before contending again after the lock backend failed. Positive. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Receives leadership changes and backend errors. Optional.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws when an option is out of range; ParamName is the option's name.</summary>
    internal void Validate()
    {
        const string type = nameof(LeaderElectionOptions);
        if (Lease <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(Lease), Lease, "must be positive");
        }

        if (RetryDelay <= TimeSpan.Zero)
        {
            throw OptionChecks.OutOfRange(type, nameof(RetryDelay), RetryDelay, "must be positive");
        }
    }
}

/// <summary>A term of leadership, handed to the leader's work.</summary>
public sealed class Leadership
{
    internal Leadership(string name, long fencingToken, CancellationToken lost, long electedAt)
    {
        Name = name;
        FencingToken = fencingToken;
        Lost = lost;
        ElectedAt = electedAt;
    }

    /// <summary>The election's name (the lock's name).</summary>
    public string Name { get; }

    /// <summary>
    /// Strictly greater than the token of every earlier term of this election. Pass it with every write to the
    /// resources the leader owns, and have them refuse tokens lower than the highest they have seen: a leader that was
    /// paused past its lease and wakes up after a successor was elected is then refused instead of corrupting data.
    /// </summary>
    public long FencingToken { get; }

    /// <summary>Fires when leadership can no longer be guaranteed (a renewal failed or did not arrive in time) — before
    /// the lease can have run out elsewhere. Stop leading when it fires.</summary>
    public CancellationToken Lost { get; }

    /// <summary>Whether leadership is still held, as far as this process can tell.</summary>
    public bool IsHeld => !Lost.IsCancellationRequested;

    /// <summary>When the term started: a <see cref="TimeProvider.GetTimestamp"/> value of the election's clock.</summary>
    public long ElectedAt { get; }
}

/// <summary>
/// Hot-warm for whole services: every instance runs <see cref="RunAsync(string, Func{Leadership, CancellationToken, Task}, CancellationToken)"/>;
/// one leads (holds a leased lock from an <see cref="IDistributedLockProvider"/> and runs the leader work), the others
/// wait and take over when the leader releases the lease or stops renewing it.
/// </summary>
/// <remarks>
/// Works with every lock provider: <see cref="InMemoryLockProvider"/> within a process, and
/// <c>RedisLockProvider</c> (package Steadfast.Redis) across processes, where a standby is woken by the release
/// notification, or, after a crash, by its re-check when the lease has run out.
/// </remarks>
public sealed class LeaderElection
{
    private readonly IDistributedLockProvider _locks;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly LockOptions _lockOptions;

    /// <summary>Creates an election client.</summary>
    /// <param name="locks">The lock provider the leadership lease lives in.</param>
    /// <param name="options">Lease, retry delay, logger; defaults when null.</param>
    /// <param name="timeProvider">The clock for retry delays and election timestamps; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (ParamName is its name).</exception>
    public LeaderElection(IDistributedLockProvider locks, LeaderElectionOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(locks);
        _locks = locks;
        _options = options ?? new LeaderElectionOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _lockOptions = new LockOptions { Lease = _options.Lease, AutoExtend = true };
    }

    /// <summary>Runs an election with default options on <paramref name="locks"/>.</summary>
    /// <param name="locks">The lock provider.</param>
    /// <param name="name">The election's name.</param>
    /// <param name="leaderWork">The work to run while leading.</param>
    /// <param name="cancellationToken">Stops contending (and cancels the work).</param>
    /// <returns>See <see cref="RunAsync(string, Func{Leadership, CancellationToken, Task}, CancellationToken)"/>.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "A static shortcut beside the instance method; the optional token follows the BCL.")]
    public static Task RunAsync(IDistributedLockProvider locks, string name, Func<Leadership, CancellationToken, Task> leaderWork,
        CancellationToken cancellationToken = default) =>
        new LeaderElection(locks).RunAsync(name, leaderWork, cancellationToken);

    /// <summary>
    /// Contends for leadership of <paramref name="name"/> and runs <paramref name="leaderWork"/> whenever this instance
    /// leads. The work's token fires when leadership is lost (or <paramref name="cancellationToken"/> fires); after a
    /// loss the instance stands by and contends again.
    /// </summary>
    /// <param name="name">The election's name (a lock name).</param>
    /// <param name="leaderWork">The work to run while leading. Return to give leadership up and finish.</param>
    /// <param name="cancellationToken">Stops contending; leadership is released.</param>
    /// <returns>Completes when the work returned while still leading (leadership released); faults with the
    /// work's exception if it failed (leadership released first); cancelled when <paramref name="cancellationToken"/> fires.</returns>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "A static shortcut beside the instance method; the optional token follows the BCL.")]
    public async Task RunAsync(string name, Func<Leadership, CancellationToken, Task> leaderWork, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(leaderWork);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ILockHandle handle;
            try
            {
                handle = await _locks.AcquireAsync(name, _lockOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                RedundancyLog.ElectionError(_options.Logger, name, _options.RetryDelay, ex);
                await Task.Delay(_options.RetryDelay, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var leadership = new Leadership(name, handle.FencingToken, handle.Lost, _time.GetTimestamp());
            RedundancyMetrics.RecordLeadership("elected");
            RedundancyLog.LeadershipGained(_options.Logger, name, handle.FencingToken);
            bool lost;
            try
            {
                using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handle.Lost);
                try
                {
                    await leaderWork(leadership, work.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (handle.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // Leadership lost: the work stopped as asked.
                }

                lost = handle.Lost.IsCancellationRequested;
            }
            finally
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }

            if (lost && !cancellationToken.IsCancellationRequested)
            {
                RedundancyMetrics.RecordLeadership("lost");
                RedundancyLog.LeadershipLost(_options.Logger, name, leadership.FencingToken);
                continue;
            }

            RedundancyMetrics.RecordLeadership("released");
            RedundancyLog.LeadershipReleased(_options.Logger, name, leadership.FencingToken);
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }
    }
}
