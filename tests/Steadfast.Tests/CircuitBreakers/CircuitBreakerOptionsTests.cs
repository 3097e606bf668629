using Steadfast.CircuitBreakers;

namespace Steadfast.Tests.CircuitBreakers;

public sealed class CircuitBreakerOptionsTests
{
    public static TheoryData<string, Func<CircuitBreakerOptions>> BadOptions => new()
    {
        { nameof(CircuitBreakerOptions.FailureRatio), () => new CircuitBreakerOptions { FailureRatio = 0 } },
        { nameof(CircuitBreakerOptions.FailureRatio), () => new CircuitBreakerOptions { FailureRatio = 1.01 } },
        { nameof(CircuitBreakerOptions.FailureRatio), () => new CircuitBreakerOptions { FailureRatio = double.NaN } },
        { nameof(CircuitBreakerOptions.MinimumThroughput), () => new CircuitBreakerOptions { MinimumThroughput = 0 } },
        { nameof(CircuitBreakerOptions.SamplingDuration), () => new CircuitBreakerOptions { SamplingDuration = TimeSpan.FromMilliseconds(9) } },
        { nameof(CircuitBreakerOptions.BreakDuration), () => new CircuitBreakerOptions { BreakDuration = TimeSpan.Zero } },
        { nameof(CircuitBreakerOptions.BreakDuration), () => new CircuitBreakerOptions { BreakDuration = TimeSpan.FromSeconds(-1) } },
        { nameof(CircuitBreakerOptions.HalfOpenProbes), () => new CircuitBreakerOptions { HalfOpenProbes = 0 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_values_are_rejected_by_the_breaker_naming_the_option(string option, Func<CircuitBreakerOptions> create)
    {
        CircuitBreakerOptions options = create(); // Writing a bad value does not throw: the breaker that consumes it does.

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreaker(options));

        Assert.Equal(option, error.ParamName);
        Assert.Contains("CircuitBreakerOptions." + option, error.Message);
    }

    [Fact]
    public void Null_should_handle_is_rejected_by_the_breaker()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new CircuitBreaker(new CircuitBreakerOptions { ShouldHandle = null! }));

        Assert.Equal(nameof(CircuitBreakerOptions.ShouldHandle), error.ParamName);
        Assert.Contains("CircuitBreakerOptions.ShouldHandle", error.Message);
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new CircuitBreakerOptions();

        Assert.Equal(0.5, options.FailureRatio);
        Assert.Equal(10, options.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BreakDuration);
        Assert.Equal(1, options.HalfOpenProbes);
        Assert.True(options.ShouldHandle(new TimeoutException()));
        Assert.False(options.ShouldHandle(new OperationCanceledException()));
    }

    [Fact]
    public void A_shared_circuit_needs_a_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new CircuitBreaker(new CircuitBreakerOptions(), new NeverUsedStore()));

        Assert.Equal(nameof(CircuitBreakerOptions.Name), error.ParamName);
        Assert.Contains("CircuitBreakerOptions.Name", error.Message);
    }

    [Fact]
    public void Null_arguments_are_rejected_by_name()
    {
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new CircuitBreaker(null!)).ParamName);
        var breaker = new CircuitBreaker(new CircuitBreakerOptions());
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.Execute<int>(null!)).ParamName);
        Assert.Equal("action", Assert.Throws<ArgumentNullException>(() => breaker.ExecuteAsync<int>(null!)).ParamName);
    }

    private sealed class NeverUsedStore : ICircuitStateStore
    {
        public ValueTask PublishAsync(string circuitName, SharedCircuitState state, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<SharedCircuitState?> ReadAsync(string circuitName, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<IAsyncDisposable> SubscribeAsync(string circuitName, Action<SharedCircuitState> onChange, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
