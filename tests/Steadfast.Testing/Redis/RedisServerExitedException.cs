namespace Steadfast.Testing.Redis;

/// <summary>redis-server exited during start-up (typically: its port was taken in the meantime).</summary>
internal sealed class RedisServerExitedException(string message) : InvalidOperationException(message);
