using StackExchange.Redis;

namespace Steadfast.Queues;

/// <summary>
/// The pipelined acknowledgements of one queue instance (<see cref="RedisQueueOptions.PipelinedAcks"/>), coalesced: an
/// ack asked for while none is in flight is sent at once (one XACK); acks asked for while one is in flight wait for it
/// and then go together in one command (the AckBatch script), so a consumer that does not wait for its acks costs one
/// command per round trip instead of one per message. Every ack still learns whether its own entry was acknowledged.
/// Awaited acks do not go through it: behind another ack they would wait two round trips.
/// </summary>
internal sealed class RedisAckBatcher
{
    private readonly IDatabase _database;
    private readonly RedisKey _stream;
    private readonly RedisKey[] _streamKey;
    private readonly RedisValue _group;
    private readonly CommandFlags _flags;
    private readonly object _gate = new();
    private List<PendingAck> _queued = [];
    private bool _sending;
    private TaskCompletionSource? _idle;

    public RedisAckBatcher(IDatabase database, RedisKey stream, string group, CommandFlags flags)
    {
        _database = database;
        _stream = stream;
        _streamKey = [stream];
        _group = group;
        _flags = flags;
    }

    /// <summary>Acknowledges <paramref name="id"/>; true when it was pending (this call removed it from the group's
    /// pending list). A Redis failure fails every ack of the command it went in.</summary>
    public Task<bool> AckAsync(string id)
    {
        lock (_gate)
        {
            if (_sending)
            {
                var ack = new PendingAck(id);
                _queued.Add(ack);
                return ack.Task; // Goes with the next command, when the one in flight has completed.
            }

            _sending = true;
        }

        return SendOneAsync(id);
    }

    /// <summary>Completes once every ack asked for so far has been answered by Redis (or failed).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (!_sending)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    /// <summary>The ack nobody queued behind: a plain XACK, then whatever queued while it was in flight.</summary>
    private async Task<bool> SendOneAsync(string id)
    {
        try
        {
            return await _database.StreamAcknowledgeAsync(_stream, _group, id, _flags).ConfigureAwait(false) > 0;
        }
        finally
        {
            _ = SendQueuedAsync();
        }
    }

    private async Task SendQueuedAsync()
    {
        while (true)
        {
            List<PendingAck> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _sending = false;
                    _idle?.TrySetResult();
                    _idle = null;
                    return;
                }

                batch = _queued;
                _queued = [];
            }

            try
            {
                var args = new RedisValue[batch.Count + 1];
                args[0] = _group;
                for (int i = 0; i < batch.Count; i++)
                {
                    args[i + 1] = batch[i].Id;
                }

                var results = (RedisResult[])(await RedisQueueScripts.AckBatch.EvaluateAsync(_database, _streamKey, args, _flags).ConfigureAwait(false))!;
                for (int i = 0; i < batch.Count; i++)
                {
                    batch[i].TrySetResult((long)results[i] > 0);
                }
            }
            catch (Exception ex)
            {
                foreach (PendingAck ack in batch)
                {
                    ack.TrySetException(ex);
                }
            }
        }
    }

    private sealed class PendingAck(string id) : TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public string Id { get; } = id;
    }
}
