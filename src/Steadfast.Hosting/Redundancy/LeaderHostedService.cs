using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Steadfast.Hosting.Configuration;
using Steadfast.Hosting.Logging;
using Steadfast.Locks;
using Steadfast.Redundancy;

namespace Steadfast.Hosting.Redundancy;

/// <summary>
/// Runs <typeparamref name="TService"/> only while this instance leads the election (<see cref="LeaderElection"/>): its
/// token fires when <see cref="Leadership.Lost"/> does, and the instance then stands by and contends again.
/// </summary>
internal sealed class LeaderHostedService<TService> : BackgroundService
    where TService : class, ILeaderService
{
    private readonly string _election;
    private readonly IServiceProvider _services;
    private readonly LeadershipStatus _status;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public LeaderHostedService(string election, IServiceProvider services, LeadershipStatus status)
    {
        _election = election;
        _services = services;
        _status = status;
        _logger = services.LoggerFor<LeaderHostedService<TService>>();
        _time = services.Clock();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // Resolving the lock provider may connect to Redis: not on the host's start path.
        LeaderElectionSettings settings = _services.GetRequiredService<IOptionsMonitor<LeaderElectionSettings>>().Get(_election);
        var election = new LeaderElection(_services.GetRequiredService<IDistributedLockProvider>(), new LeaderElectionOptions
        {
            Lease = settings.Lease,
            RetryDelay = settings.RetryDelay,
            Logger = _services.LoggerFor<LeaderElection>(),
        }, _time);
        string service = typeof(TService).Name;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await election.RunAsync(_election, RunTermAsync, stoppingToken).ConfigureAwait(false);
                    return; // The work returned while leading: done.
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _status.Ended(ex);
                    HostingLog.LeaderWorkFailed(_logger, service, _election, settings.RetryDelay, ex);
                    await Task.Delay(settings.RetryDelay, _time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
        finally
        {
            _status.Stop();
        }

        async Task RunTermAsync(Leadership leadership, CancellationToken cancellationToken)
        {
            _status.Elected(leadership);
            HostingLog.LeaderWorkStarting(_logger, service, _election, leadership.FencingToken);
            try
            {
                AsyncServiceScope scope = _services.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    await scope.ServiceProvider.GetRequiredService<TService>().RunAsync(leadership, cancellationToken).ConfigureAwait(false);
                }

                _status.Ended(null);
                HostingLog.LeaderWorkStopped(_logger, service, _election, leadership.IsHeld ? "returned" : "leadership lost");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _status.Ended(null);
                HostingLog.LeaderWorkStopped(_logger, service, _election, stoppingToken.IsCancellationRequested ? "host stopping" : "leadership lost");
                throw;
            }
        }
    }
}
