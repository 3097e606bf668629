namespace Steadfast.Hosting.Health;

/// <summary>A queue's state as its health check sees it.</summary>
/// <param name="Waiting">Messages not being handled: not delivered yet, or waiting out a redelivery delay.</param>
/// <param name="InFlight">Messages delivered and not acknowledged yet (being handled, or waiting for a redelivery).</param>
/// <param name="OldestPendingAge">The age of the oldest unacknowledged message (since it was enqueued); null when there is none.</param>
/// <param name="DeadLetters">Messages in the dead-letter store.</param>
internal sealed record QueueStats(long Waiting, long InFlight, TimeSpan? OldestPendingAge, long DeadLetters)
{
    public long Backlog => Waiting + InFlight;
}
