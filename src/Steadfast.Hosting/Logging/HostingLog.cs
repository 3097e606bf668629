using Microsoft.Extensions.Logging;

namespace Steadfast.Hosting.Logging;

/// <summary>
/// Steadfast.Hosting's log events (source-generated). Event ids: 9001–9099 queue consumers, 9101–9199 leader-only
/// services, 9201–9299 configuration reloads (8xxx are Steadfast.Redis's: 8101 is the rate limiter's Redis outage).
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(9001, LogLevel.Warning, "Consumer of queue {QueueName}: message {MessageId} failed on delivery {DeliveryCount}; redelivered in {Delay}.")]
    public static partial void MessageFailed(ILogger logger, string queueName, string messageId, int deliveryCount, TimeSpan delay, Exception exception);

    [LoggerMessage(9002, LogLevel.Error, "Consumer of queue {QueueName}: message {MessageId} failed on its last delivery ({DeliveryCount}); it goes to the dead letters.")]
    public static partial void MessageDeadLettered(ILogger logger, string queueName, string messageId, int deliveryCount, Exception exception);

    [LoggerMessage(9003, LogLevel.Warning, "Consumer of queue {QueueName}: reading failed; reading again in {Delay}.")]
    public static partial void FetchFailed(ILogger logger, string queueName, TimeSpan delay, Exception exception);

    [LoggerMessage(9004, LogLevel.Warning, "Consumer of queue {QueueName}: acknowledging message {MessageId} failed; it will be delivered again after the visibility timeout.")]
    public static partial void AckFailed(ILogger logger, string queueName, string messageId, Exception exception);

    [LoggerMessage(9005, LogLevel.Warning, "Consumer of queue {QueueName}: giving message {MessageId} back failed; it will be delivered again after the visibility timeout.")]
    public static partial void NackFailed(ILogger logger, string queueName, string messageId, Exception exception);

    [LoggerMessage(9006, LogLevel.Information, "Consumer of queue {QueueName} started with {Concurrency} handlers.")]
    public static partial void ConsumerStarted(ILogger logger, string queueName, int concurrency);

    [LoggerMessage(9007, LogLevel.Warning, "Consumer of queue {QueueName}: the shutdown timeout ran out with {Count} messages still being handled; they were deferred (no delivery spent) for other instances to take at once.")]
    public static partial void ShutdownGaveBack(ILogger logger, string queueName, int count);

    [LoggerMessage(9008, LogLevel.Warning, "Consumer of queue {QueueName}: message {MessageId} was refused by open circuit {CircuitName}; deferred for {RetryAfter} without spending a delivery.")]
    public static partial void MessageDeferred(ILogger logger, string queueName, string messageId, string circuitName, TimeSpan retryAfter);

    [LoggerMessage(9009, LogLevel.Information, "Consumer of queue {QueueName} stopped.")]
    public static partial void ConsumerStopped(ILogger logger, string queueName);

    [LoggerMessage(9101, LogLevel.Information, "Leader-only service {Service} of election {Election} starts (fencing token {FencingToken}).")]
    public static partial void LeaderWorkStarting(ILogger logger, string service, string election, long fencingToken);

    [LoggerMessage(9102, LogLevel.Information, "Leader-only service {Service} of election {Election} stopped ({Reason}).")]
    public static partial void LeaderWorkStopped(ILogger logger, string service, string election, string reason);

    [LoggerMessage(9103, LogLevel.Error, "Leader-only service {Service} of election {Election} failed; leadership was released and this instance contends again in {Delay}.")]
    public static partial void LeaderWorkFailed(ILogger logger, string service, string election, TimeSpan delay, Exception exception);

    [LoggerMessage(9201, LogLevel.Information, "Settings of {Kind} {Name} changed; new calls use them.")]
    public static partial void Reloaded(ILogger logger, string kind, string name);
}
