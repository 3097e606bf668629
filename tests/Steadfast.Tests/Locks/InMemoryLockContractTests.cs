using Microsoft.Extensions.Time.Testing;
using Steadfast.Locks;
using Steadfast.Testing.Locks;

namespace Steadfast.Tests.Locks;

/// <summary>The shared lock contract on the in-memory backend, on a fake clock (no sleeps for lease time).</summary>
public sealed class InMemoryLockContractTests : DistributedLockContractTests
{
    private readonly FakeTimeProvider _time = new();
    private InMemoryLockProvider? _provider;

    // One backend per test: "two providers" of the in-memory backend are the same instance.
    protected override IDistributedLockProvider CreateProvider() => _provider ??= new InMemoryLockProvider(_time);

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        // Small steps, so timers see time pass the way a real clock would (renewals fire at their moment).
        TimeSpan step = TimeSpan.FromMilliseconds(10);
        for (TimeSpan passed = TimeSpan.Zero; passed < duration; passed += step)
        {
            _time.Advance(duration - passed < step ? duration - passed : step);
        }

        return Task.CompletedTask;
    }
}
