namespace Steadfast.Chaos.History;

/// <summary>
/// One lock acquisition and how long its holder believed it held the lock: from the moment the acquire returned to
/// the moment the holder started releasing (a zombie, which ignores <c>Lost</c>, believes it until then too).
/// Timestamps are <see cref="Clock"/> ticks.
/// </summary>
/// <param name="Id">Unique in the run; the fenced register's writes name it.</param>
/// <param name="Client">The lock client.</param>
/// <param name="Name">The lock name.</param>
/// <param name="Token">The fencing token the acquire returned.</param>
/// <param name="AcquireCalled">When the acquire call began.</param>
/// <param name="Acquired">When it returned the handle.</param>
/// <param name="End">When the holder stopped touching the resource and began the release.</param>
/// <param name="Zombie">The holder paused past its lease (no renewal) and then wrote anyway, as a paused process does.</param>
/// <param name="LostAt">When the handle's <c>Lost</c> fired, if it did.</param>
internal sealed record LockHold(
    long Id, string Client, string Name, long Token, long AcquireCalled, long Acquired, long End, bool Zombie, long? LostAt);
