namespace Steadfast.Hosting.Configuration;

/// <summary>The configuration keys Steadfast reads (docs/hosting.md lists every one).</summary>
internal static class SectionPaths
{
    public const string Root = "Steadfast";
    public const string Locks = Root + ":Locks";
    public const string Queues = Root + ":Queues";
    public const string Consumers = Root + ":Consumers";
    public const string CircuitBreakers = Root + ":CircuitBreakers";
    public const string RetryPolicies = Root + ":RetryPolicies";
    public const string RateLimiters = Root + ":RateLimiters";
    public const string LeaderElections = Root + ":LeaderElections";
    public const string HotWarm = Root + ":HotWarm";
    public const string HotHot = Root + ":HotHot";

    public static string Named(string section, string name) => section + ":" + name;
}
