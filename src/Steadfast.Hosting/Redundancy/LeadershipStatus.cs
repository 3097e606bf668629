using Steadfast.Redundancy;

namespace Steadfast.Hosting.Redundancy;

/// <summary>What a leader-only service's election looks like from this instance, for its health check.</summary>
internal sealed class LeadershipStatus
{
    private volatile Leadership? _current;
    private volatile Exception? _failure;
    private volatile bool _stopped;

    /// <summary>The term held now, or null while standing by.</summary>
    public Leadership? Current => _current is { IsHeld: true } held ? held : null;

    /// <summary>The last failure of the leader work, if the last term ended in one.</summary>
    public Exception? LastFailure => _failure;

    /// <summary>The service has ended (its work returned, or the host stopped).</summary>
    public bool Stopped => _stopped;

    public void Elected(Leadership leadership)
    {
        _failure = null;
        _current = leadership;
    }

    public void Ended(Exception? failure)
    {
        _current = null;
        _failure = failure;
    }

    public void Stop() => _stopped = true;
}
