using Steadfast.Hosting.Configuration;

namespace Steadfast.Hosting;

/// <summary>
/// The section <c>Steadfast:Consumers:QUEUE</c>: a hosted queue consumer. <see cref="Concurrency"/> is read when the
/// consumer starts; the delays are read at each use, so they reload.
/// </summary>
public sealed class ConsumerSettings : IValidatedSettings
{
    /// <summary>How many messages are handled at once. Default 4. At least 1. Read at start.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// The redelivery delay after the first failure; it doubles with each further delivery, up to
    /// <see cref="RetryMaxDelay"/> (and the queue caps it at its visibility timeout). Default 1 s. Not negative. Reloads.
    /// </summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest redelivery delay. Default 30 s. Not negative. Reloads.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait before reading again after the queue's backend failed (Redis down). Default 1 s. Positive. Reloads.</summary>
    public TimeSpan FetchErrorDelay { get; set; } = TimeSpan.FromSeconds(1);

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        errors.AtLeast(nameof(Concurrency), Concurrency, 1);
        errors.NotNegative(nameof(RetryBaseDelay), RetryBaseDelay);
        errors.NotNegative(nameof(RetryMaxDelay), RetryMaxDelay);
        errors.Positive(nameof(FetchErrorDelay), FetchErrorDelay);
    }

    /// <summary>Exponential backoff: base × 2^(delivery − 1), capped.</summary>
    internal TimeSpan RedeliveryDelay(int deliveryCount)
    {
        int doublings = Math.Clamp(deliveryCount - 1, 0, 30);
        double ticks = RetryBaseDelay.Ticks * Math.Pow(2, doublings);
        return ticks >= RetryMaxDelay.Ticks ? RetryMaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
