using Steadfast.Redis;

namespace Steadfast.Queues;

/// <summary>
/// The queue's Lua scripts: KEYS and ARGV only, run by SHA. Each touches keys of one Cluster slot: the queue's keys
/// (one hash tag) or the imported list alone.
/// </summary>
internal static class RedisQueueScripts
{
    // KEYS[1] stream. ARGV: the payloads, in order. One XADD each (field m): a batch is one command instead of one per
    // message, which is most of what a batched enqueue costs client and server. Returns how many were added.
    public static readonly RedisScript AddBatch = new("""
        for i = 1, #ARGV do
          redis.call('XADD', KEYS[1], '*', 'm', ARGV[i])
        end
        return #ARGV
        """);

    // KEYS[1] stream. ARGV: 1 group, 2.. entry ids. Acknowledges each; returns for each 1 if it was pending, else 0.
    public static readonly RedisScript AckBatch = new("""
        local out = {}
        for i = 2, #ARGV do
          out[i - 1] = redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
        end
        return out
        """);

    // KEYS[1] stream, KEYS[2] dead-letter stream.
    // ARGV: 1 group, 2 consumer, 3 visibility (ms), 4 XAUTOCLAIM cursor, 5 claim count, 6 read count,
    //       7 max deliveries, 8 dead-letter max length, 9 '1' to reclaim first.
    // Reclaims entries idle past the visibility timeout (dead-lettering those delivered max-deliveries times), then reads
    // new ones; creates the group from the start of the stream when it is missing.
    // Returns { next cursor, dead-lettered, reclaimed, id1, delivery count1, payload1, id2, ... }.
    public static readonly RedisScript Fetch = new("""
        local stream, dead, group, consumer = KEYS[1], KEYS[2], ARGV[1], ARGV[2]
        local function call(...)
          local r = redis.pcall(...)
          if type(r) == 'table' and r.err then
            if string.find(r.err, 'NOGROUP', 1, true) then
              redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
            end
            return redis.call(...)
          end
          return r
        end
        local out = { '0-0', 0, 0 }
        if ARGV[9] == '1' then
          local maxDeliveries = tonumber(ARGV[7])
          local r = call('XAUTOCLAIM', stream, group, consumer, ARGV[3], ARGV[4], 'COUNT', ARGV[5])
          out[1] = r[1]
          for _, e in ipairs(r[2]) do
            local id, fields = e[1], e[2]
            if not fields then
              redis.call('XACK', stream, group, id)
            else
              local p = redis.call('XPENDING', stream, group, id, id, 1)
              local n = 1
              if p[1] then n = tonumber(p[1][4]) end
              out[3] = out[3] + 1
              if n > maxDeliveries then
                redis.call('XADD', dead, 'MAXLEN', '~', ARGV[8], '*', 'm', fields[2], 'id', id, 'deliveries', n - 1, 'group', group)
                redis.call('XACK', stream, group, id)
                out[2] = out[2] + 1
              else
                out[#out + 1] = id
                out[#out + 1] = n
                out[#out + 1] = fields[2]
              end
            end
          end
        end
        local want = tonumber(ARGV[6]) - (#out - 3) / 3
        if want > 0 then
          local r = call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', want, 'STREAMS', stream, '>')
          if r then
            for _, e in ipairs(r[1][2]) do
              out[#out + 1] = e[1]
              out[#out + 1] = 1
              out[#out + 1] = e[2][2]
            end
          end
        end
        return out
        """);

    // KEYS[1] stream, KEYS[2] dead-letter stream.
    // ARGV: 1 group, 2 consumer, 3 id, 4 idle to set (ms), 5 delivery count, 6 max deliveries, 7 dead-letter max length,
    //       8 payload, 9 wake channel, 10 PUBLISH or SPUBLISH to announce ('' not to), 11 '1' to spend the delivery (nack),
    //       '0' not to (defer).
    // A deferral sets the entry's delivery count one lower (RETRYCOUNT), so the reclaim that delivers it again brings
    // it back to this delivery's count, and it is never dead-lettered.
    // 0: no longer this delivery's (acknowledged or taken over); 1: given back; 2: dead-lettered.
    public static readonly RedisScript GiveBack = new("""
        local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
        if not p[1] or tonumber(p[1][4]) ~= tonumber(ARGV[5]) then
          return 0
        end
        if ARGV[11] == '1' then
          if tonumber(ARGV[5]) >= tonumber(ARGV[6]) then
            redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'm', ARGV[8], 'id', ARGV[3], 'deliveries', ARGV[5], 'group', ARGV[1])
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
            return 2
          end
          redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')
        else
          redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'RETRYCOUNT', tonumber(ARGV[5]) - 1, 'JUSTID')
        end
        if ARGV[10] ~= '' then
          redis.call(ARGV[10], ARGV[9], 'n')
        end
        return 1
        """);

