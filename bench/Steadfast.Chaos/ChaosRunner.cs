using System.Diagnostics;
using Steadfast.Chaos.Faults;
using Steadfast.Chaos.Reporting;

namespace Steadfast.Chaos;

/// <summary>Runs the selected scenarios in turn, one episode each, until the run's duration is used.</summary>
internal static class ChaosRunner
{
    public static async Task<ChaosReport> RunAsync(ChaosSettings settings, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        IReadOnlyList<ChaosScenario> scenarios = settings.SelectedScenarios();
        long started = Stopwatch.GetTimestamp();
        var episodes = new List<EpisodeResult>();
        TimeSpan loadUsed = TimeSpan.Zero;
        int index = 0;
        do
        {
            ChaosScenario scenario = scenarios[index % scenarios.Count];
            log.WriteLine($"episode {index}: {scenario.Name}");
            EpisodeResult result = await new Episode(scenario, index, settings, log).RunAsync().ConfigureAwait(false);
            log.WriteLine($"  {scenario.Name}: {result.Operations:N0} operations, {result.Faults.Count} faults, {result.WorkerKills} consumers killed, " +
                $"{result.Violations} violations, {result.Lost} lost, {result.PermittedAnomalies + result.Queue.LostWithinWindow.Count} within window");
            episodes.Add(result);
            loadUsed += settings.EpisodeLength;
            index++;
        }
        while (loadUsed + settings.EpisodeLength <= settings.Duration || index < scenarios.Count);

        return new ChaosReport(settings, episodes, Stopwatch.GetElapsedTime(started));
    }
}
