using StackExchange.Redis;

namespace Steadfast.Queues;

/// <summary>
/// The pipelined acknowledgements of one queue instance (<see cref="RedisQueueOptions.PipelinedAcks"/>), coalesced: an
/// ack asked for while none is in flight is sent at once (one XACK); acks asked for while one is in flight wait for it
/// and then go together in one command (the AckBatch script), so a consumer that does not wait for its acks costs one
/// command per round trip instead of one per message. Every ack still learns whether its own entry was acknowledged.
/// It also answers the two questions the queue's contract needs: have all acks asked for so far been answered
/// (<see cref="WhenAnsweredAsync"/>: the queue's next read waits for it), and did any of them fail
/// (<see cref="TakeFailure"/>: the next read throws it). Awaited acks do not go through it: behind another ack they
/// would wait two round trips.
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
    private long _asked;
    private long _answered;
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private AckFailure? _failure;

    public RedisAckBatcher(IDatabase database, RedisKey stream, string group, CommandFlags flags)
    {
        _database = database;
        _stream = stream;
        _streamKey = [stream];
        _group = group;
        _flags = flags;
    }

    /// <summary>Acknowledges <paramref name="id"/>; true when it was pending (this call removed it from the group's
    /// pending list). A Redis failure fails every ack of the command it went in, and is kept for <see cref="TakeFailure"/>.</summary>
    public Task<bool> AckAsync(string id)
    {
        var outcome = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Ack(id, (acked, error) =>
        {
            if (error is null)
            {
                outcome.TrySetResult(acked);
            }
            else
            {
                outcome.TrySetException(error);
            }
        });
        return outcome.Task;
    }

    /// <summary>Sends the ack of <paramref name="id"/>; <paramref name="answered"/> (whether it was pending, or the error)
    /// runs when Redis answers, before anyone waiting in <see cref="WhenAnsweredAsync"/> is let go, so what it records is
    /// visible to them. A failure is also kept for <see cref="TakeFailure"/>.</summary>
    public void Ack(string id, Action<bool, Exception?> answered)
    {
        var ack = new PendingAck(id, answered);
        lock (_gate)
        {
            _asked++;
            if (_sending)
            {
                _queued.Add(ack); // Goes with the next command, when the one in flight has completed.
                return;
            }

            _sending = true;
        }

        _ = SendOneAsync(ack);
    }

    /// <summary>Completes once every ack asked for before this call has been answered by Redis (acknowledged or failed;
    /// a failure is then visible to <see cref="TakeFailure"/>). Acks asked for later are not waited for.</summary>
    public Task WhenAnsweredAsync()
    {
        lock (_gate)
        {
            if (_answered >= _asked)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_asked, done));
            return done.Task;
        }
    }

    /// <summary>The acks that failed since the last call (how many, the first id, the first error); null when none did.</summary>
    public AckFailure? TakeFailure()
    {
        lock (_gate)
        {
            AckFailure? failure = _failure;
            _failure = null;
            return failure;
        }
    }

    /// <summary>The ack nobody queued behind: a plain XACK, then whatever queued while it was in flight.</summary>
    private async Task SendOneAsync(PendingAck ack)
    {
        bool[]? acked = null;
        Exception? error = null;
        try
        {
            acked = [await _database.StreamAcknowledgeAsync(_stream, _group, ack.Id, _flags).ConfigureAwait(false) > 0];
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Answered([ack], acked, error);

        await SendQueuedAsync().ConfigureAwait(false);
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
                    return;
                }

                batch = _queued;
                _queued = [];
            }

            bool[]? acked = null;
            Exception? error = null;
            try
            {
                var args = new RedisValue[batch.Count + 1];
                args[0] = _group;
                for (int i = 0; i < batch.Count; i++)
                {
                    args[i + 1] = batch[i].Id;
                }

                var results = (RedisResult[])(await RedisQueueScripts.AckBatch.EvaluateAsync(_database, _streamKey, args, _flags).ConfigureAwait(false))!;
                acked = results.Select(r => (long)r > 0).ToArray();
            }
            catch (Exception ex)
            {
                error = ex;
            }

            Answered(batch, acked, error);
        }
    }

    /// <summary>Gives every ack of one command its outcome (<paramref name="acked"/>, or <paramref name="error"/> for all),
    /// records a failure, counts the answers, then lets go the waiters they satisfy.</summary>
    private void Answered(List<PendingAck> acks, bool[]? acked, Exception? error)
    {
        for (int i = 0; i < acks.Count; i++)
        {
            try
            {
                acks[i].Answer(acked is null ? null : acked[i], error);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failing recorder (a logger that throws) must not stop the counting: waiters would hang.
            }
        }

        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (error is not null)
            {
                _failure = _failure is null ? new AckFailure(acks.Count, acks[0].Id, error) : _failure with { Count = _failure.Count + acks.Count };
            }

            _answered += acks.Count;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= _answered)
                {
                    (ready ??= []).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (ready is not null)
        {
            foreach (TaskCompletionSource done in ready)
            {
                done.TrySetResult();
            }
        }
    }

    /// <summary>Acks that failed: how many, the id of the first, the error of the first.</summary>
    internal sealed record AckFailure(int Count, string FirstId, Exception Error);

    private sealed class PendingAck(string id, Action<bool, Exception?> answered)
    {
        public string Id { get; } = id;

        public void Answer(bool? acked, Exception? error) => answered(acked ?? false, error);
    }
}
