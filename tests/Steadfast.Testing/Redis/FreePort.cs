using System.Net;
using System.Net.Sockets;

namespace Steadfast.Testing.Redis;

/// <summary>Picks loopback TCP ports nobody is listening on.</summary>
internal static class FreePort
{
    /// <summary>A port the OS hands out as free right now (another process may still take it before we bind).</summary>
    public static int Find()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A port whose cluster bus port (port + 10000) is free too. Ephemeral ports are too high for +10000,
    /// so probe a fixed range instead.
    /// </summary>
    public static int FindWithClusterBus()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 30000);
            if (IsFree(port) && IsFree(port + 10000))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free loopback port pair (port, port + 10000) found for a cluster node.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
