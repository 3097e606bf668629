using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Locks;
using Steadfast.Redundancy;
using Steadfast.Testing.Conditions;

namespace Steadfast.Tests.Redundancy;

public sealed class LeaderElectionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    /// <summary>A resource that refuses writes carrying a lower fencing token than the highest it has seen.</summary>
    private sealed class FencedResource
    {
        private readonly object _gate = new();
        private long _highest;

        public List<long> Accepted { get; } = [];

        public bool TryWrite(long token)
        {
            lock (_gate)
            {
                if (token < _highest)
                {
                    return false;
                }

                _highest = token;
                Accepted.Add(token);
                return true;
            }
        }
    }

    /// <summary>
    /// Acquires without automatic renewal: the holder never renews its lease. With <paramref name="releases"/> false
    /// the handles never release either — the process is gone, so only the lease running out frees the lock.
    /// </summary>
    private sealed class CrashedRenewals(IDistributedLockProvider inner, bool releases = true) : IDistributedLockProvider
    {
        private static LockOptions NoRenewal(LockOptions? o) =>
            new() { Lease = o?.Lease ?? LockOptions.DefaultLease, WaitTimeout = o?.WaitTimeout ?? Timeout.InfiniteTimeSpan, AutoExtend = false };

        public ILockHandle Acquire(string name, LockOptions? options = null, CancellationToken ct = default) => Wrap(inner.Acquire(name, NoRenewal(options), ct))!;

        public ILockHandle? TryAcquire(string name, LockOptions? options = null, CancellationToken ct = default) => Wrap(inner.TryAcquire(name, NoRenewal(options), ct));

        public async ValueTask<ILockHandle> AcquireAsync(string name, LockOptions? options = null, CancellationToken ct = default) =>
            Wrap(await inner.AcquireAsync(name, NoRenewal(options), ct))!;

        public async ValueTask<ILockHandle?> TryAcquireAsync(string name, LockOptions? options = null, CancellationToken ct = default) =>
            Wrap(await inner.TryAcquireAsync(name, NoRenewal(options), ct));

        private ILockHandle? Wrap(ILockHandle? handle) => releases || handle is null ? handle : new NeverReleased(handle);

        private sealed class NeverReleased(ILockHandle inner) : ILockHandle
        {
            public string Name => inner.Name;

            public long FencingToken => inner.FencingToken;

            public CancellationToken Lost => inner.Lost;

            public ValueTask<bool> ExtendAsync(TimeSpan lease, CancellationToken cancellationToken = default) => new(false);

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;

            public void Dispose()
            {
            }
        }
    }

    private sealed class Contender
    {
        public TaskCompletionSource<Leadership> Elected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stop { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Run(LeaderElection election, string name, CancellationToken ct) => election.RunAsync(name, async (leadership, token) =>
        {
            Elected.TrySetResult(leadership);
            await Stop.Task.WaitAsync(token);
        }, ct);
    }

    [Fact]
    public async Task One_contender_leads_and_a_standby_takes_over_when_it_steps_down()
    {
        var locks = new InMemoryLockProvider(_time);
        var options = new LeaderElectionOptions { Lease = Lease };
        var a = new Contender();
        var b = new Contender();
        using var cts = new CancellationTokenSource();

        var runA = a.Run(new LeaderElection(locks, options, _time), "jobs", cts.Token);
        var leaderA = await a.Elected.Task.WaitAsync(Wait);
        var runB = b.Run(new LeaderElection(locks, options, _time), "jobs", cts.Token);
        for (int i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1)); // renewals keep A leading; B keeps waiting
        }

        Assert.False(b.Elected.Task.IsCompleted);
        Assert.True(leaderA.IsHeld);

        a.Stop.SetResult(); // A's work returns: leadership released
        await runA.WaitAsync(Wait);
        var leaderB = await b.Elected.Task.WaitAsync(Wait);

        Assert.True(leaderB.FencingToken > leaderA.FencingToken);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runB.WaitAsync(Wait));
    }

    [Fact]
    public async Task A_crashed_leader_loses_leadership_before_a_standby_takes_over_and_its_stale_token_is_refused()
    {
        var locks = new InMemoryLockProvider(_time);
        var options = new LeaderElectionOptions { Lease = Lease };
        var resource = new FencedResource();
        var crashed = new Contender();
        var standbys = new[] { new Contender(), new Contender() };
        using var cts = new CancellationTokenSource();

        using var crashedProcess = new CancellationTokenSource();
        _ = crashed.Run(new LeaderElection(new CrashedRenewals(locks, releases: false), options, _time), "jobs", crashedProcess.Token);
        var stale = await crashed.Elected.Task.WaitAsync(Wait);
        crashedProcess.Cancel(); // the process dies: no renewal, no release, no further contention
        Assert.True(resource.TryWrite(stale.FencingToken));
        var runs = standbys.Select(s => s.Run(new LeaderElection(locks, options, _time), "jobs", cts.Token)).ToArray();

        _time.Advance(Lease * 0.9); // the crashed leader's own view: leadership lost a tenth before the lease runs out
        Assert.False(stale.IsHeld);
        Assert.DoesNotContain(standbys, s => s.Elected.Task.IsCompleted);

        _time.Advance(Lease * 0.1); // the lease runs out: exactly one standby takes over
        var winner = await Task.WhenAny(standbys.Select(s => s.Elected.Task)).WaitAsync(Wait);
        var leader = await winner;
        Assert.Single(standbys, s => s.Elected.Task.IsCompleted);
        Assert.True(leader.FencingToken > stale.FencingToken);
        Assert.True(resource.TryWrite(leader.FencingToken));
        Assert.False(resource.TryWrite(stale.FencingToken)); // the zombie's late write is refused
        Assert.Equal([stale.FencingToken, leader.FencingToken], resource.Accepted);

        cts.Cancel();
        foreach (var run in runs)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Wait));
        }
    }

    [Fact]
    public async Task A_leader_whose_lease_is_lost_stands_by_and_contends_again()
    {
        var locks = new InMemoryLockProvider(_time);
        var terms = new ConcurrentQueue<long>();
        var secondTerm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var election = new LeaderElection(new CrashedRenewals(locks), new LeaderElectionOptions { Lease = Lease }, _time);

        var run = election.RunAsync("jobs", async (leadership, token) =>
        {
            terms.Enqueue(leadership.FencingToken);
            if (terms.Count == 2)
            {
                secondTerm.TrySetResult();
            }

            await Task.Delay(Timeout.Infinite, token); // stops when leadership is lost
        }, cts.Token);

        await Until.TrueAsync(() => terms.Count == 1, "the first term", TimeSpan.FromSeconds(10));
        _time.Advance(Lease); // lost, released, re-acquired (no one else contends)
        await secondTerm.Task.WaitAsync(Wait);

        Assert.Equal(2, terms.Count);
        Assert.True(terms.Last() > terms.First());
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Wait));
    }

    [Fact]
    public async Task A_failing_leader_work_releases_leadership_and_propagates()
    {
        var locks = new InMemoryLockProvider(_time);
        var election = new LeaderElection(locks, timeProvider: _time);

        await Assert.ThrowsAsync<InvalidOperationException>(() => election.RunAsync("jobs", (_, _) => throw new InvalidOperationException("bug")));

        await using var handle = await locks.TryAcquireAsync("jobs");
        Assert.NotNull(handle); // released
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        var election = new LeaderElection(new InMemoryLockProvider(_time));
        await Assert.ThrowsAsync<ArgumentException>(() => election.RunAsync(" ", (_, _) => Task.CompletedTask));
        await Assert.ThrowsAsync<ArgumentNullException>(() => election.RunAsync("x", null!));
        Assert.Throws<ArgumentNullException>(() => new LeaderElection(null!));
        var lease = Assert.Throws<ArgumentOutOfRangeException>(() => new LeaderElection(new InMemoryLockProvider(_time), new LeaderElectionOptions { Lease = TimeSpan.Zero }));
        Assert.Equal("Lease", lease.ParamName);
        Assert.Contains("LeaderElectionOptions.Lease", lease.Message);
        var retry = Assert.Throws<ArgumentOutOfRangeException>(() => new LeaderElection(new InMemoryLockProvider(_time), new LeaderElectionOptions { RetryDelay = TimeSpan.FromSeconds(-1) }));
        Assert.Equal("RetryDelay", retry.ParamName);
    }
}
