using Steadfast.Retry;

namespace Steadfast.Tests.Retry;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    private static RetryPolicy Create(RetryJitter jitter, Func<double>? random = null) =>
        new(new RetryOptions { BaseDelay = Base, MaxDelay = Max, Jitter = jitter, MaxAttempts = 50 }, null, random);

    [Theory]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(4, 1600)]
    [InlineData(5, 3200)]
    [InlineData(6, 5000)]  // capped at MaxDelay
    [InlineData(40, 5000)] // no overflow for large attempt numbers
    public void Full_jitter_ceiling_doubles_up_to_max_delay(int attempt, int ceilingMs)
    {
        var highest = Create(RetryJitter.Full, () => 1 - 1e-12).NextDelay(attempt, TimeSpan.Zero);
        var lowest = Create(RetryJitter.Full, () => 0).NextDelay(attempt, TimeSpan.Zero);

        Assert.InRange(highest, TimeSpan.FromMilliseconds(ceilingMs) - TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(ceilingMs));
        Assert.Equal(TimeSpan.Zero, lowest);
    }

    [Fact]
    public void Full_jitter_with_real_randomness_stays_within_bounds()
    {
        var policy = Create(RetryJitter.Full);
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var ceiling = TimeSpan.FromTicks(Math.Min(Max.Ticks, Base.Ticks << (attempt - 1)));
            for (var i = 0; i < 200; i++)
            {
                Assert.InRange(policy.NextDelay(attempt, TimeSpan.Zero), TimeSpan.Zero, ceiling);
            }
        }
    }

    [Fact]
    public void Decorrelated_jitter_stays_between_base_and_three_times_the_previous_delay()
    {
        var policy = Create(RetryJitter.Decorrelated);
        var previous = TimeSpan.Zero;
        for (var attempt = 1; attempt <= 200; attempt++)
        {
            var next = policy.NextDelay(attempt, previous);
            var upper = TimeSpan.FromTicks(Math.Min(Max.Ticks, Math.Max(Base.Ticks, previous.Ticks * 3)));
            Assert.InRange(next, Base, upper);
            previous = next;
        }
    }
}
