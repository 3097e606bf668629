using System.Globalization;
using Steadfast.Chaos.Faults;

namespace Steadfast.Chaos;

/// <summary>The size and shape of a chaos run. Defaults are the documented full run; tests pass a smaller one.</summary>
internal sealed record ChaosSettings
{
    /// <summary>Total time of the load phases; scenarios run in turn, each for <see cref="EpisodeLength"/>, until it is used.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Load phase of one scenario (setup and drain come on top).</summary>
    public TimeSpan EpisodeLength { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The scenarios to run, in order; all when empty.</summary>
    public IReadOnlyList<string> Scenarios { get; init; } = [];

    /// <summary>Time between two server faults in an episode (the first comes after one interval).</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long CLIENT PAUSE and DEBUG SLEEP stall the server: longer than <see cref="Lease"/>.</summary>
    public TimeSpan Stall { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How long a killed server stays down before it is started again (clients fail meanwhile).</summary>
    public TimeSpan Downtime { get; init; } = TimeSpan.FromSeconds(0.5);

    public int LockClients { get; init; } = 6;

    public IReadOnlyList<string> LockNames { get; init; } = ["chaos-a", "chaos-b"];

    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(1);

    public int WritesPerHold { get; init; } = 3;

    /// <summary>When positive, honest holders keep the lock this long (a write every 50 ms) instead of <see cref="WritesPerHold"/> quick writes.</summary>
    public TimeSpan HoldFor { get; init; }

    /// <summary>Share of holds that pause past their lease and then write (stale writers the register must refuse).</summary>
    public double ZombieShare { get; init; } = 0.1;

    public TimeSpan ZombieLease { get; init; } = TimeSpan.FromMilliseconds(300);

    public int Producers { get; init; } = 2;

    public TimeSpan ProducerInterval { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Consumer processes running at any time.</summary>
    public int Workers { get; init; } = 3;

    /// <summary>Time between two consumer kills.</summary>
    public TimeSpan WorkerKillInterval { get; init; } = TimeSpan.FromSeconds(1.5);

    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after the load phase the consumers get to deliver everything.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; } = 15;

    /// <summary>Where to write the markdown report; none when null.</summary>
    public string? ReportPath { get; init; }

    /// <summary>The scenarios selected, in order.</summary>
    public IReadOnlyList<ChaosScenario> SelectedScenarios() =>
        Scenarios.Count == 0
            ? ChaosScenario.All
            : [.. Scenarios.Select(name => ChaosScenario.Find(name)
                ?? throw new ArgumentException(
                    $"Unknown scenario '{name}'. Known: {string.Join(", ", ChaosScenario.All.Concat(ChaosScenario.Controls).Select(s => s.Name))}.",
                    nameof(Scenarios)))];

    /// <summary>Reads <c>--duration s --episode s --scenarios a,b --seed n --workers n --report path</c>.</summary>
    public static ChaosSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new ChaosSettings();
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.", nameof(args));
            settings = args[i] switch
            {
                "--duration" => settings with { Duration = Seconds(Value()) },
                "--episode" => settings with { EpisodeLength = Seconds(Value()) },
                "--fault-interval" => settings with { FaultInterval = Seconds(Value()) },
                "--downtime" => settings with { Downtime = Seconds(Value()) },
                "--scenarios" => settings with { Scenarios = Value().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--seed" => settings with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--workers" => settings with { Workers = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--report" => settings with { ReportPath = Value() },
                _ => throw new ArgumentException(
                    $"Unknown argument '{args[i]}'. Use --duration s, --episode s, --fault-interval s, --downtime s, --scenarios a,b, --seed n, --workers n, --report path.",
                    nameof(args)),
            };
        }

        _ = settings.SelectedScenarios();
        return settings;
    }

    private static TimeSpan Seconds(string value) =>
        TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) is { } span && span > TimeSpan.Zero
            ? span
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Durations are positive seconds.");
}
