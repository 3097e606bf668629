namespace Steadfast.Queues;

/// <summary>A message that was moved to the dead-letter store after <see cref="QueueOptions.MaxDeliveries"/> deliveries.</summary>
/// <typeparam name="T">The message type.</typeparam>
/// <param name="Id">The message's id in the queue it came from.</param>
/// <param name="Message">The message.</param>
/// <param name="DeliveryCount">How many times it was delivered before it was given up on.</param>
public sealed record DeadLetter<T>(string Id, T Message, int DeliveryCount);
