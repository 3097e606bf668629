namespace Steadfast.Hosting.Health;

/// <summary>
/// Reads a Redis queue's state in one round trip, from the keys its public API names (the stream, the dead-letter
/// stream, the consumer group): KEYS = stream, dead-letter stream; ARGV = group. Returns
/// { waiting, in flight, oldest unacknowledged age in ms or -1, dead letters }.
/// </summary>
internal static class RedisQueueStatsScript
{
    public const string Source = """
        local stream, dead, group = KEYS[1], KEYS[2], ARGV[1]
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local deadCount = redis.call('XLEN', dead)
        if redis.call('EXISTS', stream) == 0 then
          return { 0, 0, -1, deadCount }
        end
        local function ms(id) return tonumber(string.match(id, '^(%d+)')) end
        local last, pending, lag = nil, 0, nil
        for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
          local f = {}
          for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
          if f['name'] == group then
            last, pending, lag = f['last-delivered-id'], f['pending'], f['lag']
          end
        end
        local first
        if last then
          first = redis.call('XRANGE', stream, '(' .. last, '+', 'COUNT', 1)[1]
        else
          first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
          lag = redis.call('XLEN', stream)
        end
        local waiting = 0
        if first then
          if lag then
            waiting = lag
          else
            -- Redis before 7 (or a lag it cannot compute): count what follows the group's cursor, up to 10,000.
            waiting = #redis.call('XRANGE', stream, '(' .. last, '+', 'COUNT', 10000)
          end
        end
        local oldest = nil
        if first then oldest = ms(first[1]) end
        if pending > 0 then
          local summary = redis.call('XPENDING', stream, group)
          local p = ms(summary[2])
          if oldest == nil or p < oldest then oldest = p end
        end
        local age = -1
        if oldest then age = math.max(0, now - oldest) end
        return { waiting, pending, age, deadCount }
        """;
}
