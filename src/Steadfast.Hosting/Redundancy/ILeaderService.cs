using Steadfast.Redundancy;

namespace Steadfast.Hosting;

/// <summary>
/// Work that runs on one instance at a time: registered with
/// <see cref="SteadfastBuilder.AddLeaderService{TService}(string, Action{LeaderElectionSettings}?)"/>, it runs (in a DI scope of its own) only while this
/// instance holds the election's leadership lease.
/// </summary>
public interface ILeaderService
{
    /// <summary>Does the leader's work.</summary>
    /// <param name="leadership">The term: pass <see cref="Leadership.FencingToken"/> with writes to fenced resources.</param>
    /// <param name="cancellationToken">Fires when leadership is lost (<see cref="Leadership.Lost"/>) or the host stops: stop then.</param>
    /// <returns>Returning gives leadership up and ends the service; throwing gives it up and contends again after the retry delay.</returns>
    Task RunAsync(Leadership leadership, CancellationToken cancellationToken);
}
