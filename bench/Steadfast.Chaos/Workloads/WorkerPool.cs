using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Steadfast.Chaos.Worker;

namespace Steadfast.Chaos.Workloads;

/// <summary>
/// Queue consumers as separate processes (Steadfast.Chaos.Worker): started, killed with SIGKILL mid-work, replaced.
/// Every process it started is killed when it is disposed, and at the latest when this process exits.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<Process, byte> Everywhere = new();
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly string _queue;
    private readonly IReadOnlyList<string> _queueEndPoints;
    private readonly string _applicationEndPoint;
    private readonly TimeSpan _visibility;
    private readonly Random _random;
    private readonly List<Process> _live = [];
    private readonly List<Task> _starting = [];
    private int _started;

    static WorkerPool()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (Process process in Everywhere.Keys)
            {
                TryKill(process);
            }
        };
    }

    public WorkerPool(string queue, IReadOnlyList<string> queueEndPoints, string applicationEndPoint, TimeSpan visibility, int seed)
    {
        _queue = queue;
        _queueEndPoints = queueEndPoints;
        _applicationEndPoint = applicationEndPoint;
        _visibility = visibility;
        _random = new Random(seed);
    }

    /// <summary>Processes killed so far.</summary>
    public int Kills { get; private set; }

    /// <summary>Starts <paramref name="count"/> workers and waits until each has connected.</summary>
    public async Task StartAsync(int count)
    {
        Task[] starts = [.. Enumerable.Range(0, count).Select(_ => StartOneAsync())];
        await Task.WhenAll(starts).ConfigureAwait(false);
    }

    /// <summary>Kills one live worker with SIGKILL and starts a replacement (not waited for).</summary>
    public async Task KillOneAsync()
    {
        Process? victim;
        lock (_live)
        {
            victim = _live.Count == 0 ? null : _live[_random.Next(_live.Count)];
            if (victim is not null)
            {
                _live.Remove(victim);
            }
        }

        if (victim is null)
        {
            return;
        }

        TryKill(victim);
        await victim.WaitForExitAsync().ConfigureAwait(false);
        Everywhere.TryRemove(victim, out _);
        victim.Dispose();
        Kills++;
        lock (_starting)
        {
            _starting.Add(StartOneAsync());
        }
    }

    /// <summary>Waits until the replacements started by kills are up.</summary>
    public async Task WaitForReplacementsAsync()
    {
        Task[] starting;
        lock (_starting)
        {
            starting = [.. _starting];
        }

        await Task.WhenAll(starting).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await WaitForReplacementsAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A replacement that failed to start is reported by the episode; here only cleanup matters.
        }

        Process[] live;
        lock (_live)
        {
            live = [.. _live];
            _live.Clear();
        }

        foreach (Process process in live)
        {
            TryKill(process);
            await process.WaitForExitAsync().ConfigureAwait(false);
            Everywhere.TryRemove(process, out _);
            process.Dispose();
        }
    }

    private async Task StartOneAsync()
    {
        int number = Interlocked.Increment(ref _started);
        var arguments = new WorkerArguments($"{_queue}-worker-{number}", _queue, _queueEndPoints, _applicationEndPoint,
            (int)_visibility.TotalMilliseconds, Environment.ProcessId);
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Steadfast.Chaos.Worker.dll"));
        foreach (string argument in arguments.ToArgs())
        {
            startInfo.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new ConcurrentQueue<string>();
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && errors.Count < 20)
            {
                errors.Enqueue(line);
            }
        };
        process.Start();
        Everywhere.TryAdd(process, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Task exited = process.WaitForExitAsync();
        Task first = await Task.WhenAny(ready.Task, exited, Task.Delay(ReadyTimeout)).ConfigureAwait(false);
        if (first != ready.Task)
        {
            TryKill(process);
            Everywhere.TryRemove(process, out _);
            throw new InvalidOperationException(
                $"Worker {arguments.Name} did not come up ({(first == exited ? "exited" : "timed out")}): {string.Join(" | ", errors)}");
        }

        lock (_live)
        {
            _live.Add(process);
        }
    }

    // The dotnet host that runs this process, so the worker runs on the same runtime.
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }

    private static void TryKill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(); // SIGKILL on Unix: no shutdown code runs in the worker.
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
