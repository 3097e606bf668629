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
    public Task SleepWhilePollingARedisKey() => Verify.VerifyAsync("""
        using System.Threading;
        using StackExchange.Redis;
        class Waiter
        {
            bool WaitForFlag(IDatabase db)
            {
                for (var i = 0; i < 100; i++)
                {
                    if (db.KeyExists("ready")) return true;
                    [|Thread.Sleep(50)|];
                }
                return false;
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
            Verify.Diagnostic(RuleIdentifiers.ThreadBlockingWaitInPollingLoop).WithLocation(0).WithArguments("in async method '<Main>$'"));
    }

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
    public Task OwnSleepMethod() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        class Thread { public static void Sleep(int ms) { } }
        class Runner
        {
            async Task RunAsync() { Thread.Sleep(1); await Task.Yield(); }
        }
        """);
}
