using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Steadfast.Redis;

/// <summary>
/// A Lua script that uses only KEYS and ARGV, run by its SHA1 (EVALSHA). When the server does not know it (NOSCRIPT:
/// first use, restart, failover, a new cluster node) it is sent once with EVAL, which also caches it server-side.
/// </summary>
internal sealed class RedisScript
{
    public RedisScript(string text)
    {
        Text = text;
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public string Text { get; }

    public byte[] Hash { get; }

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisKey[] keys, RedisValue[] values, CommandFlags flags)
    {
        try
        {
            return await database.ScriptEvaluateAsync(Hash, keys, values, flags).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            return await database.ScriptEvaluateAsync(Text, keys, values, flags).ConfigureAwait(false);
        }
    }

    public RedisResult Evaluate(IDatabase database, RedisKey[] keys, RedisValue[] values, CommandFlags flags)
    {
        try
        {
            return database.ScriptEvaluate(Hash, keys, values, flags);
        }
        catch (RedisServerException ex) when (IsNoScript(ex))
        {
            return database.ScriptEvaluate(Text, keys, values, flags);
        }
    }

    private static bool IsNoScript(RedisServerException ex) => ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
}
