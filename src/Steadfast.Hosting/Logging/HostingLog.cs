using Microsoft.Extensions.Logging;

namespace Steadfast.Hosting.Logging;

/// <summary>
/// Steadfast.Hosting's log events (source-generated). Event ids: 8001–8099 queue consumers, 8101–8199 leader-only
/// services, 8201–8299 configuration reloads.
/// </summary>
internal static partial class HostingLog
{
    [LoggerMessage(8001, LogLevel.Warning, "Consumer of queue {QueueName}: message {MessageId} failed on delivery {DeliveryCount}; redelivered in {Delay}.")]
    public static partial void MessageFailed(ILogger logger, string queueName, string messageId, int deliveryCount, TimeSpan delay, Exception exception);

    [LoggerMessage(8002, LogLevel.Error, "Consumer of queue {QueueName}: message {MessageId} failed on its last delivery ({DeliveryCount}); it goes to the dead letters.")]
    public static partial void MessageDeadLettered(ILogger logger, string queueName, string messageId, int deliveryCount, Exception exception);

    [LoggerMessage(8003, LogLevel.Warning, "Consumer of queue {QueueName}: reading failed; reading again in {Delay}.")]
    public static partial void FetchFailed(ILogger logger, string queueName, TimeSpan delay, Exception exception);

    [LoggerMessage(8004, LogLevel.Warning, "Consumer of queue {QueueName}: acknowledging message {MessageId} failed; it will be delivered again after the visibility timeout.")]
    public static partial void AckFailed(ILogger logger, string queueName, string messageId, Exception exception);

    [LoggerMessage(8005, LogLevel.Warning, "Consumer of queue {QueueName}: giving message {MessageId} back failed; it will be delivered again after the visibility timeout.")]
    public static partial void NackFailed(ILogger logger, string queueName, string messageId, Exception exception);

    [LoggerMessage(8006, LogLevel.Information, "Consumer of queue {QueueName} started with {Concurrency} handlers.")]
    public static partial void ConsumerStarted(ILogger logger, string queueName, int concurrency);

    [LoggerMessage(8007, LogLevel.Warning, "Consumer of queue {QueueName}: the shutdown timeout ran out with {Count} messages still being handled; they were deferred (no delivery spent) for other instances to take at once.")]
    public static partial void ShutdownGaveBack(ILogger logger, string queueName, int count);

    [LoggerMessage(8008, LogLevel.Warning, "Consumer of queue {QueueName}: message {MessageId} was refused by open circuit {CircuitName}; deferred for {RetryAfter} without spending a delivery.")]
    public static partial void MessageDeferred(ILogger logger, string queueName, string messageId, string circuitName, TimeSpan retryAfter);

    [LoggerMessage(8009, LogLevel.Information, "Consumer of queue {QueueName} stopped.")]
    public static partial void ConsumerStopped(ILogger logger, string queueName);

    [LoggerMessage(8101, LogLevel.Information, "Leader-only service {Service} of election {Election} starts (fencing token {FencingToken}).")]
    public static partial void LeaderWorkStarting(ILogger logger, string service, string election, long fencingToken);

    [LoggerMessage(8102, LogLevel.Information, "Leader-only service {Service} of election {Election} stopped ({Reason}).")]
    public static partial void LeaderWorkStopped(ILogger logger, string service, string election, string reason);

    [LoggerMessage(8103, LogLevel.Error, "Leader-only service {Service} of election {Election} failed; leadership was released and this instance contends again in {Delay}.")]
    public static partial void LeaderWorkFailed(ILogger logger, string service, string election, TimeSpan delay, Exception exception);

    [LoggerMessage(8201, LogLevel.Information, "Settings of {Kind} {Name} changed; new calls use them.")]
    public static partial void Reloaded(ILogger logger, string kind, string name);
}
