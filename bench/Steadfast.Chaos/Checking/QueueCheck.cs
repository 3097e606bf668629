namespace Steadfast.Chaos.Checking;

/// <summary>The verdict on an episode's queue.</summary>
internal sealed record QueueCheck(
    long Acknowledged,
    long FailedEnqueues,
    long FailedButStored,
    long Applied,
    long Deliveries,
    long DuplicatesAbsorbed,
    long Acks,
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> LostWithinWindow,
    IReadOnlyList<string> Phantoms,
    long Pending,
    long DeadLetters)
{
    /// <summary>Messages the application will never see although their enqueue returned, outside any documented window;
    /// plus deliveries never acknowledged and dead letters, which a run must not produce either.</summary>
    public long Violations => Phantoms.Count + Pending + DeadLetters;
}
