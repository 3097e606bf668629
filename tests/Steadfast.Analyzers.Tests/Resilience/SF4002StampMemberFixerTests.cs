using Steadfast.Analyzers.Resilience;
using Steadfast.Analyzers.Tests.Verifiers;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockAnalyzer,
    Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockFixer>;

namespace Steadfast.Analyzers.Tests.Resilience;

/// <summary>
/// SF4002 where the stamp is kept in a field or auto-property of the type: the member and every use of it become a
/// monotonic timestamp, or nothing changes when one use needs the date itself.
/// </summary>
public sealed class SF4002StampMemberFixerTests
{
    [Fact]
    public Task PrivateFieldStampedInOneMethod_ReadInAGetter_BecomesATimestamp() => Verify.VerifyFixAsync("""
        using System;
        class Backups
        {
            private DateTime lastBackup = DateTime.UtcNow;
            public int IntervalMinutes { get; set; } = 30;

            public bool IsDue => IntervalMinutes > 0 && ([|DateTime.UtcNow - lastBackup|]).TotalMinutes >= IntervalMinutes;

            public void Backup()
            {
                lastBackup = DateTime.UtcNow; // taken now
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Backups
        {
            private long lastBackup = Stopwatch.GetTimestamp();
            public int IntervalMinutes { get; set; } = 30;

            public bool IsDue => IntervalMinutes > 0 && Stopwatch.GetElapsedTime(lastBackup).TotalMinutes >= IntervalMinutes;

            public void Backup()
            {
                lastBackup = Stopwatch.GetTimestamp(); // taken now
            }
        }
        """, equivalenceKey: SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task StampCopiedThroughALocal_InAnAsyncLoop_BothBecomeTimestamps() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Heartbeat
        {
            private DateTimeOffset _previous;

            public Heartbeat() { _previous = DateTimeOffset.UtcNow; }

            public async Task<TimeSpan> BeatAsync(CancellationToken cancellationToken)
            {
                await Task.Delay(10, cancellationToken);
                var now = DateTimeOffset.UtcNow;
                var gap = [|now - _previous|];
                _previous = now;
                return gap;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading;
        using System.Threading.Tasks;
        class Heartbeat
        {
            private long _previous;

            public Heartbeat() { _previous = Stopwatch.GetTimestamp(); }

            public async Task<TimeSpan> BeatAsync(CancellationToken cancellationToken)
            {
                await Task.Delay(10, cancellationToken);
                var now = Stopwatch.GetTimestamp();
                var gap = Stopwatch.GetElapsedTime(_previous, now);
                _previous = now;
                return gap;
            }
        }
        """);

    [Fact]
    public Task AutoPropertyDeadline_AddSecondsComparedWithNow_BecomesElapsedAgainstTheOffset() => Verify.VerifyFixAsync("""
        using System;
        class Throttle
        {
            private DateTime LastSent { get; set; } = DateTime.Now;

            public bool TrySend()
            {
                if ([|LastSent.AddSeconds(5) > DateTime.Now|])
                    return false;
                LastSent = DateTime.Now;
                return true;
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Throttle
        {
            private long LastSent { get; set; } = Stopwatch.GetTimestamp();

            public bool TrySend()
            {
                if (TimeSpan.FromSeconds(5) > Stopwatch.GetElapsedTime(LastSent))
                    return false;
                LastSent = Stopwatch.GetTimestamp();
                return true;
            }
        }
        """);

    [Fact]
    public Task TypeWithATimeProvider_KeepsItsTimestamps() => Verify.VerifyFixAsync("""
        using System;
        class Session
        {
            private readonly TimeProvider _time;
            private DateTimeOffset _touched;

            public Session(TimeProvider time)
            {
                _time = time;
                _touched = DateTimeOffset.UtcNow;
            }

            public void Touch() => _touched = DateTimeOffset.UtcNow;

            public bool IsIdle(TimeSpan limit) => [|DateTimeOffset.UtcNow - _touched|] > limit;
        }
        """, """
        using System;
        class Session
        {
            private readonly TimeProvider _time;
            private long _touched;

            public Session(TimeProvider time)
            {
                _time = time;
                _touched = _time.GetTimestamp();
            }

            public void Touch() => _touched = _time.GetTimestamp();

            public bool IsIdle(TimeSpan limit) => _time.GetElapsedTime(_touched) > limit;
        }
        """);

    [Fact]
    public Task FixAll_TwoMeasurementsOfOneStamp_OneRewrite() => Verify.VerifyFixAsync("""
        using System;
        class Link
        {
            private DateTime _lastSeen = DateTime.UtcNow;

            public void OnPacket() { _lastSeen = DateTime.UtcNow; }

            public bool IsDead => [|DateTime.UtcNow.Subtract(_lastSeen)|].TotalSeconds > 30;

            public double IdleSeconds() => ([|DateTime.UtcNow - _lastSeen|]).TotalSeconds;
        }
        """, """
        using System;
        using System.Diagnostics;
        class Link
        {
            private long _lastSeen = Stopwatch.GetTimestamp();

            public void OnPacket() { _lastSeen = Stopwatch.GetTimestamp(); }

            public bool IsDead => Stopwatch.GetElapsedTime(_lastSeen).TotalSeconds > 30;

            public double IdleSeconds() => Stopwatch.GetElapsedTime(_lastSeen).TotalSeconds;
        }
        """);

    [Fact]
    public Task NetStandard20_NoGetElapsedTime_TimestampArithmeticWithFrequency() => Verify.VerifyFixForTargetAsync("""
        using System;
        class Link
        {
            private DateTime _lastSeen = DateTime.UtcNow;

            public void OnPacket() { _lastSeen = DateTime.UtcNow; }

            public bool IsDead() { return ([|DateTime.UtcNow - _lastSeen|]).TotalSeconds > 30; }
        }
        """, """
        using System;
        using System.Diagnostics;
        class Link
        {
            private long _lastSeen = Stopwatch.GetTimestamp();

            public void OnPacket() { _lastSeen = Stopwatch.GetTimestamp(); }

            public bool IsDead() { return TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - _lastSeen) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency))).TotalSeconds > 30; }
        }
        """, FixTarget.NetStandard20WithRedis21, SF4002ElapsedTimeFromWallClockFixer.EquivalenceKey);

    [Fact]
    public Task MinValueMeansNever_BecomesNull_AndMeasuresAsInfinitelyLongAgo() => Verify.VerifyFixAsync("""
        using System;
        class Sensor
        {
            private readonly TimeSpan _interval = TimeSpan.FromSeconds(1);
            private DateTime _lastUpdate = DateTime.MinValue;
            private double _value;

            public void Reset() { _lastUpdate = DateTime.MinValue; }

            public double Read()
            {
                if ([|DateTime.Now - _lastUpdate|] < _interval)
                    return _value;
                _value = Sample();
                _lastUpdate = DateTime.Now;
                return _value;
            }

            public bool EverRead => _lastUpdate != DateTime.MinValue;

            private static double Sample() => 42;
        }
        """, """
        using System;
        using System.Diagnostics;
        class Sensor
        {
            private readonly TimeSpan _interval = TimeSpan.FromSeconds(1);
            private long? _lastUpdate;
            private double _value;

            public void Reset() { _lastUpdate = null; }

            public double Read()
            {
                if (ElapsedSince(_lastUpdate) < _interval)
                    return _value;
                _value = Sample();
                _lastUpdate = Stopwatch.GetTimestamp();
                return _value;
            }

            public bool EverRead => _lastUpdate != null;

            private static double Sample() => 42;
            private static TimeSpan ElapsedSince(long? timestamp) => timestamp.HasValue ? Stopwatch.GetElapsedTime(timestamp.Value) : TimeSpan.MaxValue;
        }
        """);

    [Fact]
    public Task FieldNeverInitialized_InAnAsyncMethod_IsNullUntilStamped() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        class Sentinels
        {
            private DateTime lastRefresh;
            public TimeSpan RefreshAfter { get; set; } = TimeSpan.FromMinutes(10);

            public async Task RefreshIfStaleAsync()
            {
                if ([|DateTime.UtcNow - lastRefresh|] > RefreshAfter)
                {
                    await Task.Yield();
                    lastRefresh = DateTime.UtcNow;
                }
            }
        }
        """, """
        using System;
        using System.Diagnostics;
        using System.Threading.Tasks;
        class Sentinels
        {
            private long? lastRefresh;
            public TimeSpan RefreshAfter { get; set; } = TimeSpan.FromMinutes(10);

            public async Task RefreshIfStaleAsync()
            {
                if (ElapsedSince(lastRefresh) > RefreshAfter)
                {
                    await Task.Yield();
                    lastRefresh = Stopwatch.GetTimestamp();
                }
            }

            private static TimeSpan ElapsedSince(long? timestamp) => timestamp.HasValue ? Stopwatch.GetElapsedTime(timestamp.Value) : TimeSpan.MaxValue;
        }
        """);

