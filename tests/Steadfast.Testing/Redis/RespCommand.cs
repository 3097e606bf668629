using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Steadfast.Testing.Redis;

/// <summary>
/// One-shot raw RESP commands for fixture administration (PING while starting, CLUSTER MEET / ADDSLOTSRANGE /
/// INFO). Used instead of a ConnectionMultiplexer because a half-started server or a cluster without slots
/// is exactly what a multiplexer is not built to talk to.
/// </summary>
internal static class RespCommand
{
    /// <summary>Sends one command and returns the reply as text; a Redis error reply throws <see cref="InvalidOperationException"/>.</summary>
    public static async Task<string> SendAsync(int port, TimeSpan timeout, CancellationToken cancellationToken, params string[] args)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var ct = timeoutSource.Token;

        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, port, ct).ConfigureAwait(false);
        await using var stream = client.GetStream();

        var request = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), ct).ConfigureAwait(false);

        // Latin1 maps bytes 1:1 to chars, so bulk lengths (in bytes) can be read as char counts.
        using var reader = new StreamReader(stream, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        return await ReadReplyAsync(reader, ct).ConfigureAwait(false);
    }

    private static async Task<string> ReadReplyAsync(StreamReader reader, CancellationToken ct)
    {
        var line = await reader.ReadLineAsync(ct).ConfigureAwait(false)
            ?? throw new IOException("Redis closed the connection before replying.");
        var body = line[1..];
        switch (line[0])
        {
            case '+':
            case ':':
                return body;
            case '-':
                throw new InvalidOperationException($"Redis replied with an error: {body}");
            case '$':
                var length = int.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return "";
                }

                var buffer = new char[length + 2]; // payload + CRLF
                var read = 0;
                while (read < buffer.Length)
                {
                    var n = await reader.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false);
                    read += n > 0 ? n : throw new IOException("Redis closed the connection mid-reply.");
                }

                return new string(buffer, 0, length);
            case '*':
                var count = int.Parse(body, System.Globalization.CultureInfo.InvariantCulture);
                var items = new List<string>();
                for (var i = 0; i < count; i++)
                {
                    items.Add(await ReadReplyAsync(reader, ct).ConfigureAwait(false));
                }

                return string.Join("\n", items);
            default:
                throw new IOException($"Unexpected RESP reply: {line}");
        }
    }
}
