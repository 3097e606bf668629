namespace Steadfast.AnalyzerCost.RealCode;

/// <summary>
/// A checkout of someone else's code and the project built from it. <see cref="Known"/> are the pinned code bases of
/// issue 14; bench/realcode/checkout.sh lays them out under /work/realcode from the snapshots the library's `fetch` brings.
/// </summary>
internal sealed record CodeBase(string Name, string Repository, string Commit, string Checkout, string Project, string Framework)
{
    public const string DefaultRoot = "/work/realcode";

    public static IReadOnlyList<CodeBase> Known(string root) =>
    [
        new("StackExchange.Redis", "StackExchange/StackExchange.Redis", "90bbf1fcba1c9cc464c94b96d16c2706f590383f",
            Path.Combine(root, "StackExchange.Redis"), "src/StackExchange.Redis/StackExchange.Redis.csproj", "net10.0"),
        new("Polly", "App-vNext/Polly", "173d6d1d2e28a4697f1ac1d22da68f77ff19a0c9",
            Path.Combine(root, "Polly"), "test/Polly.Core.Tests/Polly.Core.Tests.csproj", "net10.0"),
    ];

    public string ProjectPath => Path.Combine(Checkout, Project);
}
