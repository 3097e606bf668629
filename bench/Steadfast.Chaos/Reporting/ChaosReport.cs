namespace Steadfast.Chaos.Reporting;

/// <summary>A whole run: its settings and every episode.</summary>
internal sealed record ChaosReport(ChaosSettings Settings, IReadOnlyList<EpisodeResult> Episodes, TimeSpan WallTime)
{
    public long Operations => Episodes.Sum(e => e.Operations);

    public long FaultsInjected => Episodes.Sum(e => e.Faults.Count + e.WorkerKills);

    public long Violations => Episodes.Sum(e => e.Violations);

    public long Lost => Episodes.Sum(e => e.Lost);

    public long PermittedAnomalies => Episodes.Sum(e => e.PermittedAnomalies + e.Queue.LostWithinWindow.Count);

    public bool Passed => Violations == 0 && Lost == 0;
}
