using Steadfast.Hosting.Configuration;
using Steadfast.Queues;

namespace Steadfast.Hosting;

/// <summary>
/// The section <c>Steadfast:Queues:NAME</c>: one reliable queue. Read when the queue is created (first use), so changes
/// need a restart — except <see cref="Health"/>, read at every health check.
/// </summary>
public sealed class QueueSettings : IValidatedSettings
{
    /// <summary>How long a delivery may stay unacknowledged before it is delivered again. Default 30 s. Positive.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = QueueOptions.DefaultVisibilityTimeout;

    /// <summary>Deliveries before a message goes to the dead letters. Default 5. At least 1.</summary>
    public int MaxDeliveries { get; set; } = QueueOptions.DefaultMaxDeliveries;

    /// <summary>How many dead letters are kept. Default 10,000. At least 1.</summary>
    public int DeadLetterCapacity { get; set; } = QueueOptions.DefaultDeadLetterCapacity;

    /// <summary>Redis: the consumer group. Default <c>steadfast</c>.</summary>
    public string ConsumerGroup { get; set; } = "steadfast";

    /// <summary>Redis: this instance's consumer name; empty (default) for a unique one per process.</summary>
    public string? ConsumerName { get; set; }

    /// <summary>Redis: prefix of the queue's keys. Default <c>steadfast:queue</c>.</summary>
    public string KeyPrefix { get; set; } = "steadfast:queue";

    /// <summary>Redis: entries one read may take ahead. Default 10. At least 1.</summary>
    public int PrefetchCount { get; set; } = 10;

    /// <summary>Redis: the bound on an idle consumer's wait before it reads again without a notification. Default 1 s. Positive.</summary>
    public TimeSpan IdleRecheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Thresholds of the queue's health check (<c>Steadfast:Queues:NAME:Health</c>); read at every check, so they reload.</summary>
    public QueueHealthSettings Health { get; set; } = new();

    void IValidatedSettings.Validate(SettingsErrors errors)
    {
        errors.Positive(nameof(VisibilityTimeout), VisibilityTimeout);
        errors.AtLeast(nameof(MaxDeliveries), MaxDeliveries, 1);
        errors.AtLeast(nameof(DeadLetterCapacity), DeadLetterCapacity, 1);
        errors.NotBlank(nameof(ConsumerGroup), ConsumerGroup);
        errors.NullOrNotBlank(nameof(ConsumerName), ConsumerName);
        errors.NotBlank(nameof(KeyPrefix), KeyPrefix);
        errors.AtLeast(nameof(PrefetchCount), PrefetchCount, 1);
        errors.Positive(nameof(IdleRecheckInterval), IdleRecheckInterval);
        if (Health.MaxBacklog is { } backlog)
        {
            errors.AtLeast("Health:MaxBacklog", backlog, 0);
        }

        if (Health.MaxDeadLetters is { } dead)
        {
            errors.AtLeast("Health:MaxDeadLetters", dead, 0);
        }

        if (Health.MaxOldestPendingAge is { } age)
        {
            errors.Positive("Health:MaxOldestPendingAge", age);
        }
    }

    internal QueueOptions ToInMemoryOptions() => new()
    {
        VisibilityTimeout = VisibilityTimeout,
        MaxDeliveries = MaxDeliveries,
        DeadLetterCapacity = DeadLetterCapacity,
    };
}

/// <summary>
/// The section <c>Steadfast:Queues:NAME:Health</c>. The queue's check reports Degraded when a threshold is passed;
/// unset thresholds (default) are not checked.
/// </summary>
public sealed class QueueHealthSettings
{
    /// <summary>Most unacknowledged messages (waiting, delayed or in flight) before the check reports Degraded.</summary>
    public int? MaxBacklog { get; set; }

    /// <summary>Oldest unacknowledged message's age (since it was enqueued) before the check reports Degraded; every
    /// backend.</summary>
    public TimeSpan? MaxOldestPendingAge { get; set; }

    /// <summary>Most dead letters before the check reports Degraded.</summary>
    public int? MaxDeadLetters { get; set; }
}
