using Steadfast.Locks;

namespace Steadfast.Testing.Locks;

/// <summary>
/// The contract every <see cref="IDistributedLockProvider"/> passes. Derive, implement <see cref="CreateProvider"/>,
/// and (for a fake clock) override <see cref="PassTimeAsync"/>. Each test uses fresh lock names. Backends on a fake
/// clock (time passes only through <see cref="PassTimeAsync"/>) make every outcome independent of the machine's speed.
/// </summary>
public abstract class DistributedLockContractTests
{
    /// <summary>A provider; called once or more per test. Two providers from one test share the backend.</summary>
    protected abstract IDistributedLockProvider CreateProvider();

    /// <summary>Lets <paramref name="duration"/> pass on the provider's clock (real time: a delay).</summary>
    protected virtual Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);

    /// <summary>A lease short enough to run out during a test.</summary>
    protected virtual TimeSpan ShortLease => TimeSpan.FromMilliseconds(900);

    /// <summary>How long (real time) something that should happen may take before the test fails instead of hanging.</summary>
    protected static TimeSpan Prompt => TimeSpan.FromSeconds(30);

    /// <summary>The step in which <see cref="PassTimeUntilAsync"/> passes time.</summary>
    protected virtual TimeSpan Step => TimeSpan.FromMilliseconds(10);

    /// <summary>Returns once an acquire that has to wait is waiting (on Redis: has tried, subscribed and started its
    /// re-check timer); at once for a backend that registers waiters synchronously.</summary>
    protected virtual Task UntilWaitingAsync() => Task.CompletedTask;

    /// <summary>A fresh lock name.</summary>
    protected static string NewName() => "contract-" + Guid.NewGuid().ToString("N");

    /// <summary>Passes time in small steps until <paramref name="condition"/> holds or <paramref name="max"/> has passed.</summary>
    protected async Task<bool> PassTimeUntilAsync(Func<bool> condition, TimeSpan max)
    {
        TimeSpan step = Step;
        for (TimeSpan passed = TimeSpan.Zero; passed <= max; passed += step)
        {
            if (condition())
            {
                return true;
            }

            await PassTimeAsync(step);
        }

        return condition();
    }

    [Fact]
    public async Task Acquire_returns_a_handle_with_the_name_and_a_positive_fencing_token()
    {
        var provider = CreateProvider();
        var name = NewName();

        await using var handle = await provider.AcquireAsync(name);

        Assert.Equal(name, handle.Name);
        Assert.True(handle.FencingToken > 0);
        Assert.False(handle.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task Fencing_tokens_strictly_increase_across_acquisitions_and_providers()
    {
        var providers = new[] { CreateProvider(), CreateProvider() };
        var name = NewName();
        long previous = 0;
        for (int i = 0; i < 10; i++)
        {
            await using var handle = await providers[i % 2].AcquireAsync(name);
            Assert.True(handle.FencingToken > previous, $"token {handle.FencingToken} after {previous}");
            previous = handle.FencingToken;
        }
    }

    [Fact]
    public async Task TryAcquire_returns_null_at_once_while_the_lock_is_held()
    {
        var provider = CreateProvider();
        var other = CreateProvider();
        var name = NewName();
        await using var held = await provider.AcquireAsync(name);

        Assert.Null(await other.TryAcquireAsync(name));
        Assert.Null(other.TryAcquire(name));
        Assert.Null(await provider.TryAcquireAsync(name));
    }

    [Fact]
    public async Task Acquire_with_zero_wait_timeout_throws_LockTimeoutException_while_held()
    {
        var provider = CreateProvider();
        var name = NewName();
        await using var held = await provider.AcquireAsync(name);

        var ex = await Assert.ThrowsAsync<LockTimeoutException>(async () => await provider.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.Zero }));
        Assert.Equal(name, ex.Name);
        Assert.Throws<LockTimeoutException>(() => provider.Acquire(name, new LockOptions { WaitTimeout = TimeSpan.Zero }));
    }

    [Fact]
    public async Task Acquire_throws_LockTimeoutException_when_the_wait_timeout_runs_out()
    {
        var provider = CreateProvider();
        var name = NewName();
        await using var held = await provider.AcquireAsync(name);

        var waiting = provider.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.FromMilliseconds(300) }).AsTask();
        await PassTimeAsync(TimeSpan.FromMilliseconds(350));

        await Assert.ThrowsAsync<LockTimeoutException>(() => waiting.WaitAsync(Prompt));
        Assert.False(held.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task TryAcquire_returns_null_when_the_wait_timeout_runs_out()
    {
        var provider = CreateProvider();
        var name = NewName();
        await using var held = await provider.AcquireAsync(name);

        var waiting = provider.TryAcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.FromMilliseconds(300) }).AsTask();
        await PassTimeAsync(TimeSpan.FromMilliseconds(350));

        Assert.Null(await waiting.WaitAsync(Prompt));
    }

    [Fact]
    public async Task A_waiter_is_woken_when_the_holder_releases_and_gets_a_larger_token()
    {
        var provider = CreateProvider();
        var other = CreateProvider();
        var name = NewName();
        var held = await provider.AcquireAsync(name);

        var waiting = other.AcquireAsync(name).AsTask();
        await UntilWaitingAsync();
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using var next = await waiting.WaitAsync(Prompt);

        Assert.True(next.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task Cancelling_a_waiter_throws_OperationCanceledException_and_leaves_the_lock_usable()
    {
        var provider = CreateProvider();
        var name = NewName();
        var held = await provider.AcquireAsync(name);
        using var cts = new CancellationTokenSource();

        var waiting = provider.AcquireAsync(name, cancellationToken: cts.Token).AsTask();
        await UntilWaitingAsync();
        Assert.False(waiting.IsCompleted);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Prompt));
        await held.DisposeAsync();
        await using var again = await provider.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.Zero });
        Assert.True(again.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_even_when_the_lock_is_free()
    {
        var provider = CreateProvider();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await provider.AcquireAsync(NewName(), cancellationToken: cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await provider.TryAcquireAsync(NewName(), cancellationToken: cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => provider.Acquire(NewName(), cancellationToken: cts.Token));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_null_empty_or_whitespace_name_throws_ArgumentException_naming_name(string? name)
    {
        var provider = CreateProvider();

        Assert.Equal("name", Assert.ThrowsAny<ArgumentException>(() => provider.Acquire(name!)).ParamName);
        Assert.Equal("name", Assert.ThrowsAny<ArgumentException>(() => provider.TryAcquire(name!)).ParamName);
        Assert.Equal("name", (await Assert.ThrowsAnyAsync<ArgumentException>(async () => await provider.AcquireAsync(name!))).ParamName);
        Assert.Equal("name", (await Assert.ThrowsAnyAsync<ArgumentException>(async () => await provider.TryAcquireAsync(name!))).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-30_000)]
    public async Task A_zero_or_negative_lease_throws_ArgumentOutOfRangeException_naming_Lease(int leaseMs)
    {
        var provider = CreateProvider();
        var options = new LockOptions { Lease = TimeSpan.FromMilliseconds(leaseMs) };

        Assert.Equal("Lease", Assert.Throws<ArgumentOutOfRangeException>(() => provider.Acquire(NewName(), options)).ParamName);
        Assert.Equal("Lease", Assert.Throws<ArgumentOutOfRangeException>(() => provider.TryAcquire(NewName(), options)).ParamName);
        Assert.Equal("Lease", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await provider.AcquireAsync(NewName(), options))).ParamName);
        Assert.Equal("Lease", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await provider.TryAcquireAsync(NewName(), options))).ParamName);
    }

    [Fact]
    public async Task A_negative_wait_timeout_other_than_infinite_throws_ArgumentOutOfRangeException_naming_WaitTimeout()
    {
        var provider = CreateProvider();
        var options = new LockOptions { WaitTimeout = TimeSpan.FromSeconds(-2) };

        Assert.Equal("WaitTimeout", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await provider.AcquireAsync(NewName(), options))).ParamName);
        await using var ok = await provider.TryAcquireAsync(NewName(), new LockOptions { WaitTimeout = Timeout.InfiniteTimeSpan });
        Assert.NotNull(ok);
    }

    [Fact]
    public void Default_options_are_documented_values()
    {
        var options = new LockOptions();

        Assert.Equal(TimeSpan.FromSeconds(30), options.Lease);
        Assert.Equal(Timeout.InfiniteTimeSpan, options.WaitTimeout);
        Assert.False(options.HasWaitTimeout);
        Assert.True(options.AutoExtend);
    }

    [Fact]
    public async Task Dispose_releases_and_a_second_dispose_is_harmless()
    {
        var provider = CreateProvider();
        var name = NewName();
        var first = await provider.AcquireAsync(name);

        await first.DisposeAsync();
        await first.DisposeAsync();
        first.Dispose();

        var second = provider.Acquire(name, new LockOptions { WaitTimeout = TimeSpan.Zero });
        second.Dispose();
        second.Dispose();
        await second.DisposeAsync();

        await using var third = await provider.AcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.Zero });
        Assert.True(third.FencingToken > second.FencingToken);
    }

    [Fact]
    public async Task ReleaseAsync_reports_that_the_lock_was_held_to_the_end()
    {
        var provider = CreateProvider();
        var handle = await provider.AcquireAsync(NewName());

        Assert.True(await handle.ReleaseAsync());
        Assert.True(await handle.ReleaseAsync());
    }

    [Fact]
    public async Task ExtendAsync_extends_a_held_lock_and_reports_false_once_released()
    {
        var provider = CreateProvider();
        var handle = await provider.AcquireAsync(NewName());

        Assert.True(await handle.ExtendAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("lease", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await handle.ExtendAsync(TimeSpan.Zero))).ParamName);
        await handle.DisposeAsync();
        Assert.False(await handle.ExtendAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Different_names_do_not_block_each_other()
    {
        var provider = CreateProvider();

        await using var a = await provider.AcquireAsync(NewName(), new LockOptions { WaitTimeout = TimeSpan.Zero });
        await using var b = await provider.AcquireAsync(NewName(), new LockOptions { WaitTimeout = TimeSpan.Zero });

        Assert.NotNull(a);
        Assert.NotNull(b);
    }

    [Fact]
    public async Task A_stalled_holder_without_auto_extend_loses_the_lease_and_the_next_holder_gets_a_larger_token()
    {
        var provider = CreateProvider();
        var other = CreateProvider();
        var name = NewName();
        var stalled = await provider.AcquireAsync(name, new LockOptions { Lease = ShortLease, AutoExtend = false });

        await PassTimeAsync(ShortLease + TimeSpan.FromMilliseconds(50));

        Assert.True(stalled.Lost.IsCancellationRequested);
        await using var next = await other.TryAcquireAsync(name, new LockOptions { WaitTimeout = TimeSpan.Zero }); // expired: free at once
        Assert.NotNull(next);
        Assert.True(next!.FencingToken > stalled.FencingToken);

        // The stale holder can neither extend nor release the new holder's lock.
        Assert.False(await stalled.ExtendAsync(TimeSpan.FromSeconds(30)));
        Assert.False(await stalled.ReleaseAsync());
        Assert.Null(await other.TryAcquireAsync(name));
        Assert.False(next.Lost.IsCancellationRequested);
    }

    [Fact]
    public async Task Lost_fires_before_the_lease_can_have_run_out()
    {
        var provider = CreateProvider();
        var other = CreateProvider();
        var name = NewName();
        var lease = ShortLease * 3;
        await using var handle = await provider.AcquireAsync(name, new LockOptions { Lease = lease, AutoExtend = false });

        Assert.True(await PassTimeUntilAsync(() => handle.Lost.IsCancellationRequested, lease));

        // Still held by the backend: the holder was warned before anyone else could take the lock.
        Assert.Null(await other.TryAcquireAsync(name));
    }

    [Fact]
    public async Task Auto_extend_keeps_the_lock_well_past_its_lease()
    {
        var provider = CreateProvider();
        var other = CreateProvider();
        var name = NewName();
        var handle = await provider.AcquireAsync(name, new LockOptions { Lease = ShortLease });

        await PassTimeAsync(ShortLease * 3);

        Assert.False(handle.Lost.IsCancellationRequested);
        Assert.Null(await other.TryAcquireAsync(name));
        Assert.True(await handle.ReleaseAsync());
        await using var next = await other.TryAcquireAsync(name);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Lost_callbacks_that_throw_do_not_escape()
    {
        var provider = CreateProvider();
        var handle = await provider.AcquireAsync(NewName(), new LockOptions { Lease = ShortLease, AutoExtend = false });
        int called = 0;
        handle.Lost.Register(() =>
        {
            Interlocked.Increment(ref called);
            throw new InvalidOperationException("user callback");
        });

        Assert.True(await PassTimeUntilAsync(() => Volatile.Read(ref called) == 1, ShortLease * 2));
        await handle.DisposeAsync();
    }
}
