using StackExchange.Redis;

namespace UnsafeOrderWorker;

/// <summary>The seed's Redis lock, ported line by line.</summary>
public sealed class RedisLock
{
    private readonly IDatabase _redis;
    private readonly string _lockKey;
    // BUG (SF1001): the same empty value for every client, so any client can release any other's lock.
    private readonly string _lockValue = "";

    public RedisLock(IDatabase redis, string lockKey)
    {
        _redis = redis;
        _lockKey = lockKey;
    }

    public bool Acquire(int timeoutSeconds = 10)
    {
        var startTime = DateTime.Now;
        while (true)
        {
            if (_redis.StringSet(_lockKey, _lockValue, TimeSpan.FromSeconds(timeoutSeconds), When.NotExists))
                return true;

            // BUG (SF1005, SF2003): polls every 100 ms with a blocked thread and no cancellation.
            Thread.Sleep(100);
            // BUG (SF4002): the wait is measured with the wall clock.
            if ((DateTime.Now - startTime).TotalSeconds > timeoutSeconds)
                return false;
        }
    }

    public void Release()
    {
        const string script = """
            if redis.call("get", KEYS[1]) == ARGV[1] then
                return redis.call("del", KEYS[1])
            else
                return 0
            end
            """;
        _redis.ScriptEvaluate(script, [(RedisKey)_lockKey], [_lockValue]);
    }
}
