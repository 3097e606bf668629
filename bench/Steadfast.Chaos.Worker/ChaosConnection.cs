using StackExchange.Redis;

namespace Steadfast.Chaos.Worker;

/// <summary>The connection settings every chaos client uses, runner and worker alike.</summary>
public static class ChaosConnection
{
    /// <summary>
    /// Options for the given endpoints: short timeouts, so a stalled or dead server surfaces as an exception within a
    /// second; a configuration check every second, so a promoted replica is found quickly; no abort on connect failure.
    /// </summary>
    /// <param name="clientName">Shown by CLIENT LIST.</param>
    /// <param name="endPoints">host:port of every server the client may use.</param>
    /// <returns>The options.</returns>
    public static ConfigurationOptions Options(string clientName, IEnumerable<string> endPoints)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 1000,
            SyncTimeout = 1000,
            AsyncTimeout = 1000,
            ConnectRetry = 1,
            ConfigCheckSeconds = 1,
            ReconnectRetryPolicy = new LinearRetry(100),
            ClientName = clientName,
        };
        foreach (string endPoint in endPoints)
        {
            options.EndPoints.Add(endPoint);
        }

        return options;
    }
}
