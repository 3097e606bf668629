using Microsoft.CodeAnalysis;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.Queues.SF2003ThreadBlockingWaitInPollingLoopAnalyzer>;

namespace Steadfast.Analyzers.Tests.Queues;

public sealed class SF2003ThreadBlockingWaitInPollingLoopAnalyzerTests
{
    // ---- Bad shapes ----

    [Fact]
    public Task SleepInAsyncMethod() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Failover
        {
            async Task<bool> SwitchAsync()
            {
                [|Thread.Sleep(1000)|];
                await Task.Yield();
                return true;
            }
        }
        """);

    [Fact]
    public Task SleepInAsyncLambda() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Runner
        {
            Func<Task> Work => async () =>
            {
                [|Thread.Sleep(100)|];
                await Task.Yield();
            };
        }
        """);

    [Fact]
    public Task SleepWhilePollingARedisLock() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Locker
        {
            void Acquire(IDatabase db, string token)
            {
                while (!db.LockTake("lock", token, TimeSpan.FromSeconds(30)))
                    [|Thread.Sleep(100)|];
            }
        }
        """);

    [Fact]
    public Task SleepWhilePollingAnInProcessQueue() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        using System.Threading;
        class Consumer
        {
            private readonly ConcurrentQueue<int> _queue = new();
            int Take()
            {
                int item;
                do
                {
                    [|Thread.Sleep(10)|];
                } while (!_queue.TryDequeue(out item));
                return item;
            }
        }
        """);

    [Fact]
    public Task SleepWhilePollingARedisKeyForever() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Waiter
        {
            void WaitForFlag(IDatabase db)
            {
                while (true)
                {
                    if (db.KeyExists("ready")) return;
                    [|Thread.Sleep(50)|];
                }
            }
        }
        """);

    [Fact]
    public Task SleepWhilePollingASemaphore() => Verify.VerifyAsync("""
        using System.Threading;
        class Gate
        {
            private readonly SemaphoreSlim _gate = new(1);
            void Enter()
            {
                while (!_gate.Wait(0))
                    [|Thread.Sleep(5)|];
            }
        }
        """);

    [Fact]
    public Task SleepInAsyncLocalFunction() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Runner
        {
            Task Run()
            {
                return Inner();
                async Task Inner()
                {
                    [|Thread.Sleep(10)|];
                    await Task.Yield();
                }
            }
        }
        """);

    [Fact]
    public Task SleepInASyncPollingLambdaOnTheThreadPool() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Watcher
        {
            Task Watch(IDatabase db) => Task.Run(() =>
            {
                while (db.StringGet("state") != "done")
                    [|Thread.Sleep(200)|];
            });
        }
        """);

    [Fact]
    public async Task TopLevelStatementsWithAwait_AreAsync()
    {
        await Verify.VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            {|#0:Thread.Sleep(1000)|};
            await Task.Yield();
            """, withSteadfast: false, OutputKind.ConsoleApplication,
            Verify.Diagnostic(RuleIdentifiers.ThreadBlockingWaitInPollingLoop).WithLocation(0).WithArguments("in async method '<Main>$'", "await Task.Delay with a CancellationToken instead"));
    }

    [Fact]
    public async Task UnboundedPollOfAnInProcessQueueCount()
    {
        await Verify.VerifyAsync("""
            using System.Collections.Concurrent;
            using System.Threading;
            class Writer
            {
                private readonly ConcurrentQueue<string> _pending = new();
                void Flush(string line) { }
                void Run()
                {
                    while (true)
                    {
                        if (!_pending.IsEmpty && _pending.TryDequeue(out var line)) { Flush(line); continue; }
                        {|#0:Thread.Sleep(500)|};
                    }
                }
            }
            """, Verify.Diagnostic(RuleIdentifiers.ThreadBlockingWaitInPollingLoop).WithLocation(0).WithArguments(
                "in a loop that polls a queue, lock or key with no bound",
                "wait on a signal (a SemaphoreSlim, a BlockingCollection, pub/sub) or bound the wait and take a CancellationToken"));
    }

    [Fact]
    public async Task BusyWaitForAFlag()
    {
        await Verify.VerifyAsync("""
            using System.Threading;
            class Saver
            {
                private volatile bool _done;
                private int _pending;
                void WaitUntilDone()
                {
                    while (!_done) {|#0:Thread.Sleep(100)|};
                }
                void WaitForSaves()
                {
                    var count = _pending;
                    while (count != 0)
                    {
                        [|Thread.Sleep(50)|];
                        count = _pending;
                    }
                }
            }
            """, Verify.Diagnostic(RuleIdentifiers.ThreadBlockingWaitInPollingLoop).WithLocation(0).WithArguments(
                "in a loop that waits for a field to change, with no bound",
                "wait on a signal set where the state changes (a ManualResetEventSlim, a TaskCompletionSource) or bound the wait and take a CancellationToken"));
    }

    [Fact]
    public Task LoopThatWorksBetweenSleeps_IsNotABusyWait() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Ticker
        {
            private volatile bool _stop;
            void Run()
            {
                while (!_stop)
                {
                    Console.WriteLine(DateTime.UtcNow);
                    Thread.Sleep(1000);
                }
            }
        }
        """);

    [Fact]
    public async Task SyncLambdaOnTheThreadPoolThatNeverEnds()
    {
        await Verify.VerifyAsync("""
            using System.Threading;
            using System.Threading.Tasks;
            class KeepAlive
            {
                void Touch() { }
                void Start()
                {
                    Task.Run(() =>
                    {
                        while (true)
                        {
                            Touch();
                            {|#0:Thread.Sleep(10000)|};
                        }
                    });
                }
            }
            """, Verify.Diagnostic(RuleIdentifiers.ThreadBlockingWaitInPollingLoop).WithLocation(0).WithArguments(
                "of the thread pool in a loop that never ends",
                "run it as an async loop with await Task.Delay and a CancellationToken, or on a dedicated thread"));
    }

    [Fact]
    public Task MethodStartedOnThePoolThatNeverEnds() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        static class Flusher
        {
            static Flusher()
            {
                Task.Run(() => { Loop(); });
            }
            static void Write() { }
            static void Loop()
            {
                while (true)
                {
                    Write();
                    [|Thread.Sleep(1000)|];
                }
            }
        }
        """);

    // ---- Clean shapes ----

    [Fact]
    public Task SleepInSyncMethodOutsideAnyLoop() => Verify.VerifyAsync("""
        using System.Threading;
        class Demo
        {
            void SimulateLatency() => Thread.Sleep(10);
        }
        """);

    [Fact]
    public Task SleepInALoopThatPollsNothing() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Progress
        {
            void Show()
            {
                for (var i = 0; i <= 10; i++)
                {
                    Console.Write('.');
                    Thread.Sleep(100);
                }
            }
        }
        """);

    [Fact]
    public Task AwaitedDelayInAsyncPollingLoop() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Waiter
        {
            async Task WaitAsync(IDatabase db, CancellationToken ct)
            {
                while (!await db.KeyExistsAsync("ready"))
                    await Task.Delay(100, ct);
            }
        }
        """);

    [Fact]
    public Task SyncLambdaInsideAsyncMethod_NotInALoop() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class Runner
        {
            async Task RunAsync()
            {
                await Task.Run(() => Thread.Sleep(10));
            }
        }
        """);

    [Fact]
    public Task UntimedWaitIsNotAPoll() => Verify.VerifyAsync("""
        using System.Threading;
        class Worker
        {
            private readonly SemaphoreSlim _signal = new(0);
            void Run()
            {
                while (true)
                {
                    _signal.Wait();
                    Thread.Sleep(1);
                }
            }
        }
        """);

    [Fact]
    public Task BoundedPollWithARetryCount() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Waiter
        {
            bool WaitForFlag(IDatabase db)
            {
                for (var i = 0; i < 100; i++)
                {
                    if (db.KeyExists("ready")) return true;
                    Thread.Sleep(50);
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task DoWhileBoundedByAStopwatch() => Verify.VerifyAsync("""
        using System.Diagnostics;
        using System.Threading;
        using StackExchange.Redis;
        class Primary
        {
            bool Find(IServer server, int timeoutMs)
            {
                var sw = Stopwatch.StartNew();
                do
                {
                    if (!server.IsReplica) return true;
                    Thread.Sleep(100);
                }
                while (sw.ElapsedMilliseconds < timeoutMs);
                return false;
            }
        }
        """);

    [Fact]
    public Task LockPollBoundedByADeadline() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Locks
        {
            bool Acquire(IDatabase db, long timeoutMs)
            {
                var end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + timeoutMs;
                while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < end)
                {
                    if (db.StringSet("lock", "me", when: When.NotExists)) return true;
                    Thread.Sleep(1);
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task RetryCountDecrementedInTheCatch() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using StackExchange.Redis;
        class Lease
        {
            bool Extend(IDatabase db)
            {
                var ok = false;
                var left = 10;
                while (!ok && left >= 0)
                {
                    try { ok = db.LockExtend("k", "me", TimeSpan.FromSeconds(30)); }
                    catch (RedisException) { Thread.Sleep(3000); left--; }
                }
                return ok;
            }
        }
        """);

    [Fact]
    public Task PeriodicPassOnADedicatedThread() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Cleaner
        {
            private volatile bool _quit;
            void Run(IDatabase db)
            {
                while (!_quit)
                {
                    db.SortedSetRemoveRangeByRank("viewed", 20000, -1);
                    Thread.Sleep(60000);
                }
            }
        }
        """);

    [Fact]
    public Task LongRunningTaskIsADedicatedThread() => Verify.VerifyAsync("""
        using System.Threading;
        using System.Threading.Tasks;
        class KeepAlive
        {
            void Touch() { }
            void Start()
            {
                Task.Factory.StartNew(() =>
                {
                    while (true) { Touch(); Thread.Sleep(1000); }
                }, TaskCreationOptions.LongRunning);
            }
        }
        """);

    [Fact]
    public Task OwnSleepMethod() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        class Thread { public static void Sleep(int ms) { } }
        class Runner
        {
            async Task RunAsync() { Thread.Sleep(1); await Task.Yield(); }
        }
        """);
}