    [Fact]
    public Task NoFix_WhenANeverStampedFieldIsCopiedToALocal() => Verify.VerifyNoFixAsync("""
        using System;
        class Link
        {
            private DateTime _last;
            public void Touch() { _last = DateTime.UtcNow; }
            public TimeSpan Idle()
            {
                var now = DateTime.UtcNow;
                return [|now - _last|];
            }
        }
        """);

    [Fact]
    public Task NoFix_WhenTheStampIsAlsoLogged() => Verify.VerifyNoFixAsync("""
        using System;
        class Backups
        {
            private DateTime _last = DateTime.UtcNow;
            public void Backup() { _last = DateTime.UtcNow; Console.WriteLine("backed up at " + _last); }
            public bool IsDue => ([|DateTime.UtcNow - _last|]).TotalMinutes > 5;
        }
        """);

    [Fact]
    public Task NoFix_WhenTheFieldIsPublic() => Verify.VerifyNoFixAsync("""
        using System;
        class Backups
        {
            public DateTime Last = DateTime.UtcNow;
            public void Backup() { Last = DateTime.UtcNow; }
            public bool IsDue => ([|DateTime.UtcNow - Last|]).TotalMinutes > 5;
        }
        """);

    [Fact]
    public Task FieldThatStartsAsLongAgo_DueAtOnce_StaysDueAtOnceAsNull() => Verify.VerifyFixAsync("""
        using System;
        class Backups
        {
            private DateTime _last;
            public void Backup() { _last = DateTime.UtcNow; }
            public bool IsDue => ([|DateTime.UtcNow - _last|]).TotalMinutes > 5;
        }
        """, """
        using System;
        using System.Diagnostics;
        class Backups
        {
            private long? _last;
            public void Backup() { _last = Stopwatch.GetTimestamp(); }
            public bool IsDue => ElapsedSince(_last).TotalMinutes > 5;

            private static TimeSpan ElapsedSince(long? timestamp) => timestamp.HasValue ? Stopwatch.GetElapsedTime(timestamp.Value) : TimeSpan.MaxValue;
        }
        """);

    [Fact]
    public Task NoFix_WhenADisabledBranchUsesTheField() => Verify.VerifyNoFixAsync("""
        using System;
        class Backups
        {
            private DateTime _last = DateTime.UtcNow;
            public void Backup()
            {
                _last = DateTime.UtcNow;
        #if LEGACY
                System.Console.WriteLine(_last.ToString("O"));
        #endif
            }
            public bool IsDue => ([|DateTime.UtcNow - _last|]).TotalMinutes > 5;
        }
        """);
}
