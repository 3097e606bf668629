using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<
    Steadfast.Analyzers.Locks.SF1003LockNotReleasedOnAllPathsAnalyzer>;

namespace Steadfast.Analyzers.Tests.Locks;

public sealed class SF1003LockNotReleasedOnAllPathsAnalyzerTests
{
    // A poller takes a per-item lock through a helper whose SET NX has no lease, checks it, moves the item and never
    // releases it: the key stays forever and the next item with that id is never processed.
    [Fact]
    public Task LeaselessRedisLock_TakenThroughAHelper_NeverReleased_SyncAndAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        static class Locks
        {
            public static string? Take(IDatabase db, string name)
            {
                var owner = Guid.NewGuid().ToString();
                return db.StringSet("lock:" + name, owner, when: When.NotExists) ? owner : null;
            }
            public static async Task<bool> TakeAsync(IDatabaseAsync db, string name) =>
                await db.StringSetAsync("lock:" + name, Guid.NewGuid().ToString(), null, When.NotExists);
        }
        sealed class Mover
        {
            private readonly IDatabase _db;
            public Mover(IDatabase db) => _db = db;
            public void MoveOne(string id, string item)
            {
                var owner = {|#0:Locks.Take(_db, id)|};
                if (owner is null)
                    return;
                if (_db.SortedSetRemove("delayed", item))
                    _db.ListRightPush("ready", item);
            }
            public async Task MoveOneAsync(string id, string item)
            {
                if (!await {|#1:Locks.TakeAsync(_db, id)|})
                    return;
                await _db.ListRightPushAsync("ready", item);
            }
        }
        """,
        new DiagnosticResult("SF1003", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("'Locks.Take' takes a Redis lock that never expires ('db.StringSet' in 'Take': no expiry argument), and nothing in 'MoveOne' releases it: after the first run the key stays and every later acquisition fails; release it in a finally block and give it a lease"),
        new DiagnosticResult("SF1003", DiagnosticSeverity.Warning).WithLocation(1));

    [Fact]
    public Task LockNeverReleased_ButLeased_ReleasedElsewhere_OrHandedOut_IsClean() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        static class Locks
        {
            public static bool TakeLeased(IDatabase db, string name) =>
                db.LockTake("lock:" + name, Guid.NewGuid().ToString(), TimeSpan.FromMinutes(5));
            public static string? Take(IDatabase db, string name)
            {
                var owner = Guid.NewGuid().ToString();
                return db.StringSet("lock:" + name, owner, when: When.NotExists) ? owner : null;
            }
        }
        sealed class Nightly
        {
            private readonly IDatabase _db;
            public Nightly(IDatabase db) => _db = db;
            // At most once per lease, on purpose: the lease frees it.
            public void RunOnce(string job)
            {
                if (!Locks.TakeLeased(_db, job))
                    return;
                Console.WriteLine(job);
            }
            // The owner goes back to the caller, who releases.
            public string? Begin(string job) => Locks.Take(_db, job);
        }
        sealed class Worker
        {
            private readonly IDatabase _db;
            public Worker(IDatabase db) => _db = db;
            public void Start(string job)
            {
                if (Locks.Take(_db, job) is null)
                    return;
                Console.WriteLine(job);
            }
            // The type frees its locks in another member.
            public void Stop(string job) => _db.KeyDelete("lock:" + job);
        }
        """);

    [Fact]
    public Task MonitorExit_AfterTheCriticalSection() => Verify.VerifyAsync("""
        using System.Threading;
        class Counter
        {
            private readonly object _gate = new();
            private int _n;
            void Add() { Monitor.Enter(_gate); _n++; [|Monitor.Exit(_gate)|]; }
        }
        """);

    [Fact]
    public Task SemaphoreSlim_WaitAsync_ThenRelease_InAsyncMethod() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Jobs
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            async Task Run() { await _gate.WaitAsync(); await Task.Yield(); [|_gate.Release()|]; }
        }
        """);

    [Fact]
    public Task Mutex_ReaderWriterLockSlim_SpinLock() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly Mutex _mutex = new();
            private readonly ReaderWriterLockSlim _rw = new();
            private SpinLock _spin = new();
            void A() { _mutex.WaitOne(); Work(); [|_mutex.ReleaseMutex()|]; }
            void B() { _rw.EnterWriteLock(); Work(); [|_rw.ExitWriteLock()|]; }
            void C() { var taken = false; _spin.Enter(ref taken); Work(); if (taken) [|_spin.Exit()|]; }
            void Work() { }
        }
        """);

