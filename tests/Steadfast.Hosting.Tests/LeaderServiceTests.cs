using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Steadfast.Locks;
using Steadfast.Redundancy;
using Steadfast.Testing.Redis;

namespace Steadfast.Hosting.Tests;

/// <summary>Leader-only hosted work on a real redis-server: one host at a time, and it moves when the leader stops.</summary>
public sealed class LeaderServiceTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task LeaderOnlyWork_RunsOnOneHost_AndMovesToTheOtherWhenTheLeaderStops()
    {
        var terms = new LeaderLog();
        string election = "billing-" + Guid.NewGuid().ToString("N");
        using IHost first = BuildHost("first", election, terms);
        using IHost second = BuildHost("second", election, terms);
        await first.StartAsync();
        var firstTerm = await terms.NextStartAsync();
        Assert.Equal("first", firstTerm.Host);
        await second.StartAsync();

        HealthReportEntry standby = (await second.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["steadfast-leadership-" + election];
        Assert.Equal(HealthStatus.Healthy, standby.Status);
        Assert.Equal(false, standby.Data["leader"]);
        Assert.Equal(RedisLockProviderType, second.Services.GetRequiredService<IDistributedLockProvider>().GetType());

        await first.StopQuietlyAsync();
        var secondTerm = await terms.NextStartAsync();

        Assert.Equal("second", secondTerm.Host);
        Assert.True(secondTerm.FencingToken > firstTerm.FencingToken);
        Assert.Equal(["first"], terms.Ended); // The first term's work stopped before the second started.
        HealthReportEntry leader = (await second.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["steadfast-leadership-" + election];
        Assert.Equal(true, leader.Data["leader"]);
        Assert.Equal(secondTerm.FencingToken, leader.Data["fencingToken"]);
        await second.StopQuietlyAsync();
    }

    private static readonly Type RedisLockProviderType = typeof(RedisLockProvider);

    private IHost BuildHost(string name, string election, LeaderLog terms)
    {
        var builder = TestHosts.Builder(new Dictionary<string, string?>
        {
            ["Steadfast:Redis:ConnectionString"] = redis.Server.EndPoint,
        });
        builder.Services.AddSingleton(terms);
        builder.Services.AddSingleton(new HostName(name));
        builder.Services.AddSteadfast().AddHealthChecks().AddLeaderService<BillingRun>(election);
        return builder.Build();
    }

    private sealed record HostName(string Value);

    private sealed class LeaderLog
    {
        private readonly Channel<(string Host, long FencingToken)> _starts = Channel.CreateUnbounded<(string, long)>();

        public ConcurrentQueue<string> EndedQueue { get; } = new();

        public IReadOnlyList<string> Ended => [.. EndedQueue];

        public void Started(string host, long token) => _starts.Writer.TryWrite((host, token));

        public async Task<(string Host, long FencingToken)> NextStartAsync() =>
            await _starts.Reader.ReadAsync().AsTask().WaitAsync(Eventually.Bound);
    }

    private sealed class BillingRun(LeaderLog terms, HostName host) : ILeaderService
    {
        public async Task RunAsync(Leadership leadership, CancellationToken cancellationToken)
        {
            terms.Started(host.Value, leadership.FencingToken);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                terms.EndedQueue.Enqueue(host.Value);
            }
        }
    }
}
