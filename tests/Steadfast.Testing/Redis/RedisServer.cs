using System.Collections.Concurrent;
using System.Diagnostics;
using StackExchange.Redis;

namespace Steadfast.Testing.Redis;

/// <summary>
/// A real <c>redis-server</c> process for tests: loopback only, free port, its own temp directory.
/// Stop, restart and dispose act on this process by its pid, never on other Redis processes.
/// </summary>
/// <remarks>
/// For a server shared by a test class use <see cref="RedisServerFixture"/>; for fault tests that stop or
/// restart the server, start a private one: <c>await using var server = await RedisServer.StartAsync();</c>.
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    // Servers still running when the test host exits (a test that forgot to dispose, a crash in a fixture)
    // are killed here, so a test run never leaves redis-server processes behind.
    private static readonly ConcurrentDictionary<RedisServer, byte> Live = new();

    private readonly string _executable;
    private readonly RedisServerOptions _options;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;
    private bool _disposed;

    static RedisServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Live.Keys)
            {
                server.KillNow();
            }
        };
    }

    private RedisServer(string executable, int port, string directory, RedisServerOptions options)
    {
        _executable = executable;
        Port = port;
        DataDirectory = directory;
        _options = options;
    }

    /// <summary>The TCP port the server listens on (127.0.0.1 only).</summary>
    public int Port { get; }

    /// <summary>The endpoint as StackExchange.Redis expects it: <c>127.0.0.1:port</c>.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>The server's private working directory (<c>--dir</c>): AOF files, nodes.conf.</summary>
    public string DataDirectory { get; }

    /// <summary>The pid of the running process, or null when stopped.</summary>
    public int? ProcessId => _process is { } p && !p.HasExited ? p.Id : null;

    /// <summary>True while the process is running.</summary>
    public bool IsRunning => ProcessId is not null;

    /// <summary>Starts a server and waits until it answers PING.</summary>
    /// <exception cref="InvalidOperationException">redis-server is not installed, or did not come up in time.</exception>
    public static async Task<RedisServer> StartAsync(RedisServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RedisServerOptions();
        var executable = RedisExecutable.Find();

        // The free port can be grabbed by another process between probing and redis binding it: try again.
        for (var attempt = 1; ; attempt++)
        {
            var port = options.ClusterEnabled ? FreePort.FindWithClusterBus() : FreePort.Find();
            var directory = Directory.CreateTempSubdirectory("steadfast-redis-").FullName;
            var server = new RedisServer(executable, port, directory, options);
            try
            {
                await server.LaunchAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (RedisServerExitedException) when (attempt < 3)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>
    /// A new multiplexer to this server, tuned for tests: no abort on connect failure, short timeouts
    /// (so an outage surfaces as an exception in about a second), admin commands allowed.
    /// The caller disposes it.
    /// </summary>
    public async Task<ConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? configure = null)
    {
        var options = CreateTestConfiguration(EndPoint);
        configure?.Invoke(options);
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }

    /// <summary>Kills the process (an abrupt crash, not a SHUTDOWN) and waits for it to exit.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the process if running and starts it again on the same port and directory, so data persisted
    /// with <see cref="RedisServerOptions.AppendOnly"/> survives.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
            await LaunchCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Kills the process by its pid and deletes the temp directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await StopCoreAsync(CancellationToken.None).ConfigureAwait(false);
            Live.TryRemove(this, out _);
            DeleteDirectory();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"redis-server {EndPoint} (pid {ProcessId?.ToString() ?? "stopped"})";

    internal static ConfigurationOptions CreateTestConfiguration(params string[] endPoints)
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ConnectRetry = 1,
            AllowAdmin = true,
            ClientName = "steadfast-tests",
        };
        foreach (var endPoint in endPoints)
        {
            options.EndPoints.Add(endPoint);
        }

        return options;
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await LaunchCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LaunchCoreAsync(CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = DataDirectory,
        };
        foreach (var arg in BuildArguments())
        {
            startInfo.ArgumentList.Add(arg);
        }

        _output.Clear();
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Live.TryAdd(this, 0);

        await WaitUntilReadyAsync(process, cancellationToken).ConfigureAwait(false);
    }

    private List<string> BuildArguments()
    {
        List<string> args =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--dir", DataDirectory,
            "--daemonize", "no",
            "--save", "",
            "--logfile", "",
            "--appendonly", _options.AppendOnly ? "yes" : "no",
        ];
        if (_options.AppendOnly)
        {
            args.AddRange(["--appendfsync", "always"]);
        }

        if (_options.ClusterEnabled)
        {
            args.AddRange(
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "2000",
                "--cluster-announce-ip", "127.0.0.1",
            ]);
        }

        args.AddRange(_options.ExtraArgs);
        return args;
    }

    private async Task WaitUntilReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.StartTimeout.TotalSeconds * Stopwatch.Frequency);
        Exception? lastError = null;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
            {
                throw new RedisServerExitedException(
                    $"redis-server on port {Port} exited with code {process.ExitCode} while starting. Output:\n{OutputTail()}");
            }

            try
            {
                // While an AOF is loading Redis answers -LOADING, which throws and keeps us waiting.
                var reply = await RespCommand.SendAsync(Port, TimeSpan.FromSeconds(1), cancellationToken, "PING").ConfigureAwait(false);
                if (reply == "PONG")
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                lastError = ex;
            }

            // Polling an external process that gives no readiness signal; bounded by the deadline above.
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException(
            $"redis-server on port {Port} did not answer PING within {_options.StartTimeout}. Last error: {lastError?.Message}. Output:\n{OutputTail()}");
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        _process = null;
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }
        finally
        {
            process.Dispose();
        }
    }

    private void KillNow()
    {
        try
        {
            _process?.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void DeleteDirectory()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 40 && _output.TryDequeue(out _))
        {
        }
    }

    private string OutputTail() => string.Join('\n', _output);
}
