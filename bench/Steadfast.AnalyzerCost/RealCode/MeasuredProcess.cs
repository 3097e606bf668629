using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Steadfast.AnalyzerCost.RealCode;

/// <summary>Wall-clock and CPU time (user + system) of one command and every process it started.</summary>
internal readonly record struct ProcessCost(double WallSeconds, double CpuSeconds, int ExitCode, string Output);

/// <summary>
/// Runs a command and counts the CPU of its whole process tree. The kernel adds a child's CPU (and that of the
/// children it waited for) to its parent's <c>RUSAGE_CHILDREN</c> when the parent reaps it; a build's worker nodes and
/// compilers that outlive or are not waited for by their parent would be lost. This process therefore makes itself a
/// child subreaper (<c>PR_SET_CHILD_SUBREAPER</c>), so orphans are re-parented here, and reaps every descendant
/// before it reads its own <c>RUSAGE_CHILDREN</c>. Commands must run one at a time.
/// </summary>
internal static class MeasuredProcess
{
    private const int PrSetChildSubreaper = 36;
    private const int RusageChildren = -1;
    private const int Echild = 10;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
        public readonly double Total => Seconds + Microseconds / 1e6;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public TimeVal User;
        public TimeVal System;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 14)]
        public long[] Rest;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);

    private static bool _subreaper;

    public static bool CountsWholeTree => _subreaper;

    /// <summary>Makes this process the subreaper of everything it starts (Linux only; elsewhere only waited-for children count).</summary>
    public static void BecomeSubreaper()
    {
        if (OperatingSystem.IsLinux())
            _subreaper = prctl(PrSetChildSubreaper, 1, 0, 0, 0) == 0;
    }

    public static async Task<ProcessCost> RunAsync(string file, IReadOnlyList<string> args, string workingDirectory)
    {
        var before = ChildrenCpu();
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout + await stderr;
        ReapOrphans();
        watch.Stop();
        return new ProcessCost(watch.Elapsed.TotalSeconds, ChildrenCpu() - before, process.ExitCode, output);
    }

    /// <summary>Waits for every re-parented descendant (build nodes shutting down) so its CPU is added to ours.</summary>
    private static void ReapOrphans()
    {
        if (!_subreaper)
            return;
        while (true)
        {
            if (waitpid(-1, out _, 0) > 0)
                continue;
            if (Marshal.GetLastPInvokeError() == Echild)
                return;
        }
    }

    private static double ChildrenCpu()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return double.NaN;
        return getrusage(RusageChildren, out var usage) == 0 ? usage.User.Total + usage.System.Total : double.NaN;
    }
}
