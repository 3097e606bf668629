using Steadfast.Analyzers.Locks;
using Steadfast.Analyzers.Queues;
using Steadfast.Analyzers.SharedState;
using SF1001 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckAnalyzer,
    Steadfast.Analyzers.Locks.SF1001LockReleasedWithoutOwnershipCheckFixer>;
using SF2002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesAnalyzer,
    Steadfast.Analyzers.Queues.SF2002MessageLostIfConsumerCrashesFixer>;
using SF2003 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Queues.SF2003ThreadBlockingWaitInPollingLoopAnalyzer,
    Steadfast.Analyzers.Queues.SF2003ThreadBlockingWaitInPollingLoopFixer>;
using SF4001 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4001RetryLoopWithoutBackoffOrBoundAnalyzer,
    Steadfast.Analyzers.Resilience.SF4001RetryLoopWithoutBackoffOrBoundFixer>;
using SF3001 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyAnalyzer,
    Steadfast.Analyzers.SharedState.SF3001NonThreadSafeStateMutatedConcurrentlyFixer>;
using SF3002 = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.SharedState.SF3002InconsistentlyGuardedFieldAnalyzer,
    Steadfast.Analyzers.SharedState.SF3002InconsistentlyGuardedFieldFixer>;

namespace Steadfast.Analyzers.Tests.RealCodeShapes;

/// <summary>
/// Shapes from real code where a fix used to silence the rule and leave the bug (issue 18): the fix now removes the
/// bug, or is not offered.
/// </summary>
public sealed class RealCodeShapeFixTests
{
    // ---- A lock that hands the shared object out protects nothing: no lock fix ----

    [Fact]
    public Task SF3001_ReaderReturnsTheList_NoLockFix() => SF3001.VerifyNoFixAsync("""
        using System.Collections.Generic;
        using System.Threading;
        class Inbox
        {
            private readonly List<string> _messages = new();
            public void Receive(string text) => ThreadPool.QueueUserWorkItem(_ => [|_messages.Add(text)|]);
            public IEnumerable<string> All() => _messages;
        }
        """);

    // ---- The check and the act in one critical section ----

    [Fact]
    public Task SF3002_WriteUnderACheckOutsideTheLock_TakesTheLockAroundTheCheck() => SF3002.VerifyFixAsync("""
        using System.Threading;
        class Connector
        {
            private readonly object _gate = new();
            private object? _connection;
            public void Reset()
            {
                lock (_gate) { _connection = null; }
            }
            public object Connect()
            {
                if ([|_connection|] == null)
                {
                    [|_connection|] = new object();
                }
                return new object();
            }
        }
        """, """
        using System.Threading;
        class Connector
        {
            private readonly object _gate = new();
            private object? _connection;
            public void Reset()
            {
                lock (_gate) { _connection = null; }
            }
            public object Connect()
            {
                lock (_gate)
                {
                    if (_connection == null)
                    {
                        _connection = new object();
                    }
                }
                return new object();
            }
        }
        """);

    // ---- The acknowledgement of a processing list runs, and never with an empty pop ----

    [Fact]
    public Task SF2002_EveryPathLeavesTheLastHandler_NoProcessingListFix() => SF2002.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        class Worker
        {
            bool Run(IDatabase db)
            {
                while (true)
                {
                    var job = [|db.ListRightPop("jobs")|];
                    if (job.IsNull)
                    {
                        Console.WriteLine("idle");
                        return false;
                    }
                    else
                    {
                        Console.WriteLine(job);
                        return true;
                    }
                }
            }
        }
        """);

    // ---- A token created in Acquire that Release never sees is no fix ----

    [Fact]
    public Task SF1001_ReleaseInAnotherMethodDeletesTheKey_NoTokenFix() => SF1001.VerifyNoFixAsync("""
        using System;
        using StackExchange.Redis;
        class LockService
        {
            private readonly IDatabase _db;
            public LockService(IDatabase db) => _db = db;
            public bool Acquire(string key) => _db.StringSet(key, [|"locked"|], TimeSpan.FromSeconds(30), When.NotExists);
            public void Release(string key) => [|_db.KeyDelete(key)|];
        }
        """);

    // ---- A using the fix needs must not make a name the file already uses ambiguous ----

    [Fact]
    public Task SF2003_ProjectTypeNamedTask_NoUsingAdded_DelayStaysQualified() => SF2003.VerifyFixAsync("""
        using System.Threading;
        using Lib;
        using StackExchange.Redis;
        namespace Lib
        {
            public class Task { public string Name = ""; }
        }
        namespace Jobs
        {
            class Waiter
            {
                Task _current = new Task();
                async System.Threading.Tasks.Task WaitAsync(IDatabase db, CancellationToken cancellationToken)
                {
                    while (!await db.KeyExistsAsync(_current.Name))
                    {
                        [|Thread.Sleep(100)|];
                    }
                }
            }
        }
        """, """
        using System.Threading;
        using Lib;
        using StackExchange.Redis;
        namespace Lib
        {
            public class Task { public string Name = ""; }
        }
        namespace Jobs
        {
            class Waiter
            {
                Task _current = new Task();
                async System.Threading.Tasks.Task WaitAsync(IDatabase db, CancellationToken cancellationToken)
                {
                    while (!await db.KeyExistsAsync(_current.Name))
                    {
                        await System.Threading.Tasks.Task.Delay(100, cancellationToken);
                    }
                }
            }
        }
        """, equivalenceKey: SF2003ThreadBlockingWaitInPollingLoopFixer.AwaitTaskDelayKey);

    // ---- A worker loop counts consecutive failures, resets on success and never throws out of its loop ----

    [Fact]
    public Task SF4001_ListenerLoop_BacksOffOnConsecutiveFailuresAndKeepsRunning() => SF4001.VerifyFixAsync("""
        using System;
        class Listener
        {
            private volatile bool _running = true;
            void Poll() { }
            void Run()
            {
                [|while|] (_running)
                {
                    try
                    {
                        Poll();
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine(e.Message);
                    }
                }
            }
        }
        """, """
        using System;
        using System.Threading;
        class Listener
        {
            private volatile bool _running = true;
            void Poll() { }
            void Run()
            {
                var attempt = 0;
                while (_running)
                {
                    try
                    {
                        Poll();
                        attempt = 0;
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine(e.Message);
                        ++attempt;
                        Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, attempt), 30_000)));
                    }
                }
            }
        }
        """);

    // ---- A popped message added to a batch the caller gets is handled by the caller: no acknowledgement here ----

    [Fact]
    public Task SF2002_MessageAddedToAReturnedBatch_NoProcessingListFix() => SF2002.VerifyNoFixAsync("""
        using System.Collections.Generic;
        using StackExchange.Redis;
        class Batcher
        {
            List<RedisValue> Take(IDatabase db, int count)
            {
                var batch = new List<RedisValue>();
                while (batch.Count < count)
                {
                    var item = [|db.ListRightPop("work")|];
                    batch.Add(item);
                    if (item.IsNull) break;
                }
                return batch;
            }
        }
        """);
}
