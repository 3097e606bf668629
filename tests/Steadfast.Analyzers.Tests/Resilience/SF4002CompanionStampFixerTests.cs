using Steadfast.Analyzers.Resilience;
using Steadfast.Analyzers.Tests.Verifiers;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockAnalyzer,
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockFixer>;
using SF4002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockAnalyzer,
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockFixer>;

namespace Steadfast.Analyzers.Tests.Resilience;

/// <summary>
/// SF4002 on a stamp local the plain rewrite cannot convert (its date is also logged or stored; it counts ticks or Unix
/// milliseconds): a monotonic timestamp is read right after it and the measurements use that, or the local itself
/// becomes the timestamp when the measurements were its only uses.
/// </summary>
public sealed class SF4002CompanionStampFixerTests
{
    [Fact]
    public Task StartAlsoLoggedAsADate_KeepsTheDate_AndMeasuresFromATimestampReadBesideIt() => Verify.VerifyFixAsync("""
        using System;
        class Job
        {
            TimeSpan Run()
            {
                var start = DateTime.UtcNow;
                Console.WriteLine($"started at {start:O}");
                var took = [|DateTime.UtcNow - start|];
                if (([|DateTime.UtcNow - start|]).TotalSeconds > 2) Console.WriteLine("slow");
                return took;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Job
        {
            TimeSpan Run()
            {
                var start = DateTime.UtcNow;
                var startTimestamp = Stopwatch.GetTimestamp();
                Console.WriteLine($"started at {start:O}");
                var took = Stopwatch.GetElapsedTime(startTimestamp);
                if (Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds > 2) Console.WriteLine("slow");
                return took;
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task EndMinusStart_BothStoredAsDates_InAnAsyncMethod() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        class Log { public DateTime Started; public DateTime Ended; public double Seconds; }
        class Job
        {
            async Task<Log> RunAsync()
            {
                DateTime startTime = DateTime.Now;
                await Task.Delay(10);
                DateTime endTime = DateTime.Now;
                return new Log { Started = startTime, Ended = endTime, Seconds = ([|endTime - startTime|]).TotalSeconds };
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading.Tasks;
        class Log { public DateTime Started; public DateTime Ended; public double Seconds; }
        class Job
        {
            async Task<Log> RunAsync()
            {
                DateTime startTime = DateTime.Now;
                long startTimeTimestamp = Stopwatch.GetTimestamp();
                await Task.Delay(10);
                DateTime endTime = DateTime.Now;
                long endTimeTimestamp = Stopwatch.GetTimestamp();
                return new Log { Started = startTime, Ended = endTime, Seconds = Stopwatch.GetElapsedTime(startTimeTimestamp, endTimeTimestamp).TotalSeconds };
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task MillisecondTicks_OnlyMeasured_TheLocalBecomesATimestamp_FixAll() => Verify.VerifyFixAsync("""
        using System;
        class Database
        {
            int Execute(Func<int> command)
            {
                long start = (DateTime.UtcNow.Ticks / 10000);
                var rows = command();
                Console.WriteLine("exec time {0}ms", ([|(DateTime.UtcNow.Ticks / 10000) - start|]));
                if ([|(DateTime.UtcNow.Ticks / 10000) - start|] > 500)
                    Console.WriteLine("slow: {0}ms", [|(DateTime.UtcNow.Ticks / 10000) - start|]);
                return rows;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Database
        {
            int Execute(Func<int> command)
            {
                long start = Stopwatch.GetTimestamp();
                var rows = command();
                Console.WriteLine("exec time {0}ms", Stopwatch.GetElapsedTime(start).Ticks / 10000);
                if (Stopwatch.GetElapsedTime(start).Ticks / 10000 > 500)
                    Console.WriteLine("slow: {0}ms", Stopwatch.GetElapsedTime(start).Ticks / 10000);
                return rows;
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task UnixMillisecondDeadline_InAnAsyncPoll_BecomesElapsedMillisecondsAgainstTheTimeout() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        class Locks
        {
            async Task<bool> AcquireAsync(Func<bool> tryTake, long acquireTimeout)
            {
                var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + acquireTimeout;
                while ([|DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < end|])
                {
                    if (tryTake()) return true;
                    await Task.Delay(1);
                }
                return false;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading.Tasks;
        class Locks
        {
            async Task<bool> AcquireAsync(Func<bool> tryTake, long acquireTimeout)
            {
                var endStart = Stopwatch.GetTimestamp();
                while ((long)Stopwatch.GetElapsedTime(endStart).TotalMilliseconds < acquireTimeout)
                {
                    if (tryTake()) return true;
                    await Task.Delay(1);
                }
                return false;
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task UnixMillisecondStart_WithADeadlineFromIt_BothMeasureFromOneTimestamp() => Verify.VerifyFixAsync("""
        using System;
        class Cleaner
        {
            void Run(int duration, Action clean)
            {
                var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var end = start + (duration * 1000);
                while ([|DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < end|])
                    clean();
                var delta = [|DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - start|];
                Console.WriteLine(delta);
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Cleaner
        {
            void Run(int duration, Action clean)
            {
                var start = Stopwatch.GetTimestamp();
                while ((long)Stopwatch.GetElapsedTime(start).TotalMilliseconds < duration * 1000)
                    clean();
                var delta = (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                Console.WriteLine(delta);
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task DeadlineLoop_WithTheTimeLeftAsTheSleepCap_BothMeasureFromTheDeadlineStart() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        class Lock
        {
            bool Take(Func<bool> tryTake, TimeSpan timeout)
            {
                var expiresAt = DateTime.UtcNow + timeout;
                do
                {
                    if (tryTake()) return true;
                    Thread.Sleep(Math.Min(100, (int)([|expiresAt - DateTime.UtcNow|]).TotalMilliseconds));
                }
                while ([|DateTime.UtcNow < expiresAt|]);
                return false;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading;
        class Lock
        {
            bool Take(Func<bool> tryTake, TimeSpan timeout)
            {
                var expiresAtStart = Stopwatch.GetTimestamp();
                do
                {
                    if (tryTake()) return true;
                    Thread.Sleep(Math.Min(100, (int)(timeout - Stopwatch.GetElapsedTime(expiresAtStart)).TotalMilliseconds));
                }
                while (Stopwatch.GetElapsedTime(expiresAtStart) < timeout);
                return false;
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task StampRestartedInTheLoop_AlsoLogged_TheTimestampIsReadAgainAfterEachStamp() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        class Stream
        {
            async Task PumpAsync(Func<Task<bool>> next, Action<DateTime> flush)
            {
                var last = DateTime.UtcNow;
                while (await next())
                {
                    if ([|DateTime.UtcNow - last|] > TimeSpan.FromSeconds(5))
                    {
                        last = DateTime.UtcNow;
                        flush(last);
                    }
                }
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading.Tasks;
        class Stream
        {
            async Task PumpAsync(Func<Task<bool>> next, Action<DateTime> flush)
            {
                var last = DateTime.UtcNow;
                var lastTimestamp = Stopwatch.GetTimestamp();
                while (await next())
                {
                    if (Stopwatch.GetElapsedTime(lastTimestamp) > TimeSpan.FromSeconds(5))
                    {
                        last = DateTime.UtcNow;
                        lastTimestamp = Stopwatch.GetTimestamp();
                        flush(last);
                    }
                }
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task NoFix_WhenTheStartLocalIsWrittenAgain() => Verify.VerifyNoFixAsync("""
        using System;
        class Job
        {
            TimeSpan Run(bool resume, DateTime saved)
            {
                var start = DateTime.UtcNow;
                if (resume) start = saved;
                Console.WriteLine(start);
                return DateTime.UtcNow - start;
            }
        }
        """);

    [Fact]
    public Task NetStandard20_StartAlsoLogged_ElapsedFromTheTimestampDifference() => SF4002.VerifyFixForTargetAsync("""
        using System;
        class Job
        {
            double Run(Action work)
            {
                var begin = DateTime.Now;
                Console.WriteLine(begin);
                work();
                return ([|DateTime.Now - begin|]).TotalMilliseconds;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Job
        {
            double Run(Action work)
            {
                var begin = DateTime.Now;
                var beginTimestamp = Stopwatch.GetTimestamp();
                Console.WriteLine(begin);
                work();
                return TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - beginTimestamp) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency))).TotalMilliseconds;
            }
        }
        """, FixTarget.NetStandard20WithRedis21, SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);
}
