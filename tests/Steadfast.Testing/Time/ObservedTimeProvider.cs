using Microsoft.Extensions.Time.Testing;

namespace Steadfast.Testing.Time;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports the timers created on it, so a test can wait until the code under test
/// is really waiting (it has started its timer) before advancing the clock: a timer started after an advance counts
/// from the new time and would never see it.
/// </summary>
public sealed class ObservedTimeProvider : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _dueTimes = [];
    private TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The due times of every timer created so far, in creation order.</summary>
    public IReadOnlyList<TimeSpan> DueTimes
    {
        get
        {
            lock (_gate)
            {
                return [.. _dueTimes];
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        TaskCompletionSource created;
        lock (_gate)
        {
            _dueTimes.Add(dueTime);
            created = _created;
            _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        created.TrySetResult();
        return timer;
    }

    /// <summary>
    /// Returns once a timer matching <paramref name="match"/> has been created after the <paramref name="after"/>-th
    /// one (0: any); fails with <see cref="TimeoutException"/> after <paramref name="bound"/> of real time.
    /// </summary>
    /// <returns>The matching timer's due time.</returns>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match, TimeSpan bound, int after = 0)
    {
        using var cancel = new CancellationTokenSource(bound);
        while (true)
        {
            Task next;
            lock (_gate)
            {
                for (int i = after; i < _dueTimes.Count; i++)
                {
                    if (match(_dueTimes[i]))
                    {
                        return _dueTimes[i];
                    }
                }

                next = _created.Task;
            }

            try
            {
                await next.WaitAsync(cancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching timer was created within {bound}; created: {string.Join(", ", DueTimes)}.");
            }
        }
    }

    /// <summary>How many timers have been created so far.</summary>
    public int TimerCount
    {
        get
        {
            lock (_gate)
            {
                return _dueTimes.Count;
            }
        }
    }
}
