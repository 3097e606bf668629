namespace Steadfast.Chaos.Checking;

/// <summary>What the application database and the queue hold after the drain.</summary>
/// <param name="Applied">Ids whose effect the dedupe applied.</param>
/// <param name="Deliveries">Deliveries handled per id (duplicates included).</param>
/// <param name="Acks">Acknowledgements that returned, per id.</param>
/// <param name="Pending">Deliveries still unacknowledged in the consumer group.</param>
/// <param name="DeadLetters">Entries in the dead-letter stream.</param>
internal sealed record QueueOutcome(
    IReadOnlySet<string> Applied,
    IReadOnlyDictionary<string, long> Deliveries,
    IReadOnlyDictionary<string, long> Acks,
    long Pending,
    long DeadLetters);