    [Fact]
    public Task RedisLockRelease_AfterWork_SyncAndAsync() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            void A(IDatabase db)
            {
                var token = Guid.NewGuid().ToString();
                if (db.LockTake("jobs", token, TimeSpan.FromSeconds(30)))
                {
                    Work();
                    [|db.LockRelease("jobs", token)|];
                }
            }
            async Task B(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString();
                if (!await db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30))) return;
                Work();
                await [|db.LockReleaseAsync("jobs", token)|];
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task SeedCallSite_ThroughAcquireAndReleaseHelpers() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        sealed class RedisLock
        {
            private readonly IDatabase _db;
            private readonly string _token = Guid.NewGuid().ToString();
            public RedisLock(IDatabase db) { _db = db; }
            public bool Acquire() => _db.StringSet("my_lock", _token, TimeSpan.FromSeconds(10), When.NotExists);
            public void Release() => _db.LockRelease("my_lock", _token);
        }
        class Worker
        {
            void Run(IDatabase db)
            {
                var @lock = new RedisLock(db);
                if (@lock.Acquire())
                {
                    Console.WriteLine("Lock acquired.");
                    [|@lock.Release()|];
                }
            }
        }
        """);

    [Fact]
    public Task LockServiceInjectedByItsInterface_ReleaseNotInFinally() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        interface IImportGate
        {
            Task<bool> TryEnterAsync(string name);
            Task LeaveAsync(string name);
        }
        sealed class RedisImportGate : IImportGate
        {
            private readonly IDatabase _db;
            private readonly string _owner = Guid.NewGuid().ToString();
            public RedisImportGate(IDatabase db) => _db = db;
            public Task<bool> TryEnterAsync(string name) => _db.LockTakeAsync("import:" + name, _owner, TimeSpan.FromMinutes(1));
            public Task LeaveAsync(string name) => _db.LockReleaseAsync("import:" + name, _owner);
        }
        abstract class Shelf
        {
            public abstract void Take();
            public abstract void Give();
        }
        sealed class MonitorShelf : Shelf
        {
            private readonly object _gate = new();
            public override void Take() => Monitor.Enter(_gate);
            public override void Give() => Monitor.Exit(_gate);
        }
        sealed class Importer
        {
            private readonly IImportGate _gate;
            private readonly Shelf _shelf;
            public Importer(IImportGate gate, Shelf shelf) { _gate = gate; _shelf = shelf; }
            public async Task ImportAsync(string name, Func<Task> work)
            {
                if (!await _gate.TryEnterAsync(name))
                    return;
                await work();
                await [|_gate.LeaveAsync(name)|];
            }
            public async Task ImportSafelyAsync(string name, Func<Task> work)
            {
                if (!await _gate.TryEnterAsync(name))
                    return;
                try { await work(); }
                finally { await _gate.LeaveAsync(name); }
            }
            public void Stock(Action work)
            {
                _shelf.Take();
                work();
                [|_shelf.Give()|];
            }
        }
        """);

    [Fact]
    public Task TakeAndGiveHelpersOfAGenericHolder_CallbackBetween() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        sealed class Slot<T> where T : class
        {
            private readonly object _sync = new();
            private T _value;
            public void Take() => Monitor.Enter(_sync);
            public void Give()
            {
                if (!Monitor.IsEntered(_sync))
                    return;
                Monitor.Pulse(_sync);
                Monitor.Exit(_sync);
            }
            public void Swap(T expected, Action onSwap)
            {
                Take();
                Console.WriteLine("taken");
                onSwap();
                _value = null;
                [|Give()|];
            }
        }
        """);

    [Fact]
    public Task InterfaceWithSeveralImplementations_IsNotKnown() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        interface IGate { void Enter(); void Leave(); }
        sealed class MonitorGate : IGate
        {
            private readonly object _o = new();
            public void Enter() => Monitor.Enter(_o);
            public void Leave() => Monitor.Exit(_o);
        }
        sealed class NoGate : IGate
        {
            public void Enter() { }
            public void Leave() { }
        }
        sealed class User
        {
            private readonly IGate _gate;
            public User(IGate gate) => _gate = gate;
            public void Run(Action work)
            {
                _gate.Enter();
                work();
                _gate.Leave();
            }
        }
        """);

    [Fact]
    public Task InLambda_AndLocalFunction() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Jobs
        {
            private readonly object _gate = new();
            Action Make() => () => { Monitor.Enter(_gate); Console.WriteLine(); [|Monitor.Exit(_gate)|]; };
            void Run()
            {
                Local();
                void Local() { Monitor.Enter(_gate); Console.WriteLine(); [|Monitor.Exit(_gate)|]; }
            }
        }
        """);

    [Fact]
    public Task TopLevelStatements() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        var gate = new SemaphoreSlim(1);
        gate.Wait();
        Console.WriteLine("work");
        [|gate.Release()|];
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task KeyDeleteAfterWork() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Jobs
        {
            void Run(IDatabase db)
            {
                if (!db.StringSet("jobs", Guid.NewGuid().ToString(), TimeSpan.FromSeconds(5), When.NotExists)) return;
                Console.WriteLine("work");
                [|db.KeyDelete("jobs")|];
            }
        }
        """);

    // ---- clean shapes ----

    [Fact]
    public Task TakeInsideAHelper_ReleaseAfterACallbackThatCanThrow() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        sealed class Guarded<T>
        {
            private readonly object _sync = new();
            private T _value = default!;
            private void Enter() => Monitor.Enter(_sync);
            private void Leave() => Monitor.Exit(_sync);
            public void Replace(Func<T, T> update)
            {
                Enter();
                _value = update(_value);
                [|Leave()|];
            }
        }
        """);

    [Fact]
    public Task GenericHolder_HelperTakeAndRelease_WithAConditionalEarlyExit() => Verify.VerifyAsync("""
        using System;
        using System.Diagnostics;
        using System.Threading;
        public sealed class Holder<T> where T : class
        {
            private readonly object _sync = new();
            private T? _value;
            public void Acquire() { Monitor.Enter(_sync); }
            public void Release()
            {
                if (!Monitor.IsEntered(_sync)) return;
                Monitor.Pulse(_sync);
                Monitor.Exit(_sync);
            }
            public void ReplaceWith(T value, Action before)
            {
                var watch = Stopwatch.StartNew();
                Console.WriteLine($"taking {watch.ElapsedMilliseconds}");
                Acquire();
                if (_value != value)
                    Monitor.Exit(_sync);
                before.Invoke();
                _value = value;
                [|Release()|];
            }
        }
        """);

    [Fact]
    public Task TakeThroughTwoLevelsOfHelpers_ReleaseNotInFinally() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        static class BusLocks
        {
            private static readonly Mutex Bus = new(false, "bus");
            public static bool WaitBus(int timeout) => WaitOn(Bus, timeout);
            public static void ReleaseBus() => Bus.ReleaseMutex();
            private static bool WaitOn(Mutex mutex, int timeout)
            {
                try { return mutex.WaitOne(timeout); }
                catch (AbandonedMutexException) { return true; }
            }
        }
        class Fan
        {
            void Set(byte[] registers, int index)
            {
                if (!BusLocks.WaitBus(10)) return;
                Console.WriteLine(registers[index]);
                [|BusLocks.ReleaseBus()|];
            }
        }
        """);

    [Fact]
    public Task SwallowingTryThatRethrows_StillFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Worker
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            void Run(Action work)
            {
                _gate.Wait();
                try { work(); }
                catch (Exception) { Console.WriteLine("failed"); throw; }
                [|_gate.Release()|];
            }
        }
        """);

    [Fact]
    public Task ReleaseAfterACatchAllThatSwallows_IsReached() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Worker
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            private readonly object _sync = new();
            void Run(Action work)
            {
                _gate.Wait();
                try { work(); }
                catch (Exception e) { Console.WriteLine(e.Message); }
                _gate.Release();
            }
            void Other(Action work)
            {
                Monitor.Enter(_sync);
                try { work(); } catch { }
                Monitor.Exit(_sync);
            }
        }
        """);

    [Fact]
    public Task SwallowingTryWithSwitchAndLoopBreaks_ReleaseReached_FinallyAfterCatch() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Runner
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            async Task<bool> RunAsync(int mode, Func<Task> step)
            {
                var ok = true;
                await _gate.WaitAsync();
                try
                {
                    switch (mode)
                    {
                        case 1: await step(); break;
                        default: ok = false; break;
                    }
                    for (var i = 0; i < 3; i++) { if (i == mode) break; await step(); }
                }
                catch (Exception e)
                {
                    Console.WriteLine(e.Message);
                    ok = false;
                }
                finally
                {
                    Console.WriteLine("done");
                }
                _gate.Release();
                return ok;
            }
        }
        """);

    [Fact]
    public Task CatchAllWhoseHandlerCanThrowInTurn_StillFlagged() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Runner
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            async Task RunAsync(Func<Task> step, Func<Exception, Task> record, Action reload)
            {
                await _gate.WaitAsync();
                try { await step(); }
                catch (Exception e) { await record(e); }
                finally { reload(); }
                [|_gate.Release()|];
            }
        }
        """);

    [Fact]
    public Task OnlyCopiesAndLogsBetween_NothingCanThrow_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Ring
        {
            private readonly ReaderWriterLockSlim _rw = new();
            private readonly object _sync = new();
            private int _size;
            private int[] _items = new int[8];
            private bool _stopping;
            public int Count { get { _rw.EnterReadLock(); int count = _size; _rw.ExitReadLock(); return count; } }
            public int Capacity { get { _rw.EnterReadLock(); var capacity = _items.Length; _rw.ExitReadLock(); return capacity; } }
            public bool Stop()
            {
                Monitor.Enter(_sync);
                var was = _stopping;
                _stopping = true;
                Monitor.Exit(_sync);
                return was;
            }
            public int First() { _rw.EnterReadLock(); var first = _items[0]; [|_rw.ExitReadLock()|]; return first; }
        }
        """);

    [Fact]
    public Task ReleaseMutexInACatchAllAroundTheWait_IsClean() => Verify.VerifyAsync("""
        using System.Threading;
        class Named
        {
            bool Enter(string name, int timeout)
            {
                var mutex = new Mutex(false, name);
                try { return mutex.WaitOne(timeout); }
                catch
                {
                    mutex.ReleaseMutex();
                    return false;
                }
            }
        }
        """);

    [Fact]
    public Task ReleaseInAnAbandonedMutexHandler_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class SingleInstance
        {
            private readonly Mutex _mutex = new(false, "app");
            bool IsFirst()
            {
                try
                {
                    return _mutex.WaitOne(0);
                }
                catch (AbandonedMutexException)
                {
                    _mutex.ReleaseMutex();
                    return false;
                }
            }
        }
        """);

    [Fact]
    public Task RefFlagHelpersInsideAMethodWideTryFinally_AreClean() => Verify.VerifyAsync("""
        using System.Threading;
        class Writer
        {
            private readonly object _sync = new();
            private int _pending;
            private void TakeLock(ref bool taken) => Monitor.Enter(_sync, ref taken);
            private void ReleaseLock(ref bool taken) { if (taken) { taken = false; Monitor.Exit(_sync); } }
            void Drain()
            {
                bool taken = false;
                try
                {
                    while (true)
                    {
                        TakeLock(ref taken);
                        if (_pending == 0) { ReleaseLock(ref taken); return; }
                        _pending--;
                        ReleaseLock(ref taken);
                        Flush();
                    }
                }
                finally
                {
                    ReleaseLock(ref taken);
                }
            }
            void Flush() { }
        }
        """);

    [Fact]
    public Task ReleaseInBodyWithACatchAllThatReleases_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Worker
        {
            private readonly SemaphoreSlim _gate = new(1, 1);
            void Run(Action work)
            {
                try
                {
                    _gate.Wait();
                    work();
                    _gate.Release();
                }
                catch
                {
                    _gate.Release();
                    throw;
                }
            }
        }
        """);

    [Fact]
    public Task ReleaseRightAfterTheTake_NothingInBetween_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Probe
        {
            async Task<bool> CheckAsync(IDatabaseAsync db, RedisKey key)
            {
                var token = Guid.NewGuid().ToString();
                await db.LockTakeAsync(key, token, TimeSpan.FromSeconds(5));
                var released = await db.LockReleaseAsync(key, token);
                return released;
            }
            bool Check(IDatabase db, RedisKey key)
            {
                var token = Guid.NewGuid().ToString();
                if (db.LockTake(key, token, TimeSpan.FromSeconds(5)))
                {
                    return db.LockRelease(key, token);
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task KeyDeleteOfAnotherKey_InAMethodThatTakesALock_IsNotARelease() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Catalog
        {
            void Rebuild(IDatabase db, int id)
            {
                var token = Guid.NewGuid().ToString();
                var lockKey = "catalog:lock";
                if (!db.LockTake(lockKey, token, TimeSpan.FromSeconds(30))) return;
                try
                {
                    Console.WriteLine("rebuilding");
                    db.KeyDelete(CacheKey(id));
                    var staleKey = "catalog:" + id;
                    db.KeyDelete(staleKey);
                }
                finally { db.LockRelease(lockKey, token); }
            }
            static string CacheKey(int id) => "catalog:page:" + id;
        }
        """);

    [Fact]
    public Task ReleaseInFinally_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Jobs
        {
            private readonly object _gate = new();
            private readonly SemaphoreSlim _sem = new(1, 1);
            void A() { Monitor.Enter(_gate); try { Work(); } finally { Monitor.Exit(_gate); } }
            async Task B() { await _sem.WaitAsync(); try { Work(); } finally { _sem.Release(); } }
            void C() { var taken = false; try { Monitor.Enter(_gate, ref taken); Work(); } finally { if (taken) Monitor.Exit(_gate); } }
            async Task D(IDatabaseAsync db)
            {
                var token = Guid.NewGuid().ToString("N");
                if (!await db.LockTakeAsync("jobs", token, TimeSpan.FromSeconds(30))) return;
                try { Work(); } finally { await db.LockReleaseAsync("jobs", token); }
            }
            void Work() { }
        }
        """);

    [Fact]
    public Task LockStatement_IsClean() => Verify.VerifyAsync("""
        class Jobs { private readonly object _gate = new(); private int _n; void Add() { lock (_gate) { _n++; } } }
        """);

    [Fact]
    public Task ReleaseHelperAlone_AndDispose_AreClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        sealed class Handle : IDisposable
        {
            private readonly SemaphoreSlim _sem;
            public Handle(SemaphoreSlim sem) { _sem = sem; }
            public void Dispose() => _sem.Release();
        }
        sealed class Lock
        {
            public void Release(IDatabase db, string token) => db.LockRelease("jobs", token);
        }
        """);

    [Fact]
    public Task DifferentLocks_AreNotPaired() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _a = new(1, 1);
            private readonly SemaphoreSlim _b = new(1, 1);
            void Run() { _a.Wait(); try { } finally { _a.Release(); } _b.Release(); }
        }
        """);

    [Fact]
    public Task UsingHandle_IsClean() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        using Steadfast.Locks;
        class Jobs
        {
            async Task Run(IDistributedLockProvider locks)
            {
                await using var handle = await locks.AcquireAsync("jobs", new LockOptions { Lease = TimeSpan.FromSeconds(30) });
                Console.WriteLine("work");
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task ReleaseBeforeAnyAcquire_IsNotThisRule() => Verify.VerifyAsync("""
        using System.Threading;
        class Jobs
        {
            private readonly SemaphoreSlim _sem = new(0, 1);
            void Signal() => _sem.Release();
            void Run() { _sem.Release(); _sem.Wait(); }
        }
        """);
}
