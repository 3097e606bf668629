using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using Steadfast.Queues;

namespace Steadfast.Tests.Queues;

/// <summary>In-memory specifics: exact timing on the fake clock, counts, bounds and metrics.</summary>
public sealed class InMemoryReliableQueueTests
{
    private readonly FakeTimeProvider _time = new();

    private InMemoryReliableQueue<string> Create(int maxDeliveries = 5, int deadLetterCapacity = 10_000) => new(
        new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30), MaxDeliveries = maxDeliveries, DeadLetterCapacity = deadLetterCapacity },
        _time);

    [Fact]
    public void Options_have_the_documented_defaults()
    {
        var options = new QueueOptions();
        Assert.Equal(TimeSpan.FromSeconds(30), options.VisibilityTimeout);
        Assert.Equal(5, options.MaxDeliveries);
        Assert.Equal(10_000, options.DeadLetterCapacity);
    }

    [Fact]
    public async Task Dispose_disposes_the_queues_timer_and_schedules_no_new_one()
    {
        var time = new TimerTrackingTimeProvider();
        var queue = new InMemoryReliableQueue<string>(new QueueOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) }, time);
        await queue.EnqueueAsync("a");
        var delivery = await queue.DequeueAsync(TimeSpan.Zero); // Starts the visibility timer.
        Assert.NotEmpty(time.Timers);
        Assert.Contains(time.Timers, t => !t.Disposed);

        await queue.DisposeAsync();

        Assert.All(time.Timers, t => Assert.True(t.Disposed));
        int created = time.Timers.Count;
        await delivery!.NackAsync(TimeSpan.FromSeconds(5)); // Would schedule a redelivery on a live queue.
        Assert.Equal(created, time.Timers.Count);
        Assert.All(time.Timers, t => Assert.True(t.Disposed));
    }

    /// <summary>A fake clock that records the timers created on it and whether each was disposed.</summary>
    private sealed class TimerTrackingTimeProvider : FakeTimeProvider
    {
        private readonly List<TrackedTimer> _timers = [];

        public IReadOnlyList<TrackedTimer> Timers
        {
            get
            {
                lock (_timers)
                {
                    return [.. _timers];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new TrackedTimer(base.CreateTimer(callback, state, dueTime, period));
            lock (_timers)
            {
                _timers.Add(timer);
            }

            return timer;
        }
    }

    private sealed class TrackedTimer(ITimer inner) : ITimer
    {
        public bool Disposed { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return default;
        }
    }

    [Fact]
    public async Task The_visibility_timeout_is_exact_on_the_injected_clock()
    {
        var queue = Create();
        await queue.EnqueueAsync("a");
        var first = await queue.DequeueAsync(TimeSpan.Zero);
        Assert.NotNull(first);
        Assert.Equal(1, queue.InFlightCount);

        _time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Null(await queue.DequeueAsync(TimeSpan.Zero));

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(0, queue.InFlightCount);
        Assert.Equal(1, queue.ReadyCount);
        var second = await queue.DequeueAsync(TimeSpan.Zero);
        Assert.Equal(2, second!.DeliveryCount);
    }

    [Fact]
    public async Task A_consumer_waiting_when_a_delivery_times_out_receives_it_without_polling()
    {
        var queue = Create();
        await queue.EnqueueAsync("a");
        var first = await queue.DequeueAsync(TimeSpan.Zero);

        var waiting = queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(30));

        var second = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(first!.Id, second!.Id);
    }

    [Fact]
    public async Task Waiters_are_served_first_come_first_served()
    {
        var queue = Create();
        var one = queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();
        var two = queue.DequeueAsync(Timeout.InfiniteTimeSpan).AsTask();

        await queue.EnqueueAsync("first");
        Assert.Equal("first", (await one.WaitAsync(TimeSpan.FromSeconds(5)))!.Message);
        Assert.False(two.IsCompleted);

        await queue.EnqueueAsync("second");
        Assert.Equal("second", (await two.WaitAsync(TimeSpan.FromSeconds(5)))!.Message);
    }

    [Fact]
    public async Task A_late_ack_after_the_timeout_still_removes_the_message()
    {
        var queue = Create();
        await queue.EnqueueAsync("a");
        var delivery = await queue.DequeueAsync(TimeSpan.Zero);
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, queue.ReadyCount);

        await delivery!.AckAsync();
        Assert.Equal(0, queue.ReadyCount);
        Assert.Null(await queue.DequeueAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task Nack_delay_longer_than_the_visibility_timeout_is_capped_at_it()
    {
        var queue = Create();
        await queue.EnqueueAsync("a");
        var delivery = await queue.DequeueAsync(TimeSpan.Zero);
        await delivery!.NackAsync(TimeSpan.FromHours(1));

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.NotNull(await queue.DequeueAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task The_dead_letters_are_bounded_by_their_capacity_keeping_the_newest()
    {
        var queue = Create(maxDeliveries: 1, deadLetterCapacity: 3);
        await queue.EnqueueBatchAsync(["a", "b", "c", "d", "e"]);
        for (int i = 0; i < 5; i++)
        {
            await (await queue.DequeueAsync(TimeSpan.Zero))!.NackAsync();
        }

        Assert.Equal(["c", "d", "e"], queue.GetDeadLetters().Select(d => d.Message));
        Assert.All(queue.GetDeadLetters(), d => Assert.Equal(1, d.DeliveryCount));
    }

    [Fact]
    public async Task Metrics_count_enqueues_deliveries_acks_nacks_reclaims_and_dead_letters()
    {
        var queue = Create(maxDeliveries: 2);
        var counts = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == QueueTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == QueueTelemetry.BackendTag && (string?)tag.Value == "memory")
                {
                    lock (counts)
                    {
                        counts[instrument.Name] = counts.GetValueOrDefault(instrument.Name) + value;
                    }
                }
            }
        });
        listener.Start();

        await queue.EnqueueBatchAsync(["ok", "poison"]);
        await (await queue.DequeueAsync(TimeSpan.Zero))!.AckAsync();
        await (await queue.DequeueAsync(TimeSpan.Zero))!.NackAsync();
        _ = await queue.DequeueAsync(TimeSpan.Zero); // Second delivery; its consumer dies.
        _time.Advance(TimeSpan.FromSeconds(30));

        // Other tests run in parallel on the same static meter: assert lower bounds.
        Assert.True(counts.GetValueOrDefault(QueueTelemetry.Enqueued) >= 2);
        Assert.True(counts.GetValueOrDefault(QueueTelemetry.Delivered) >= 3);
        Assert.True(counts.GetValueOrDefault(QueueTelemetry.Acked) >= 1);
        Assert.True(counts.GetValueOrDefault(QueueTelemetry.Nacked) >= 1);
        Assert.True(counts.GetValueOrDefault(QueueTelemetry.Reclaimed) >= 1);
        Assert.True(counts.GetValueOrDefault(QueueTelemetry.DeadLettered) >= 1);
        Assert.Single(queue.GetDeadLetters());
    }

    [Fact]
    public void Public_queue_types_are_sealed_where_not_designed_for_inheritance()
    {
        Assert.True(typeof(InMemoryReliableQueue<>).IsSealed);
        Assert.True(typeof(JsonQueueSerializer).IsSealed);
        Assert.True(typeof(DeadLetter<>).IsSealed);
    }
}
