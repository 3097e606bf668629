namespace Steadfast.Chaos.History;

/// <summary>One message a producer tried to enqueue.</summary>
/// <param name="Id">The message (a unique id).</param>
/// <param name="Called">When the enqueue call began (<see cref="Clock"/> ticks).</param>
/// <param name="Returned">When it returned or threw.</param>
/// <param name="Acknowledged">True when the call returned normally: the queue promised to keep the message.</param>
internal sealed record EnqueueRecord(string Id, long Called, long Returned, bool Acknowledged);
