using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Steadfast.Hosting.Backends;
using Steadfast.Queues;

namespace Steadfast.Hosting.Health;

/// <summary>
/// A queue's backlog, oldest unacknowledged age and dead letters against <c>Steadfast:Queues:NAME:Health</c>:
/// Unhealthy when the queue cannot be read, Degraded when a threshold is passed, Healthy otherwise.
/// </summary>
internal sealed class QueueHealthCheck<T>(string name, IServiceProvider services) : IHealthCheck
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        QueueHealthSettings thresholds = services.GetRequiredService<IOptionsMonitor<QueueSettings>>().Get(name).Health;
        QueueStats stats;
        try
        {
            var queue = services.GetRequiredKeyedService<IReliableQueue<T>>(name);
            var backend = services.GetRequiredService<SteadfastBackend>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ReadTimeout);
            stats = await QueueStatsReader.ReadAsync(queue, () => backend.Multiplexer, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Queue '{name}' cannot be read: {ex.Message}", ex);
        }

        var data = new Dictionary<string, object>
        {
            ["waiting"] = stats.Waiting,
            ["inFlight"] = stats.InFlight,
            ["deadLetters"] = stats.DeadLetters,
        };
        if (stats.OldestPendingAge is { } age)
        {
            data["oldestPendingAgeSeconds"] = Math.Round(age.TotalSeconds, 3);
        }

        var problems = new List<string>();
        if (thresholds.MaxBacklog is { } maxBacklog && stats.Backlog > maxBacklog)
        {
            problems.Add(Invariant($"backlog {stats.Backlog} > {maxBacklog}"));
        }

        if (thresholds.MaxOldestPendingAge is { } maxAge && stats.OldestPendingAge > maxAge)
        {
            problems.Add(Invariant($"oldest pending {stats.OldestPendingAge} > {maxAge}"));
        }

        if (thresholds.MaxDeadLetters is { } maxDead && stats.DeadLetters > maxDead)
        {
            problems.Add(Invariant($"dead letters {stats.DeadLetters} > {maxDead}"));
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy(Invariant($"Queue '{name}': {stats.Backlog} unacknowledged, {stats.DeadLetters} dead letters."), data)
            : HealthCheckResult.Degraded($"Queue '{name}': {string.Join("; ", problems)}.", data: data);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
