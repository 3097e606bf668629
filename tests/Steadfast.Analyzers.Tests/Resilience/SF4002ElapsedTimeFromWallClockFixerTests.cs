using Microsoft.CodeAnalysis;
using Steadfast.Analyzers.Resilience;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockAnalyzer,
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockFixer>;

namespace Steadfast.Analyzers.Tests.Resilience;

public sealed class SF4002ElapsedTimeFromWallClockFixerTests
{
    [Fact]
    public Task EndMinusStart_BecomesElapsedBetweenTimestamps() => Verify.VerifyFixAsync("""
        using System;
        class Job
        {
            TimeSpan Run()
            {
                var start = DateTime.Now; // when the job began
                Work();
                var end = DateTime.Now;
                return [|end - start|];
            }
            void Work() { }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Job
        {
            TimeSpan Run()
            {
                var start = Stopwatch.GetTimestamp(); // when the job began
                Work();
                var end = Stopwatch.GetTimestamp();
                return Stopwatch.GetElapsedTime(start, end);
            }
            void Work() { }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task ParenthesizedDifference_LosesItsParentheses_AndExplicitTypeBecomesLong() => Verify.VerifyFixAsync("""
        using System;
        using System.Diagnostics;
        class Poller
        {
            bool TimedOut(int timeoutMs)
            {
                DateTime start = DateTime.UtcNow;
                Work();
                return ([|DateTime.UtcNow - start|]).TotalMilliseconds > timeoutMs;
            }
            void Work() { }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Poller
        {
            bool TimedOut(int timeoutMs)
            {
                long start = Stopwatch.GetTimestamp();
                Work();
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds > timeoutMs;
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task DeadlineLocal_BecomesElapsedComparedWithTimeout() => Verify.VerifyFixAsync("""
        using System;
        using System.Diagnostics;
        class Waiter
        {
            void WaitFor(Func<bool> ready, TimeSpan timeout)
            {
                var deadline = DateTime.Now + timeout;
                while ([|DateTime.Now < deadline|])
                {
                    if (ready()) return;
                }
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Waiter
        {
            void WaitFor(Func<bool> ready, TimeSpan timeout)
            {
                var deadlineStart = Stopwatch.GetTimestamp();
                while (Stopwatch.GetElapsedTime(deadlineStart) < timeout)
                {
                    if (ready()) return;
                }
            }
        }
        """);

    [Fact]
    public Task AddSecondsDeadline_ClockOnTheRight_BecomesTimeSpanFromSeconds() => Verify.VerifyFixAsync("""
        using System;
        using System.Diagnostics;
        class Waiter
        {
            void WaitFor(Func<bool> ready)
            {
                DateTime deadline = DateTime.UtcNow.AddSeconds(5);
                do
                {
                    if (ready()) return;
                } while ([|deadline > DateTime.UtcNow|]);
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Waiter
        {
            void WaitFor(Func<bool> ready)
            {
                long deadlineStart = Stopwatch.GetTimestamp();
                do
                {
                    if (ready()) return;
                } while (TimeSpan.FromSeconds(5) > Stopwatch.GetElapsedTime(deadlineStart));
            }
        }
        """);

    [Fact]
    public Task InlineDeadline_AndSubtractMethod() => Verify.VerifyFixAsync("""
        using System;
        using System.Diagnostics;
        class Lease
        {
            bool Expired()
            {
                var takenAt = DateTime.UtcNow;
                Work();
                Console.WriteLine([|DateTime.UtcNow.Subtract(takenAt)|]);
                return [|DateTime.UtcNow > takenAt.AddMilliseconds(500)|];
            }
            void Work() { }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Lease
        {
            bool Expired()
            {
                var takenAt = Stopwatch.GetTimestamp();
                Work();
                Console.WriteLine(Stopwatch.GetElapsedTime(takenAt));
                return Stopwatch.GetElapsedTime(takenAt) > TimeSpan.FromMilliseconds(500);
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task UsesTheTypesTimeProvider() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        class Failover
        {
            private readonly TimeProvider _clock;
            public Failover(TimeProvider clock) => _clock = clock;

            async Task<TimeSpan> Switch()
            {
                var start = DateTimeOffset.UtcNow;
                await Task.Yield();
                return [|DateTimeOffset.UtcNow - start|];
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        class Failover
        {
            private readonly TimeProvider _clock;
            public Failover(TimeProvider clock) => _clock = clock;

            async Task<TimeSpan> Switch()
            {
                var start = _clock.GetTimestamp();
                await Task.Yield();
                return _clock.GetElapsedTime(start);
            }
        }
        """);

    [Fact]
    public Task StaticMethodIgnoresInstanceTimeProvider() => Verify.VerifyFixAsync("""
        using System;
        using System.Diagnostics;
        class Timing
        {
            private readonly TimeProvider _clock = TimeProvider.System;
            static TimeSpan Measure(Action action)
            {
                var start = DateTime.UtcNow;
                action();
                return [|DateTime.UtcNow - start|];
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Timing
        {
            private readonly TimeProvider _clock = TimeProvider.System;
            static TimeSpan Measure(Action action)
            {
                var start = Stopwatch.GetTimestamp();
                action();
                return Stopwatch.GetElapsedTime(start);
            }
        }
        """);

    [Fact]
    public Task FixAll_AcrossMethodsAndDocuments() => Verify.VerifyFixAsync(
        [
            """
            using System;
            using System.Diagnostics;
            class A
            {
                TimeSpan One() { var s = DateTime.UtcNow; return [|DateTime.UtcNow - s|]; }
                TimeSpan Two() { var s = DateTime.UtcNow; var a = [|DateTime.UtcNow - s|]; return a + ([|DateTime.UtcNow - s|]); }
            }
            """,
            """
            using System;
            using System.Diagnostics;
            class B
            {
                bool Three(TimeSpan t) { var d = DateTime.UtcNow + t; return [|DateTime.UtcNow >= d|]; }
            }
            """,
        ],
        [
            """
            using System;
            using System.Diagnostics;
            class A
            {
                TimeSpan One() { var s = Stopwatch.GetTimestamp(); return Stopwatch.GetElapsedTime(s); }
                TimeSpan Two() { var s = Stopwatch.GetTimestamp(); var a = Stopwatch.GetElapsedTime(s); return a + Stopwatch.GetElapsedTime(s); }
            }
            """,
            """
            using System;
            using System.Diagnostics;
            class B
            {
                bool Three(TimeSpan t) { var dStart = Stopwatch.GetTimestamp(); return Stopwatch.GetElapsedTime(dStart) >= t; }
            }
            """,
        ]);

    [Fact]
    public Task TopLevelStatements_AddsUsing() => Verify.VerifyFixAsync(
        ["""
        using System;
        var start = DateTime.Now;
        System.Threading.Thread.Sleep(10);
        var end = DateTime.Now;
        Console.WriteLine([|end - start|] < TimeSpan.FromSeconds(2) ? "switch successful" : "switch failed");
        """],
        ["""
        using System;
        using System.Diagnostics;
        var start = Stopwatch.GetTimestamp();
        System.Threading.Thread.Sleep(10);
        var end = Stopwatch.GetTimestamp();
        Console.WriteLine(Stopwatch.GetElapsedTime(start, end) < TimeSpan.FromSeconds(2) ? "switch successful" : "switch failed");
        """],
        outputKind: OutputKind.ConsoleApplication);

    [Fact]
    public Task NoFix_WhenTheDeadlineOffsetIsNotStable() => Verify.VerifyNoFixAsync("""
        using System;
        class Waiter
        {
            TimeSpan NextTimeout() => TimeSpan.FromSeconds(1);
            void WaitFor(Func<bool> ready)
            {
                var deadline = DateTime.UtcNow + NextTimeout();
                while ([|DateTime.UtcNow < deadline|]) { if (ready()) return; }
            }
        }
        """);
}
