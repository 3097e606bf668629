using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1005LockAcquiredByPollingAnalyzer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1005LockAcquiredByPollingAnalyzerTests
{
    // Issue 13 judged this shape a false positive: a wall-clock deadline still ends the wait (that the clock can step is
    // SF4002's finding, not this rule's). It was a flagged seed test; it is clean now.
    [Fact]
    public Task WallClockDeadline_EndsTheWait_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        sealed class ReportLock
        {
            private readonly IDatabase _db;
            public ReportLock(IDatabase db) { _db = db; }
            public bool TakeWithElapsedCheck(int waitSeconds)
            {
                var began = DateTime.Now;
                while (true)
                {
                    if (_db.StringSet("report:lock", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(20), When.NotExists))
                        return true;
                    Thread.Sleep(100);
                    if ((DateTime.Now - began).TotalSeconds > waitSeconds)
                        return false;
                }
            }
            public string TakeBeforeDeadline(long waitMs)
            {
                var owner = Guid.NewGuid().ToString();
                var giveUpAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + waitMs;
                while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < giveUpAt)
                {
                    if (_db.StringSet("report:lock", owner, TimeSpan.FromSeconds(20), When.NotExists))
                        return owner;
                    Thread.Sleep(5);
                }
                return null;
            }
            public async Task<bool> TakeUntilAsync(DateTime stopAt)
            {
                var now = DateTime.UtcNow;
                while (now < stopAt)
                {
                    if (await _db.LockTakeAsync("report:lock", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(20)))
                        return true;
                    await Task.Delay(50);
                    now = DateTime.UtcNow;
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task CounterPolledThenClaimed_IsAHandMadeLock() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        sealed class PrinterPort
        {
            private int _inUse;
            private bool _busy;
            public void Print(string page)
            {
                while (_inUse != 0)
                    Thread.Sleep(50);
                {|#0:_inUse++|};
                System.Console.WriteLine(page);
                _inUse--;
            }
            public async Task FeedAsync()
            {
                while (_busy)
                {
                    await Task.Delay(20);
                }
                {|#1:_busy = true|};
                await Task.Yield();
                _busy = false;
            }
        }
        """,
        new DiagnosticResult("SF1005", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'_inUse++' is retried after a sleep-and-poll wait on the same field, a lock made by hand whose check and claim are separate steps (two threads can both see it free) with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)"),
        new DiagnosticResult("SF1005", DiagnosticSeverity.Warning).WithLocation(1)
            .WithMessage("'_busy = true' is retried after a sleep-and-poll wait on the same field, a lock made by hand whose check and claim are separate steps (two threads can both see it free) with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)"));

    [Fact]
    public Task FieldWaitWithoutClaimOrWithoutHandBack_IsClean() => Verify.VerifyAsync("""
        using System.Threading;
        sealed class Loader
        {
            private bool _loading;
            private bool _started;
            private int _pending;
            private volatile bool _ready;
            public void WaitUntilLoaded()
            {
                // Waiting for another thread to finish: nothing is claimed afterwards.
                while (_loading)
                    Thread.Sleep(10);
                System.Console.WriteLine("loaded");
            }
            public void StartOnce()
            {
                // A one-way state change, never handed back: not a lock.
                while (_pending > 0)
                    Thread.Sleep(10);
                _pending = 1;
                _started = true;
                System.Console.WriteLine(_started);
            }
            public void Bounded(CancellationToken ct)
            {
                while (!_ready && !ct.IsCancellationRequested)
                    Thread.Sleep(10);
                _ready = false;
                System.Console.WriteLine();
                _ready = true;
            }
        }
        """);

    [Fact]
    public Task SpinUntilOnAFlagThisMethodRaised() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        sealed class Catalogue
        {
            public bool InRefresh { get; set; }
            private bool _syncing;
            public void Refresh(Action askOtherServer)
            {
                InRefresh = true;
                askOtherServer();
                {|#0:SpinWait.SpinUntil(() => !InRefresh)|};
            }
            public void SyncBounded(Action start)
            {
                _syncing = true;
                start();
                SpinWait.SpinUntil(() => !_syncing, TimeSpan.FromSeconds(5));
            }
            public void WaitForOthers()
            {
                // This method raised nothing: it waits on someone else's flag (not a lock it took).
                SpinWait.SpinUntil(() => !InRefresh);
            }
        }
        """, new DiagnosticResult("SF1005", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'InRefresh' is retried by SpinWait.SpinUntil until another thread clears the flag this method raised with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)"));

    [Fact]
    public async Task SleepThenReenterThroughABaseEntryBuiltElsewhere()
    {
        // The base class comes from another project, so its body cannot be read: an override that sleeps when the lock
        // is busy and calls a base member with exactly its own parameters is going back in through that entry.
        var test = new Verify.Test
        {
            TestCode = """
                using System;
                using System.Threading;
                using System.Threading.Tasks;
                using StackExchange.Redis;
                using Shelf;
                sealed class RedisShelf : ShelfBase
                {
                    private readonly IDatabase _db;
                    public RedisShelf(IDatabase db) => _db = db;
                    protected override string Fetch(string name, Func<string> load)
                    {
                        if (!{|#0:_db.StringSet(name + "_mutex", 1, TimeSpan.FromSeconds(3), When.NotExists)|})
                        {
                            Thread.Sleep(30);
                            return Read(name, load);
                        }
                        return load();
                    }
                    protected override async Task<string> FetchAsync(string name, Func<string> load)
                    {
                        if (!await _db.StringSetAsync(name + "_mutex", 1, TimeSpan.FromSeconds(3), When.NotExists))
                        {
                            await Task.Delay(30);
                            // Not its own parameters: a different call, not a re-entry.
                            return await ReadAsync(name + "_fallback", load);
                        }
                        return load();
                    }
                }
                """,
        };
        test.TestState.AdditionalProjects["Shelf"].Sources.Add(("ShelfBase.cs", """
            using System;
            using System.Threading.Tasks;
            namespace Shelf
            {
                public abstract class ShelfBase
                {
                    public string Read(string name, Func<string> load) => Fetch(name, load);
                    public Task<string> ReadAsync(string name, Func<string> load) => FetchAsync(name, load);
                    protected abstract string Fetch(string name, Func<string> load);
                    protected abstract Task<string> FetchAsync(string name, Func<string> load);
                }
            }
            """));
        test.TestState.AdditionalProjectReferences.Add("Shelf");
        test.ExpectedDiagnostics.Add(new DiagnosticResult("SF1005", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'_db.StringSet' is retried by sleeping and calling 'Fetch' again with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)"));
        await test.RunAsync(CancellationToken.None);
    }

    [Fact]
    public Task SleepThenCallThePublicEntryThatComesBack() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        abstract class CacheBase
        {
            public string Get(string key, Func<string> fetch) => GetCore(key, fetch);
            protected abstract string GetCore(string key, Func<string> fetch);
        }
        sealed class RedisCache : CacheBase
        {
            private readonly IDatabase _db;
            public RedisCache(IDatabase db) => _db = db;
            protected override string GetCore(string key, Func<string> fetch)
            {
                if (![|_db.StringSet(key + "_lock", 1, TimeSpan.FromSeconds(5), When.NotExists)|])
                {
                    Thread.Sleep(20);
                    return Get(key, fetch);
                }
                return fetch();
            }
        }
        """);

    [Fact]
    public Task SpinUntilAroundALockTake() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db, string token)
            {
                SpinWait.SpinUntil(() => {|#0:db.LockTake("jobs:lock", token, TimeSpan.FromSeconds(30))|});
                SpinWait.SpinUntil(() => db.LockTake("bounded:lock", token, TimeSpan.FromSeconds(30)), TimeSpan.FromSeconds(5));
                SpinWait.SpinUntil(() => db.KeyExists("ready"));
            }
        }
        """, new DiagnosticResult("SF1005", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'db.LockTake' is retried by SpinWait.SpinUntil with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)"));

    [Fact]
    public Task SleepThenCallItselfAgain() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Loader
        {
            private readonly IDatabase _db;
            public Loader(IDatabase db) => _db = db;
            public string Load(string key, Func<string> fetch)
            {
                if (!{|#0:_db.StringSet(key + ":mutex", 1, TimeSpan.FromSeconds(5), When.NotExists)|})
                {
                    Thread.Sleep(50);
                    return Load(key, fetch);
                }
                return fetch();
            }
            public async Task<string> LoadAsync(string key, Func<string> fetch, int attempt)
            {
                if (!await _db.StringSetAsync(key + ":mutex", 1, TimeSpan.FromSeconds(5), When.NotExists))
                {
                    await Task.Delay(50);
                    return await LoadAsync(key, fetch, attempt + 1);
                }
                return fetch();
            }
            public async Task<string> LoadCancellable(string key, Func<string> fetch, CancellationToken ct)
            {
                if (!await _db.StringSetAsync(key + ":mutex", 1, TimeSpan.FromSeconds(5), When.NotExists))
                {
                    await Task.Delay(50, ct);
                    return await LoadCancellable(key, fetch, ct);
                }
                return fetch();
            }
        }
        """, new DiagnosticResult("SF1005", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'_db.StringSet' is retried by sleeping and calling 'Load' again with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)"));

    [Fact]
    public Task WhileNotLockTakeAsync_TaskDelay_OnIDatabaseAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task Run(IDatabaseAsync db, string token)
            {
                while (!await [|db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30))|])
                    await Task.Delay(100);
            }
        }
        """);

    [Fact]
    public Task DoWhile_MonitorTryEnter() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            void Run()
            {
                bool taken;
                do
                {
                    taken = [|Monitor.TryEnter(_gate)|];
                    if (!taken) Thread.Sleep(50);
                } while (!taken);
            }
        }
        """);

    [Fact]
    public Task ForEver_SemaphoreWait_And_MutexWaitOne() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            private readonly Mutex _mutex = new();
            async Task A() { for (;;) { if (await [|_sem.WaitAsync(0)|]) break; await Task.Delay(10); } }
            void B() { while (![|_mutex.WaitOne(0)|]) Thread.Sleep(10); }
        }
        """);

    [Fact]
    public Task HelperCalledInALoop_ExpressionBodiedHelper() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        sealed class Locker
        {
            private readonly IDatabase _db;
            public Locker(IDatabase db) { _db = db; }
            bool TryTake(string token) => _db.LockTake("jobs", token, TimeSpan.FromSeconds(30));
            void Run() { var token = Guid.NewGuid().ToString(); while (![|TryTake(token)|]) Thread.Sleep(100); }
        }
        """);

    [Fact]
    public Task InLambda_AndLocalFunction() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            Func<IDatabaseAsync, Task> Make() => async db => { while (!await [|db.StringSetAsync("a", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(5), When.NotExists)|]) await Task.Delay(100); };
            void Run(IDatabase db)
            {
                Local();
                void Local() { while (![|db.LockTake("b", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(5))|]) Thread.Sleep(100); }
            }
        }
        """);

    [Fact]
    public Task TopLevelStatements() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        IDatabase db = ConnectionMultiplexer.Connect("localhost").GetDatabase();
        var token = Guid.NewGuid().ToString();
        while (![|db.LockTake("jobs", token, TimeSpan.FromSeconds(30))|]) Thread.Sleep(100);
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task FieldDatabase_ExecuteSetNx() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly IDatabase _db;
            public Jobs(IDatabase db) { _db = db; }
            void Run() { while ([|_db.Execute("SET", "jobs", Guid.NewGuid().ToString(), "NX", "EX", 30)|].IsNull) Thread.Sleep(100); }
        }
        """);

    // ---- clean shapes ----

    [Fact]
    public Task Cancellable_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            async Task A(IDatabaseAsync db, string t, CancellationToken ct)
            {
                while (!await db.LockTakeAsync("jobs", t, TimeSpan.FromSeconds(30)))
                    await Task.Delay(100, ct);
            }
            void B(IDatabase db, string t, CancellationToken ct)
            {
                while (!db.LockTake("jobs", t, TimeSpan.FromSeconds(30)))
                {
                    ct.ThrowIfCancellationRequested();
                    Thread.Sleep(100);
                }
            }
        }
        """);

    [Fact]
    public Task BoundedAttempts_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            bool A(IDatabase db, string t)
            {
                for (var attempt = 0; attempt < 5; attempt++)
                {
                    if (db.LockTake("jobs", t, TimeSpan.FromSeconds(30))) return true;
                    Thread.Sleep(100);
                }
                return false;
            }
            bool B(IDatabase db, string t)
            {
                var attempts = 0;
                while (!db.LockTake("jobs", t, TimeSpan.FromSeconds(30)))
                {
                    if (++attempts > 5) return false;
                    Thread.Sleep(100);
                }
                return true;
            }
        }
        """);

    [Fact]
    public Task MonotonicDeadline_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Diagnostics;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            bool Run(IDatabase db, string t)
            {
                var start = Stopwatch.GetTimestamp();
                while (!db.LockTake("jobs", t, TimeSpan.FromSeconds(30)))
                {
                    if (Stopwatch.GetElapsedTime(start) > TimeSpan.FromSeconds(5)) return false;
                    Thread.Sleep(100);
                }
                return true;
            }
        }
        """);

    [Fact]
    public Task LoopWithoutSleep_OrSleepWithoutAcquire_IsNotThisRule() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Jobs
        {
            void A(IDatabase db, string[] keys) { foreach (var k in keys) db.LockTake(k, Guid.NewGuid().ToString(), TimeSpan.FromSeconds(5)); }
            void B() { while (true) { Thread.Sleep(100); Console.WriteLine(); } }
        }
        """);

    [Fact]
    public Task BlockingWaitInLoop_IsNotPolling() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(1, 1);
            void Run() { while (true) { _sem.Wait(); try { Thread.Sleep(10); } finally { _sem.Release(); } } }
        }
        """);

    [Fact]
    public Task SteadfastAcquireWithWaitTimeout_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDistributedLockProvider locks, CancellationToken ct)
            {
                await using var handle = await locks.AcquireAsync("jobs", new LockOptions { WaitTimeout = TimeSpan.FromSeconds(10) }, ct);
            }
        }
        """, withSteadfast: true);
}
