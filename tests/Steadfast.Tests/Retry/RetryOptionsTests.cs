using Steadfast.Retry;

namespace Steadfast.Tests.Retry;

public sealed class RetryOptionsTests
{
    public static TheoryData<string, Func<RetryOptions>> BadOptions => new()
    {
        { nameof(RetryOptions.MaxAttempts), () => new RetryOptions { MaxAttempts = 0 } },
        { nameof(RetryOptions.BaseDelay), () => new RetryOptions { BaseDelay = TimeSpan.Zero } },
        { nameof(RetryOptions.MaxDelay), () => new RetryOptions { MaxDelay = TimeSpan.FromMilliseconds(-1) } },
        { nameof(RetryOptions.Jitter), () => new RetryOptions { Jitter = (RetryJitter)42 } },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_values_are_rejected_naming_the_option(string option, Func<RetryOptions> create)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(create);

        Assert.Equal(option, error.ParamName);
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void Max_delay_shorter_than_base_delay_is_rejected_by_the_policy()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) };

        var error = Assert.Throws<ArgumentException>(() => new RetryPolicy(options));

        Assert.Equal("options", error.ParamName);
        Assert.Contains(nameof(RetryOptions.MaxDelay), error.Message);
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
