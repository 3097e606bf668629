using Steadfast.Retry;

namespace Steadfast.Tests.Retry;

public sealed class RetryOptionsTests
{
    public static TheoryData<string, Func<RetryOptions>> BadOptions => new()
    {
        { nameof(RetryOptions.MaxAttempts), () => new RetryOptions { MaxAttempts = 0 } },
        { nameof(RetryOptions.BaseDelay), () => new RetryOptions { BaseDelay = TimeSpan.Zero } },
        { nameof(RetryOptions.MaxDelay), () => new RetryOptions { MaxDelay = TimeSpan.FromMilliseconds(-1) } },
        { nameof(RetryOptions.MaxDelay), () => new RetryOptions { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) } },
        { nameof(RetryOptions.Jitter), () => new RetryOptions { Jitter = (RetryJitter)42 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_values_are_rejected_by_the_policy_naming_the_option(string option, Func<RetryOptions> create)
    {
        RetryOptions options = create(); // Writing a bad value does not throw: the policy that consumes it does.

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(options));

        Assert.Equal(option, error.ParamName);
        Assert.Contains("RetryOptions." + option, error.Message);
    }

    [Fact]
    public void Null_should_handle_is_rejected_by_the_policy()
    {
        var error = Assert.Throws<ArgumentNullException>(() => new RetryPolicy(new RetryOptions { ShouldHandle = null! }));

        Assert.Equal(nameof(RetryOptions.ShouldHandle), error.ParamName);
        Assert.Contains("RetryOptions.ShouldHandle", error.Message);
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var options = new RetryOptions();

        Assert.Equal(3, options.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxDelay);
        Assert.Equal(RetryJitter.Full, options.Jitter);
        Assert.False(options.ShouldHandle(new OperationCanceledException()));
        Assert.True(options.ShouldHandle(new TimeoutException()));
    }
}
