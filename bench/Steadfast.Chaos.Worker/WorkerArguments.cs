namespace Steadfast.Chaos.Worker;

/// <summary>The worker's command line, as the runner writes it.</summary>
public sealed record WorkerArguments(
    string Name,
    string Queue,
    IReadOnlyList<string> QueueEndPoints,
    string ApplicationEndPoint,
    int VisibilityMs,
    int ParentProcessId)
{
    /// <summary>The arguments in the form <see cref="Parse"/> reads.</summary>
    /// <returns>The argument list.</returns>
    public IReadOnlyList<string> ToArgs() =>
    [
        "--name", Name,
        "--queue", Queue,
        "--queue-endpoints", string.Join(',', QueueEndPoints),
        "--app-endpoint", ApplicationEndPoint,
        "--visibility-ms", VisibilityMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--parent", ParentProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    /// <summary>Reads the arguments written by <see cref="ToArgs"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <returns>The arguments.</returns>
    /// <exception cref="ArgumentException">An argument is missing or malformed.</exception>
    public static WorkerArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Count; i += 2)
        {
            values[args[i]] = args[i + 1];
        }

        string Get(string key) => values.TryGetValue(key, out string? value) && value.Length > 0
            ? value
            : throw new ArgumentException($"Missing worker argument {key}.", nameof(args));

        return new WorkerArguments(
            Get("--name"),
            Get("--queue"),
            Get("--queue-endpoints").Split(',', StringSplitOptions.RemoveEmptyEntries),
            Get("--app-endpoint"),
            int.Parse(Get("--visibility-ms"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("--parent"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
