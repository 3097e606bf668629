namespace Steadfast.Testing.Redis;

/// <summary>How a test <see cref="RedisServer"/> is started.</summary>
public sealed class RedisServerOptions
{
    /// <summary>
    /// Turns on AOF persistence with <c>appendfsync always</c>, so every acknowledged write survives
    /// <see cref="RedisServer.StopAsync"/> (a kill) and <see cref="RedisServer.RestartAsync"/>.
    /// Off by default (<c>--save ""</c>, nothing persisted).
    /// </summary>
    public bool AppendOnly { get; init; }

    /// <summary>
    /// Extra command-line arguments appended as given, e.g. <c>["--notify-keyspace-events", "KEA"]</c>.
    /// </summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>How long to wait for the server to answer PING after launch. Default 10 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Starts the node with <c>cluster-enabled yes</c>; used by <see cref="RedisCluster"/>.</summary>
    internal bool ClusterEnabled { get; init; }
}
