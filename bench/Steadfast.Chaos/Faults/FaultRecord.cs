namespace Steadfast.Chaos.Faults;

/// <summary>One injected fault.</summary>
/// <param name="Kind">What was done.</param>
/// <param name="At">When the server went down or stalled (<c>Clock</c> ticks): for a kill, just after the process died.</param>
/// <param name="Took">How long injecting it took (for a restart: until the server answered again).</param>
/// <param name="LosesData">Whether the scenario's loss window applies from this event.</param>
internal sealed record FaultRecord(FaultKind Kind, long At, TimeSpan Took, bool LosesData);
