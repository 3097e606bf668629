using Microsoft.CodeAnalysis;
using Steadfast.Analyzers.Resilience;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.Resilience.SF4002ElapsedTimeFromWallClockAnalyzer>;

namespace Steadfast.Analyzers.Tests.Resilience;

public sealed class SF4002ElapsedTimeFromWallClockAnalyzerTests
{
    // ---- Bad shapes: each marked span must be reported, nothing else. ----

    [Fact]
    public Task EndMinusStart_BothLocalsFromNow() => Verify.VerifyAsync("""
        using System;
        class Job
        {
            TimeSpan Run()
            {
                var start = DateTime.Now;
                Work();
                var end = DateTime.Now;
                return [|end - start|];
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task TotalMillisecondsComparedWithTimeout() => Verify.VerifyAsync("""
        using System;
        class Poller
        {
            bool TimedOut(int timeoutMs)
            {
                var start = DateTime.UtcNow;
                Work();
                return ([|DateTime.UtcNow - start|]).TotalMilliseconds > timeoutMs;
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task DeadlineComputedWithPlusThenComparedInLoop() => Verify.VerifyAsync("""
        using System;
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
        """);

    [Fact]
    public Task DeadlineWithAddSeconds_ComparedWithClockOnTheRight() => Verify.VerifyAsync("""
        using System;
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
        """);

    [Fact]
    public Task DateTimeOffsetDifference() => Verify.VerifyAsync("""
        using System;
        class Job
        {
            double Seconds()
            {
                DateTimeOffset start = DateTimeOffset.UtcNow;
                Work();
                return ([|DateTimeOffset.UtcNow - start|]).TotalSeconds;
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task SubtractMethod() => Verify.VerifyAsync("""
        using System;
        class Job
        {
            TimeSpan Run()
            {
                var started = DateTime.UtcNow;
                Work();
                return [|DateTime.UtcNow.Subtract(started)|];
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task AsyncMethodAcrossAwait() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Failover
        {
            async Task<bool> SwitchedInTime()
            {
                var start = DateTime.UtcNow;
                await Task.Delay(1000);
                var end = DateTime.UtcNow;
                return [|end - start|] < TimeSpan.FromSeconds(2);
            }
        }
        """);

    [Fact]
    public Task InsideLambda() => Verify.VerifyAsync("""
        using System;
        class Timing
        {
            Func<TimeSpan> Measure(Action action) => () =>
            {
                var s = DateTime.UtcNow;
                action();
                return [|DateTime.UtcNow - s|];
            };
        }
        """);

    [Fact]
    public Task LocalFunctionCapturingStart() => Verify.VerifyAsync("""
        using System;
        class Timing
        {
            void Run()
            {
                var start = DateTime.UtcNow;
                Report();
                void Report() => Console.WriteLine([|DateTime.UtcNow - start|]);
            }
        }
        """);

    [Fact]
    public Task AssignedAfterDeclaration() => Verify.VerifyAsync("""
        using System;
        class Timing
        {
            TimeSpan Run()
            {
                DateTime start;
                start = DateTime.UtcNow;
                return [|DateTime.UtcNow - start|];
            }
        }
        """);

    [Fact]
    public Task InlineDeadlineFromStartLocal() => Verify.VerifyAsync("""
        using System;
        class Lease
        {
            bool Expired()
            {
                var takenAt = DateTime.UtcNow;
                Work();
                return [|DateTime.UtcNow > takenAt.AddMilliseconds(500)|];
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task TopLevelStatements() => Verify.VerifyAsync("""
        using System;
        var start = DateTime.Now;
        System.Threading.Thread.Sleep(1000);
        var end = DateTime.Now;
        Console.WriteLine([|end - start|] < TimeSpan.FromSeconds(2) ? "switch successful" : "switch failed");
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task EachWallClockMeasurementReportedOnce() => Verify.VerifyAsync("""
        using System;
        class Job
        {
            void Run()
            {
                var start = DateTime.UtcNow;
                var a = [|DateTime.UtcNow - start|];
                var b = [|DateTime.UtcNow - start|];
            }
        }
        """);

    [Fact]
    public async Task MessageNamesTheExpression()
    {
        await Verify.VerifyAsync("""
            using System;
            class Job
            {
                TimeSpan Run()
                {
                    var start = DateTime.UtcNow;
                    return {|#0:DateTime.UtcNow - start|};
                }
            }
            """,
            Verify.Diagnostic(RuleIdentifiers.ElapsedTimeFromWallClock).WithLocation(0).WithArguments("DateTime.UtcNow - start"));
    }

    [Fact]
    public Task FieldStampedInOneMethodSubtractedInAnother() => Verify.VerifyAsync("""
        using System;
        class Service
        {
            private DateTime _startedAt;
            void Start() => _startedAt = DateTime.UtcNow;
            TimeSpan Uptime() => [|DateTime.UtcNow - _startedAt|];
        }
        """);

    [Fact]
    public Task PropertyOfAnotherObjectStampedWithNow() => Verify.VerifyAsync("""
        using System;
        class Page { public DateTime? LastRequest { get; set; } }
        class Crawler
        {
            void Fetch(Page page) { page.LastRequest = DateTime.Now; }
            double SinceLast(Page page) => ([|DateTime.Now - page.LastRequest.Value|]).TotalMilliseconds;
        }
        """);

    [Fact]
    public Task TimeLeftUntilADeadlineKeptInAField() => Verify.VerifyAsync("""
        using System;
        class Renewal
        {
            private DateTime _next;
            void Reschedule(long ttl) => _next = ttl > 0 ? DateTime.UtcNow.AddMilliseconds(ttl / 3) : DateTime.UtcNow.AddSeconds(10);
            int MillisecondsLeft() => (int)([|_next - DateTime.UtcNow|]).TotalMilliseconds;
        }
        """);

    [Fact]
    public Task UtcTicksStampRebuiltAsADate() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Reconnector
        {
            private long _lastTicks = DateTimeOffset.MinValue.UtcTicks;
            TimeSpan SinceLast()
            {
                var previous = new DateTimeOffset(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);
                return [|DateTimeOffset.UtcNow - previous|];
            }
            void Mark()
            {
                var now = DateTimeOffset.UtcNow;
                Interlocked.Exchange(ref _lastTicks, now.UtcTicks);
            }
        }
        """);

    [Fact]
    public Task StampCopiedBetweenObjectsAndResetToASentinel() => Verify.VerifyAsync("""
        using System;
        class Page { public DateTime? LastRequest { get; set; } }
        class Crawler
        {
            void Fetch(Page page) => page.LastRequest = DateTime.Now;
            void Copy(Page from, Page to) => to.LastRequest = from.LastRequest;
            void Reset(Page page) => page.LastRequest = new DateTime(2000, 1, 1);
            double Since(Page page) => ([|DateTime.Now - page.LastRequest!.Value|]).TotalMilliseconds;
        }
        """);

    [Fact]
    public Task TicksDifference() => Verify.VerifyAsync("""
        using System;
        class Query
        {
            long Run()
            {
                long start = DateTime.Now.Ticks;
                Work();
                return [|DateTime.Now.Ticks - start|];
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task TicksScaledToMilliseconds() => Verify.VerifyAsync("""
        using System;
        class Query
        {
            long Run()
            {
                long start = DateTime.UtcNow.Ticks / 10000;
                Work();
                return [|(DateTime.UtcNow.Ticks / 10000) - start|];
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task NullableStampCastBack() => Verify.VerifyAsync("""
        using System;
        class Session
        {
            public DateTime? LoginTime { get; set; }
            public void Login() { LoginTime = DateTime.UtcNow; }
            public double Logout()
            {
                var seconds = LoginTime != null ? ([|DateTime.UtcNow - (DateTime)LoginTime|]).TotalSeconds : 0;
                LoginTime = null;
                return seconds;
            }
        }
        """);

    [Fact]
    public Task MillisecondStampInAFieldComparedWithNow() => Verify.VerifyAsync("""
        using System;
        class Region
        {
            private long _lastMoveMs;
            public void Moved() { _lastMoveMs = DateTime.Now.Ticks / 10000; }
            public bool Due(long intervalMs) => [|_lastMoveMs + intervalMs < DateTime.Now.Ticks / 10000|];
        }
        """);

    [Fact]
    public Task StampsKeptInADictionary() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Concurrent;
        using System.Collections.Generic;
        class Clients
        {
            private readonly ConcurrentDictionary<string, DateTime> _lastSeen = new();
            private readonly Dictionary<string, DateTime> _lastRun = new();
            public void Seen(string id) => _lastSeen.AddOrUpdate(id, DateTime.Now, (_, _) => DateTime.Now);
            public void Ran(string job) { _lastRun[job] = DateTime.UtcNow; }
            public bool Due(string job) => [|DateTime.UtcNow - _lastRun[job]|] > TimeSpan.FromMinutes(5);
            public bool Alive(string id) => _lastSeen.TryGetValue(id, out var seen) && [|DateTime.Now - seen|] < TimeSpan.FromMinutes(2);
            public int Idle()
            {
                var cutoff = DateTime.Now.AddSeconds(-30);
                var idle = 0;
                foreach (var entry in _lastSeen)
                    if ([|entry.Value < cutoff|]) idle++;
                return idle;
            }
        }
        """);

    [Fact]
    public Task DictionaryOfDatesFromElsewhere_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class Renewals
        {
            private readonly Dictionary<string, DateTime> _expires = new();
            public void Load(string id, DateTime expiresAt) { _expires[id] = expiresAt; }
            public bool Expired(string id) => DateTime.UtcNow - _expires[id] > TimeSpan.Zero;
        }
        """);

    [Fact]
    public Task StampLeftOutOfStorage() => Verify.VerifyAsync("""
        using System;
        [AttributeUsage(AttributeTargets.All)] class TableAttribute : Attribute { }
        [AttributeUsage(AttributeTargets.All)] class NotMappedAttribute : Attribute { }
        [Table]
        class Player
        {
            [NotMapped] public DateTime? LoginTime { get; set; }
            public void Login() { LoginTime = DateTime.UtcNow; }
            public TimeSpan Online => LoginTime != null ? [|DateTime.UtcNow - (DateTime)LoginTime|] : TimeSpan.Zero;
        }
        """);

    [Fact]
    public Task TicksStampInAFieldComparedWithACutoff() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Failback
        {
            private long _lastUnhealthy;
            void MarkUnhealthy() => Interlocked.Exchange(ref _lastUnhealthy, DateTime.UtcNow.Ticks);
            bool MayFailBack(TimeSpan delay)
            {
                var cutoff = DateTime.UtcNow.Ticks - delay.Ticks;
                return [|Volatile.Read(ref _lastUnhealthy) < cutoff|];
            }
        }
        """);

    [Fact]
    public Task LastSeenStampComparedWithNowMinusTimeout() => Verify.VerifyAsync("""
        using System;
        class Client { public DateTime LastSeen; public void Touch() => LastSeen = DateTime.Now; }
        class Server
        {
            bool IsIdle(Client c, int seconds) => [|c.LastSeen < DateTime.Now.AddSeconds(-seconds)|];
        }
        """);

    [Fact]
    public Task DeadlineKeptInAFieldComparedWithNow() => Verify.VerifyAsync("""
        using System;
        class Renewal
        {
            private DateTime _next;
            void Schedule(TimeSpan every) => _next = DateTime.UtcNow + every;
            bool Due() => [|DateTime.UtcNow >= _next|];
        }
        """);

    [Fact]
    public Task UnixMillisecondsDeadline() => Verify.VerifyAsync("""
        using System;
        class Locks
        {
            bool Acquire(Func<bool> take, long timeoutMs)
            {
                var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + timeoutMs;
                while ([|DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < end|])
                {
                    if (take()) return true;
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task StartPlusTimeoutInline() => Verify.VerifyAsync("""
        using System;
        class Waiter
        {
            void WaitFor(Func<bool> ready, TimeSpan timeout)
            {
                var start = DateTimeOffset.UtcNow;
                while (!ready())
                {
                    if ([|DateTimeOffset.UtcNow > start + timeout|]) throw new TimeoutException();
                }
            }
        }
        """);

    [Fact]
    public Task ElapsedInsideAnInterpolatedString() => Verify.VerifyAsync("""
        using System;
        class Job
        {
            void Run()
            {
                var start = DateTime.Now;
                Work();
                Console.WriteLine($"took {([|DateTime.Now - start|]).TotalSeconds} s");
            }
            void Work() { }
        }
        """);

    // ---- Clean shapes: nothing may be reported. ----

    [Fact]
    public Task DateFromElsewhere_PropertyOfARow() => Verify.VerifyAsync("""
        using System;
        class Order { public DateTime CreatedAt { get; set; } }
        class Report
        {
            TimeSpan Age(Order order) => DateTime.UtcNow - order.CreatedAt;
        }
        """);

    [Fact]
    public Task ExpiryFromDatabaseComparedWithNow() => Verify.VerifyAsync("""
        using System;
        class Tokens
        {
            bool IsExpired(DateTime expiresAt) => expiresAt < DateTime.UtcNow;
            bool WithinGrace(DateTime expiresAt) => DateTime.UtcNow < expiresAt.AddMinutes(5);
        }
        """);

    [Fact]
    public Task TimestampStoredAndLogged() => Verify.VerifyAsync("""
        using System;
        class Order { public DateTime CreatedAt { get; set; } }
        class Orders
        {
            Order Create()
            {
                var now = DateTime.UtcNow;
                Console.WriteLine($"created at {now:O}");
                return new Order { CreatedAt = now };
            }
        }
        """);

    [Fact]
    public Task PersistedEntityStampIsADate() => Verify.VerifyAsync("""
        using System;
        using System.ComponentModel.DataAnnotations.Schema;
        [Table("orders")]
        class Order { public DateTime CreatedAt { get; set; } }
        class Orders
        {
            Order Create() => new Order { CreatedAt = DateTime.UtcNow };
            TimeSpan Age(Order o) => DateTime.UtcNow - o.CreatedAt;
        }
        """);

    [Fact]
    public Task StampOfAnObjectLoadedFromStorage() => Verify.VerifyAsync("""
        using System;
        using System.Text.Json;
        class ConsumerStatus { public DateTime LastActive { get; set; } }
        class Queue
        {
            private readonly ConsumerStatus _mine = new();
            void Beat() => _mine.LastActive = DateTime.Now;
            bool IsDead(string json)
            {
                var other = JsonSerializer.Deserialize<ConsumerStatus>(json)!;
                return other.LastActive.AddSeconds(30) < DateTime.Now;
            }
        }
        """);

    [Fact]
    public Task RecordFromAGenericDataAccessObject() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        interface IGenericDAO<TEntity, TDto> { IEnumerable<TDto> LoadAll(); }
        class LogDto { public DateTime Timestamp { get; set; } }
        class Logs
        {
            private IGenericDAO<object, LogDto> _dao = null!;
            LogDto Write() => new LogDto { Timestamp = DateTime.Now };
            IEnumerable<double> Ages() { foreach (var l in _dao.LoadAll()) yield return (DateTime.Now - l.Timestamp).TotalHours; }
        }
        """);

    [Fact]
    public Task DaysWindowAroundAMemberStamp() => Verify.VerifyAsync("""
        using System;
        class Entry { public DateTime Timestamp { get; set; } }
        class Book
        {
            Entry Add() => new Entry { Timestamp = DateTime.Now };
            bool Old(Entry e) => e.Timestamp.AddDays(30) < DateTime.Now;
        }
        """);

    [Fact]
    public Task FieldAlsoLoadedFromStorage() => Verify.VerifyAsync("""
        using System;
        class Session
        {
            private DateTime _lastActive;
            void Touch() => _lastActive = DateTime.UtcNow;
            void Restore(DateTime saved) => _lastActive = saved;
            TimeSpan Idle() => DateTime.UtcNow - _lastActive;
        }
        """);

    [Fact]
    public Task ExpiryFieldComparedWithStoredDate() => Verify.VerifyAsync("""
        using System;
        class Token
        {
            private DateTime _expires;
            void Issue() => _expires = DateTime.UtcNow.AddDays(30);
            bool ValidAt(DateTime when) => when < _expires;
        }
        """);

    [Fact]
    public Task TodayAddDaysAndTicksOfADate() => Verify.VerifyAsync("""
        using System;
        class Calendar
        {
            bool Due(DateTime dueDate) => dueDate < DateTime.Today.AddDays(7);
            long Age(DateTime born) => DateTime.Now.Ticks - born.Ticks;
        }
        """);

    [Fact]
    public Task LocalAlsoLoadedFromStorage() => Verify.VerifyAsync("""
        using System;
        class Sessions
        {
            DateTime Load() => default;
            TimeSpan Idle(bool resume)
            {
                var last = DateTime.UtcNow;
                if (resume) last = Load();
                return DateTime.UtcNow - last;
            }
        }
        """);

    [Fact]
    public Task CutoffDate_DateTimeMinusTimeSpan() => Verify.VerifyAsync("""
        using System;
        class Cleanup
        {
            bool IsStale(DateTime lastSeen)
            {
                var cutoff = DateTime.UtcNow - TimeSpan.FromDays(30);
                return lastSeen < cutoff;
            }
        }
        """);

    [Fact]
    public Task StopwatchAndTimeProviderCode() => Verify.VerifyAsync("""
        using System;
        using System.Diagnostics;
        class Timing
        {
            private readonly TimeProvider _time = TimeProvider.System;
            TimeSpan A() { var start = Stopwatch.GetTimestamp(); return Stopwatch.GetElapsedTime(start); }
            TimeSpan B() { var start = _time.GetTimestamp(); return _time.GetElapsedTime(start); }
        }
        """);

    [Fact]
    public Task TodayAndCalendarArithmetic() => Verify.VerifyAsync("""
        using System;
        class Calendar
        {
            int DaysUntil(DateTime birthday) => (birthday - DateTime.Today).Days;
            DateTime NextMonth() => DateTime.UtcNow.AddMonths(1);
        }
        """);

    [Fact]
    public Task DeadlineComparedWithDateFromElsewhere() => Verify.VerifyAsync("""
        using System;
        class Sla
        {
            bool Breached(DateTime resolvedAt)
            {
                var deadline = DateTime.UtcNow.AddHours(4);
                return resolvedAt > deadline;
            }
        }
        """);

    // ---- Shapes from real code (issue 13): stamps that reach the comparison through a field, a getter, a helper method or an aggregate. ----

    [Fact]
    public Task StampInNotMappedMemberOfAnEntityThatIsLoaded() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class NotMappedAttribute : Attribute { }
        interface IDb { List<T> Query<T>(); }
        class Visitor
        {
            public string Name { get; set; }
            [NotMapped] public DateTime? ArrivedAt { get; set; }
            public double SecondsOnline;

            public void Arrive() { if (ArrivedAt == null) ArrivedAt = DateTime.UtcNow; }
            public void Leave()
            {
                if (ArrivedAt != null)
                {
                    SecondsOnline += ([|DateTime.UtcNow - (DateTime)ArrivedAt|]).TotalSeconds;
                    ArrivedAt = null;
                }
            }
        }
        class Visitors
        {
            List<Visitor> All(IDb db) => db.Query<Visitor>();
        }
        """);

    [Fact]
    public Task TicksKeptInAFieldAndRebuiltIntoADateTimeOffset() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Reconnector
        {
            private long _lastAttemptTicks = DateTimeOffset.MinValue.UtcTicks;
            private static readonly TimeSpan MinGap = TimeSpan.FromSeconds(60);

            public void MaybeReconnect()
            {
                long previous = Interlocked.Read(ref _lastAttemptTicks);
                var previousAt = new DateTimeOffset(previous, TimeSpan.Zero);
                TimeSpan since = [|DateTimeOffset.UtcNow - previousAt|];
                if (since < MinGap)
                    return;
                Interlocked.Exchange(ref _lastAttemptTicks, DateTimeOffset.UtcNow.UtcTicks);
            }
        }
        """);

    [Fact]
    public Task OldestStampPickedWithMinOverASelector() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        class Sample
        {
            public Sample() { TakenAt = DateTime.UtcNow; }
            public DateTime TakenAt { get; private set; }
        }
        class Window
        {
            private readonly List<Sample> _samples = new List<Sample>();
            public void Record() => _samples.Add(new Sample());
            public TimeSpan Span() => [|DateTime.UtcNow - _samples.Min(s => s.TakenAt)|];
        }
        """);

    [Fact]
    public Task MillisecondStampBehindAGetterScaledBackToTicks() => Verify.VerifyAsync("""
        using System;
        class Zone
        {
            private long _refreshedMs;
            public long RefreshedMs { get { return _refreshedMs; } }
            public void Refresh() { _refreshedMs = DateTime.Now.Ticks / (10 * 1000); }
        }
        class Refresher
        {
            const int EveryMs = 5000;
            void Tick(Zone zone)
            {
                if ([|(zone.RefreshedMs + EveryMs) * 10 * 1000 < DateTime.Now.Ticks|])
                    zone.Refresh();
            }
        }
        """);

    [Fact]
    public Task HelperMethodThatReadsTheClockFeedsAnExpiry() => Verify.VerifyAsync("""
        using System;
        static class Clock
        {
            public static long NowMs()
            {
                return (DateTime.UtcNow.Ticks - 621355968000000000) / 10000;
            }
        }
        class Lease
        {
            public long ExpiresMs { get; set; }
        }
        class Leases
        {
            Lease Take(long ttlMs)
            {
                var now = Clock.NowMs();
                return new Lease { ExpiresMs = now + ttlMs };
            }
            bool Expired(Lease lease) => [|lease.ExpiresMs < Clock.NowMs()|];
        }
        """);

    [Fact]
    public Task ExpiryFieldWithANeverSentinel() => Verify.VerifyAsync("""
        using System;
        class WorkItem
        {
            private readonly long _expiresTicks;
            public WorkItem(int timeoutMs)
            {
                _expiresTicks = timeoutMs > 0 ? DateTime.UtcNow.Ticks + timeoutMs * TimeSpan.TicksPerMillisecond : long.MaxValue;
            }
            public bool Expired()
            {
                long nowTicks = DateTime.UtcNow.Ticks;
                return [|nowTicks > _expiresTicks|];
            }
        }
        """);

    [Fact]
    public Task TwoReadingsShiftedByTheSameSkew() => Verify.VerifyAsync("""
        using System;
        class Cleaner
        {
            private readonly long _skewMs;
            public Cleaner(long skewMs) { _skewMs = skewMs; }
            long Pass(Action work)
            {
                var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + _skewMs;
                work();
                return [|(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + _skewMs) - start|];
            }
        }
        """);

    [Fact]
    public Task Clean_HelperMethodThatReturnsAStoredDate() => Verify.VerifyAsync("""
        using System;
        class Settings
        {
            public DateTime LastRun { get; set; }
        }
        class Report
        {
            private readonly Settings _settings;
            public Report(Settings settings) { _settings = settings; }
            DateTime LastRun() => _settings.LastRun;
            TimeSpan Age() => DateTime.UtcNow - LastRun();
        }
        """);

    [Fact]
    public Task Clean_GetterOverAFieldRestoredFromAParameter() => Verify.VerifyAsync("""
        using System;
        class Checkpoint
        {
            private long _savedMs;
            public long SavedMs { get { return _savedMs; } }
            public void Restore(long savedMs) { _savedMs = savedMs; }
            bool Stale() => (SavedMs + 1000) * 10000 < DateTime.UtcNow.Ticks;
        }
        """);

    [Fact]
    public Task Clean_OldestOfDatesThatComeFromOutside() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        class Order
        {
            public Order(DateTime placedAt) { PlacedAt = placedAt; }
            public DateTime PlacedAt { get; }
        }
        class Backlog
        {
            TimeSpan OldestAge(List<Order> orders) => DateTime.UtcNow - orders.Min(o => o.PlacedAt);
        }
        """);

    [Fact]
    public Task Clean_ExpiryThatIsSometimesAConfiguredDate() => Verify.VerifyAsync("""
        using System;
        class Ticket
        {
            private readonly long _expiresTicks;
            public Ticket(int timeoutMs, long configuredTicks)
            {
                _expiresTicks = timeoutMs > 0 ? DateTime.UtcNow.Ticks + timeoutMs * TimeSpan.TicksPerMillisecond : configuredTicks;
            }
            public bool Expired() => DateTime.UtcNow.Ticks > _expiresTicks;
        }
        """);

    [Fact]
    public Task Clean_UtcMinusLocalReadingIsTheZoneOffset() => Verify.VerifyAsync("""
        using System;
        class Almanac
        {
            string LocalSunrise(TimeSpan sunriseUtc)
            {
                var offset = DateTime.UtcNow - DateTime.Now;
                var shift = DateTimeOffset.Now - DateTimeOffset.UtcNow;
                return (sunriseUtc - offset + shift - shift).ToString();
            }
        }
        """);

    [Fact]
    public Task TwoReadingsOfTheSameClockAreStillElapsedTime() => Verify.VerifyAsync("""
        using System;
        class Probe
        {
            TimeSpan Measure(Action work)
            {
                var started = DateTime.UtcNow;
                work();
                return [|DateTime.UtcNow - started|];
            }
        }
        """);
}
