namespace Steadfast.Testing.Redis;

/// <summary>Finds the <c>redis-server</c> binary the fixtures run.</summary>
internal static class RedisExecutable
{
    /// <summary>Overrides PATH lookup, e.g. to test against another Redis build.</summary>
    public const string OverrideVariable = "STEADFAST_REDIS_SERVER";

    public const string InstallHint =
        "redis-server was not found on PATH. The Redis tests run a real redis-server on 127.0.0.1. " +
        "Install it with: apt-get update && apt-get install -y redis-server " +
        "(macOS: brew install redis), or set " + OverrideVariable + " to the full path of redis-server.";

    public static string Find() =>
        Find(Environment.GetEnvironmentVariable(OverrideVariable), Environment.GetEnvironmentVariable("PATH"));

    /// <summary>The lookup itself, with the environment passed in so tests need not change the real one.</summary>
    internal static string Find(string? overridden, string? path)
    {
        if (!string.IsNullOrEmpty(overridden))
        {
            return File.Exists(overridden)
                ? overridden
                : throw new InvalidOperationException($"{OverrideVariable} points to '{overridden}', which does not exist. {InstallHint}");
        }

        var name = OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server";
        foreach (var directory in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(InstallHint);
    }
}
