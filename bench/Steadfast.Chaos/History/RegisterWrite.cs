namespace Steadfast.Chaos.History;

/// <summary>One write offered to the fenced register, in the register's own order.</summary>
/// <param name="Sequence">Position in the register's log.</param>
/// <param name="Name">The protected resource (the lock's name).</param>
/// <param name="HoldId">The <see cref="LockHold.Id"/> of the writer.</param>
/// <param name="Token">The writer's fencing token.</param>
/// <param name="Accepted">Whether the register took the write.</param>
/// <param name="At">When (<see cref="Clock"/> ticks).</param>
internal sealed record RegisterWrite(long Sequence, string Name, long HoldId, long Token, bool Accepted, long At);
