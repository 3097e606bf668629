using StackExchange.Redis;

namespace Steadfast.Redis.RateLimiting;

/// <summary>
/// The token bucket as one Lua script: replenish from the Redis server's clock (TIME), take the permits if there are
/// enough, store the state and its TTL — one round trip, atomic, no client clock involved.
/// </summary>
internal static class RedisTokenBucketScript
{
    // KEYS[1] the bucket: a hash with t (tokens) and ts (time of the last replenishment boundary, µs of server time).
    // ARGV[1] TokenLimit, ARGV[2] TokensPerPeriod, ARGV[3] ReplenishmentPeriod (µs), ARGV[4] permits asked,
    // ARGV[5] TTL of the key (ms): longer than refilling an empty bucket, so an expired key reads as a full one.
    // Returns {granted (1/0), tokens left, retry-after (µs; 0 when granted)}.
    // Replenishment is by whole periods (as the BCL's TokenBucketRateLimiter): ts only moves by multiples of the
    // period, so no fraction of a period is ever lost. Numbers are written with %.0f: Redis would turn large Lua
    // numbers into exponent notation, which HMGET + tonumber would then round.
    public static readonly RedisScript Script = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        local limit = tonumber(ARGV[1])
        local per = tonumber(ARGV[2])
        local period = tonumber(ARGV[3])
        local want = tonumber(ARGV[4])
        local clock = redis.call('TIME')
        local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
        local state = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(state[1])
        local ts = tonumber(state[2])
        local dirty = false
        if tokens == nil or ts == nil then
          tokens = limit
          ts = now
          dirty = true
        elseif ts > now then
          if ts - now > period then
            ts = now
            dirty = true
          end
        else
          local periods = math.floor((now - ts) / period)
          if periods > 0 then
            tokens = math.min(limit, tokens + periods * per)
            ts = ts + periods * period
            dirty = true
          end
        end
        if tokens > limit then
          tokens = limit
          dirty = true
        end
        local granted = 0
        local retry = 0
        if want == 0 then
          if tokens > 0 then granted = 1 end
        elseif tokens >= want then
          tokens = tokens - want
          granted = 1
          dirty = true
        end
        if granted == 0 then
          local missing = want - tokens
          if missing < 1 then missing = 1 end
          retry = ts + math.ceil(missing / per) * period - now
          if retry < 1 then retry = 1 end
        end
        if dirty then
          redis.call('HSET', KEYS[1], 't', string.format('%.0f', tokens), 'ts', string.format('%.0f', ts))
          redis.call('PEXPIRE', KEYS[1], ARGV[5])
        end
        return {granted, tokens, retry}
        """);

    /// <summary>Reads the script's reply.</summary>
    public static (bool Granted, long Available, long RetryAfterMicroseconds) Parse(RedisResult result)
    {
        var parts = (RedisResult[])result!;
        return ((long)parts[0] == 1, (long)parts[1], (long)parts[2]);
    }
}