    // KEYS[1] stream. ARGV: 1 group, 2 consumer, 3 visibility (ms), 4 wake channel, 5 PUBLISH or SPUBLISH, then pairs of
    // (id, delivery count).
    // Hands read-ahead entries that were never given to a handler back to the group, claimable at once, with their
    // delivery count as it was before the read. Returns how many were handed back.
    public static readonly RedisScript Release = new("""
        local released = 0
        for i = 6, #ARGV, 2 do
          local id = ARGV[i]
          local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1, ARGV[2])
          if p[1] and tonumber(p[1][4]) == tonumber(ARGV[i + 1]) then
            redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id, 'IDLE', ARGV[3], 'RETRYCOUNT', tonumber(ARGV[i + 1]) - 1, 'JUSTID')
            released = released + 1
          end
        end
        if released > 0 then
          redis.call(ARGV[5], ARGV[4], 'n')
        end
        return released
        """);

    // KEYS[1] the imported list. ARGV: 1 'R' or 'L', the end holding the oldest value; 2.. the values just added to the
    // stream, oldest first. For each of them in turn, pops it when that end holds it, else skips it (a legacy consumer
    // popped it): only values that were added are removed, each at most once, and fewer are imported twice than by
    // stopping at the first gap. Returns how many were popped.
    public static readonly RedisScript PopImported = new("""
        local list, pop, at = KEYS[1], 'RPOP', -1
        if ARGV[1] == 'L' then
          pop, at = 'LPOP', 0
        end
        local popped = 0
        for i = 2, #ARGV do
          if redis.call('LINDEX', list, at) == ARGV[i] then
            redis.call(pop, list)
            popped = popped + 1
          end
        end
        return popped
        """);

    // KEYS[1] stream. ARGV: 1 consumer idle (ms) after which a consumer with nothing pending is removed,
    //       2 the most entries kept however many are unacknowledged (0: no bound), 3 the oldest age (ms, server clock,
    //       by entry id) kept however unacknowledged (0: no bound).
    // Trims every entry that all groups have acknowledged (below the oldest pending or undelivered entry of any group);
    // then, past the bounds, entries some group has not acknowledged (an abandoned group would otherwise hold the
    // stream for ever). Returns { entries trimmed that every group had acknowledged, entries trimmed unacknowledged }.
    public static readonly RedisScript Trim = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        if redis.call('EXISTS', KEYS[1]) == 0 then
          return { 0, 0 }
        end
        local function bounded()
          local dropped = 0
          local maxAge = tonumber(ARGV[3])
          if maxAge > 0 then
            local t = redis.call('TIME')
            local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - maxAge
            if cutoff > 0 then
              dropped = dropped + redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', cutoff) .. '-0')
            end
          end
          if tonumber(ARGV[2]) > 0 then
            dropped = dropped + redis.call('XTRIM', KEYS[1], 'MAXLEN', ARGV[2])
          end
          return dropped
        end
        local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
        if #groups == 0 then
          return { 0, bounded() }
        end
        local function parse(id)
          local d = string.find(id, '-', 1, true)
          return tonumber(string.sub(id, 1, d - 1)), tonumber(string.sub(id, d + 1))
        end
        local minId, minMs, minSeq
        for _, g in ipairs(groups) do
          local name, last, pending
          for i = 1, #g, 2 do
            if g[i] == 'name' then name = g[i + 1]
            elseif g[i] == 'last-delivered-id' then last = g[i + 1]
            elseif g[i] == 'pending' then pending = g[i + 1] end
          end
          local candidate = last
          if pending > 0 then
            candidate = redis.call('XPENDING', KEYS[1], name)[2]
          end
          local ms, seq = parse(candidate)
          if not minMs or ms < minMs or (ms == minMs and seq < minSeq) then
            minId, minMs, minSeq = candidate, ms, seq
          end
          for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], name)) do
            local cname, cpending, cidle
            for i = 1, #c, 2 do
              if c[i] == 'name' then cname = c[i + 1]
              elseif c[i] == 'pending' then cpending = c[i + 1]
              elseif c[i] == 'idle' then cidle = c[i + 1] end
            end
            if cpending == 0 and cidle > tonumber(ARGV[1]) then
              redis.call('XGROUP', 'DELCONSUMER', KEYS[1], name, cname)
            end
          end
        end
        local acknowledged = redis.call('XTRIM', KEYS[1], 'MINID', minId)
        return { acknowledged, bounded() }
        """);

    // KEYS[1] stream. ARGV: 1 group, 2 consumer. Removes the consumer from the group when it holds nothing pending
    // (a consumer's pending entries would be lost with it). 1 when removed.
    public static readonly RedisScript Leave = new("""
        local ok, p = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
        if not ok or p[1] then
          return 0
        end
        redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """);
}
