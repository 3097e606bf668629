using System.Net;
using StackExchange.Redis;

namespace Steadfast.Testing.Redis;

/// <summary>A multiplexer for a Redis that is not there: a loopback port nobody listens on, with short timeouts.</summary>
public static class UnreachableRedis
{
    /// <summary>Connects without failing (AbortOnConnectFail off); every command then fails within about a second.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = new ConfigurationOptions { AbortOnConnectFail = false, ConnectTimeout = 500, AsyncTimeout = 1000, SyncTimeout = 1000 };
        options.EndPoints.Add(IPAddress.Loopback, FreePort.Find()); // Free: nothing listens there.
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}
