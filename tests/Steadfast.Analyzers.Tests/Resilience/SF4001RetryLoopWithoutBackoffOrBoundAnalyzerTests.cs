using Microsoft.CodeAnalysis;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.Resilience.SF4001RetryLoopWithoutBackoffOrBoundAnalyzer>;

namespace Steadfast.Analyzers.Tests.Resilience;

public sealed class SF4001RetryLoopWithoutBackoffOrBoundAnalyzerTests
{
    private const string Advice = "add a bounded, growing delay or use a retry policy with a circuit breaker";

    // ---- Bad shapes ----

    [Fact]
    public Task NetworkLoopThatLogsAndGoesRoundUntilStopped() => Verify.VerifyAsync("""
        using System;
        class Peer
        {
            private volatile int _status = 1;
            void Heartbeat() { }
            void Log(string m) { }
            void NetworkLoop()
            {
                [|do|]
                {
                    try { Heartbeat(); }
                    catch (Exception ex) { Log(ex.ToString()); }
                } while (_status == 1);
            }
        }
        """);

    [Fact]
    public Task RepeatFlagSetInTheCatchAfterAnExceptionFilterMethod() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Linq;
        class Db
        {
            bool HandleException(Exception e) => true;
            object Open() => new object();
            void Run(string sql) { }
            void Select(IEnumerable<int> parameters)
            {
                bool repeat;
                var current = 0;
                [|do|]
                {
                    repeat = false;
                    if (!parameters.Any()) throw new ArgumentException("none");
                    var conn = Open();
                    try
                    {
                        foreach (var p in parameters.Skip(current))
                        {
                            Run("select");
                            current++;
                        }
                    }
                    catch (Exception e)
                    {
                        if (!HandleException(e))
                            throw;
                        repeat = true;
                    }
                } while (repeat);
            }
        }
        """);

    [Fact]
    public Task AcceptLoopSwallowingEveryFailureOfTheAcceptItself() => Verify.VerifyAsync("""
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        class Server
        {
            async Task Accept(TcpListener listener, CancellationTokenSource stop)
            {
                [|while|] (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var client = await listener.AcceptTcpClientAsync();
                        _ = Task.Run(() => client.Close());
                    }
                    catch
                    {
                    }
                }
            }
        }
        """);

    [Fact]
    public Task PromptLoopThatAsksTheUserAgain_IsClean() => Verify.VerifyAsync("""
        using System;
        class Setup
        {
            static int AskPort()
            {
                while (true)
                {
                    Console.Write("Port: ");
                    try
                    {
                        return int.Parse(Console.ReadLine() ?? "");
                    }
                    catch (FormatException)
                    {
                        Console.WriteLine("Not a number, try again.");
                    }
                }
            }
        }
        """);

    [Fact]
    public Task SeedCircuitBreaker_WhileTrueCatchAndGoRound() => Verify.VerifyAsync("""
        using System;
        class Payments
        {
            void Charge() { }
            void ChargeWithBreaker()
            {
                [|while|] (true)
                {
                    try
                    {
                        Charge();
                        return;
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine($"Fault detected: {e.Message}");
                    }
                }
            }
        }
        """);

    [Fact]
    public async Task MessageNamesTheRetriedCall()
    {
        await Verify.VerifyAsync("""
            using System;
            class Payments
            {
                int Charge() => 1;
                int Run()
                {
                    {|#0:for|} (;;)
                    {
                        try { return Charge(); }
                        catch { }
                    }
                }
            }
            """, Verify.Diagnostic(RuleIdentifiers.RetryLoopWithoutBackoffOrBound).WithLocation(0).WithArguments("This loop retries 'Charge' at once after every failure", Advice));
    }

    [Fact]
    public Task DoWhileTrue_Async() => Verify.VerifyAsync("""
        using System;
        using System.Net.Http;
        using System.Threading.Tasks;
        class Client
        {
            private readonly HttpClient _http = new();
            async Task<string> GetAsync()
            {
                [|do|]
                {
                    try { return await _http.GetStringAsync("http://localhost/"); }
                    catch (HttpRequestException) { continue; }
                } while (true);
            }
        }
        """);

    [Fact]
    public Task ConditionNeverChangedByTheBody() => Verify.VerifyAsync("""
        using System;
        class Sync
        {
            void Push() { }
            void Run()
            {
                var done = false;
                [|while|] (!done)
                {
                    try { Push(); }
                    catch (InvalidOperationException ex) { Console.Error.WriteLine(ex); }
                }
            }
        }
        """);

    [Fact]
    public Task CancellationLoopWithoutDelay() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Heartbeat
        {
            Task SendAsync(CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                [|while|] (!ct.IsCancellationRequested)
                {
                    try { await SendAsync(ct); }
                    catch (Exception) { }
                }
            }
        }
        """);

    [Fact]
    public Task FieldFlagLoop_InALambda() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Pump
        {
            private volatile bool _running = true;
            void Forward() { }
            Task Start() => Task.Run(() =>
            {
                [|while|] (_running)
                {
                    try { Forward(); }
                    catch (Exception e) { Console.WriteLine(e.Message); }
                }
            });
        }
        """);

    [Fact]
    public Task RedisCallRetriedInLocalFunction() => Verify.VerifyAsync("""
        using System;
        using StackExchange.Redis;
        class Cache
        {
            RedisValue Get(IDatabase db)
            {
                return Load();
                RedisValue Load()
                {
                    [|while|] (true)
                    {
                        try { return db.StringGet("k"); }
                        catch (RedisConnectionException) { }
                    }
                }
            }
        }
        """);

    [Fact]
    public Task TopLevelStatements() => Verify.VerifyAsync("""
        using System;
        [|while|] (true)
        {
            try
            {
                Console.WriteLine(int.Parse(System.IO.File.ReadAllText("count.txt")));
                break;
            }
            catch (FormatException) { }
        }
        """, withSteadfast: false, OutputKind.ConsoleApplication);

    [Fact]
    public Task IncrementWithoutComparisonIsNoBound() => Verify.VerifyAsync("""
        using System;
        class Job
        {
            int _failures;
            void Step() { }
            void Run()
            {
                [|while|] (true)
                {
                    try { Step(); return; }
                    catch (Exception) { _failures++; }
                }
            }
        }
        """);

    [Fact]
    public async Task MessageNamesTheAwaitedCall_NotConfigureAwait()
    {
        await Verify.VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class Sender
            {
                private readonly List<string> _sent = new();
                Task PublishAsync(string m) => Task.CompletedTask;
                async Task SendAsync(string m)
                {
                    {|#0:while|} (true)
                    {
                        try
                        {
                            _sent.Add(m);
                            await PublishAsync(m).ConfigureAwait(false);
                            return;
                        }
                        catch (TimeoutException) { }
                    }
                }
            }
            """, Verify.Diagnostic(RuleIdentifiers.RetryLoopWithoutBackoffOrBound).WithLocation(0)
                .WithArguments("This loop retries 'PublishAsync' at once after every failure", Advice));
    }

    [Fact]
    public Task DoWhileNotOk_FlagSetOnlyOnSuccess() => Verify.VerifyAsync("""
        using System;
        class Importer
        {
            void Load() { }
            void Run()
            {
                bool ok = false;
                [|do|]
                {
                    try
                    {
                        Load();
                        ok = true;
                    }
                    catch (Exception e) { Console.WriteLine(e.Message); }
                } while (!ok);
            }
        }
        """);

    [Fact]
    public Task WhileNotConnected_FlagSetOnlyOnSuccess_Async() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Link
        {
            private bool _connected;
            Task OpenAsync() => Task.CompletedTask;
            async Task ConnectAsync()
            {
                [|while|] (!_connected)
                {
                    try
                    {
                        await OpenAsync();
                        _connected = true;
                    }
                    catch (InvalidOperationException) { }
                }
            }
        }
        """);

    [Fact]
    public Task RepeatFlagSetAgainInTheCatch() => Verify.VerifyAsync("""
        using System;
        class Query
        {
            bool IsTransient(Exception e) => true;
            int Execute() => 1;
            int Run()
            {
                int rows = 0;
                bool again;
                [|do|]
                {
                    again = false;
                    try { rows = Execute(); }
                    catch (Exception e)
                    {
                        if (!IsTransient(e)) throw;
                        again = true;
                    }
                } while (again);
                return rows;
            }
        }
        """);

    [Fact]
    public Task ConditionalRethrowStillLoopsBack() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        class Files
        {
            void Move() { }
            void Run()
            {
                [|while|] (true)
                {
                    try { Move(); return; }
                    catch (IOException e)
                    {
                        if (e.HResult == 5) throw;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task EmptyLoopAroundAnAwaitedAttempt() => Verify.VerifyAsync("""
        using System.Threading.Tasks;
        class Link
        {
            Task<bool> TryConnectAsync() => Task.FromResult(true);
            async Task ConnectAsync()
            {
                [|while|] (!await TryConnectAsync())
                {
                }
            }
        }
        """);

    [Fact]
    public Task EmptyLoopAroundASyncAttemptThatCatches() => Verify.VerifyAsync("""
        using System;
        class Link
        {
            bool TryOpen()
            {
                try { Open(); return true; }
                catch (InvalidOperationException) { return false; }
            }
            void Open() { }
            void Connect()
            {
                [|while|] (!TryOpen()) ;
            }
        }
        """);

    [Fact]
    public Task GotoBackToALabelFromTheCatch() => Verify.VerifyAsync("""
        using System;
        class Uploader
        {
            void Upload() { }
            void Run()
            {
            again:
                try
                {
                    Upload();
                }
                catch (TimeoutException)
                {
                    [|goto|] again;
                }
            }
        }
        """);

    [Fact]
    public async Task MethodCallingItselfFromItsCatch()
    {
        await Verify.VerifyAsync("""
            using System;
            class Listener
            {
                void Bind() { }
                void Listen()
                {
                    try
                    {
                        Bind();
                    }
                    catch (InvalidOperationException)
                    {
                        {|#0:Listen()|};
                    }
                }
            }
            """, Verify.Diagnostic(RuleIdentifiers.RetryLoopWithoutBackoffOrBound).WithLocation(0)
                .WithArguments("'Listen' calls itself from its catch block: every failure retries at once", Advice));
    }

    [Fact]
    public Task SyncMethodCallingItselfAfterASleep_StackGrows() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Listener
        {
            void Bind() { }
            void Listen()
            {
                try { Bind(); }
                catch (InvalidOperationException)
                {
                    Thread.Sleep(10);
                    [|Listen()|];
                }
            }
        }
        """);

    [Fact]
    public async Task BreakerRejectionSwallowedAndLoopGoesRound()
    {
        await Verify.VerifyAsync("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Steadfast.CircuitBreakers;
            class Client
            {
                private readonly CircuitBreaker _breaker = new(new CircuitBreakerOptions());
                async Task RunAsync(CancellationToken ct)
                {
                    {|#0:while|} (true)
                    {
                        try { await _breaker.ExecuteAsync(_ => ValueTask.CompletedTask, ct); return; }
                        catch (Exception) { }
                    }
                }
            }
            """, withSteadfast: true,
            Verify.Diagnostic(RuleIdentifiers.RetryLoopWithoutBackoffOrBound).WithLocation(0).WithArguments(
                "This loop catches the circuit breaker's open-circuit rejection of 'ExecuteAsync' and goes round at once",
                "wait the breaker's RetryAfter before the next attempt, or let the rejection end the loop"));
    }

    [Fact]
    public Task BreakerOpenExceptionCaughtByName() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.CircuitBreakers;
        class Client
        {
            private readonly CircuitBreaker _breaker = new(new CircuitBreakerOptions());
            async Task RunAsync(CancellationToken ct)
            {
                [|while|] (!ct.IsCancellationRequested)
                {
                    try { await _breaker.ExecuteAsync(_ => ValueTask.CompletedTask, ct); }
                    catch (CircuitBreakerOpenException) { }
                }
            }
        }
        """, withSteadfast: true);

    // ---- Clean shapes ----

    [Fact]
    public Task CountedAttemptsThatRethrow() => Verify.VerifyAsync("""
        using System;
        class Payments
        {
            void Charge() { }
            void Run()
            {
                var attempt = 0;
                while (true)
                {
                    try { Charge(); return; }
                    catch (Exception) when (++attempt < 3) { }
                }
            }
        }
        """);

    [Fact]
    public Task ForLoopWithABound() => Verify.VerifyAsync("""
        using System;
        class Payments
        {
            void Charge() { }
            void Run()
            {
                for (var i = 0; i < 5; i++)
                {
                    try { Charge(); return; }
                    catch (Exception) { }
                }
            }
        }
        """);

    [Fact]
    public Task GrowingAwaitedDelay() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Client
        {
            Task CallAsync() => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                var delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    try { await CallAsync(); return; }
                    catch (Exception)
                    {
                        await Task.Delay(delay, ct);
                        delay *= 2;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task RethrowsOrReturnsFromTheCatch() => Verify.VerifyAsync("""
        using System;
        class Payments
        {
            void Charge() { }
            bool Run()
            {
                while (true)
                {
                    try { Charge(); return true; }
                    catch (TimeoutException) { return false; }
                    catch (Exception) { throw; }
                }
            }
        }
        """);

    [Fact]
    public Task WorkerLoopThatExitsOnTokenAndDelays() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Worker
        {
            Task DoWorkAsync(CancellationToken ct) => Task.CompletedTask;
            async Task RunAsync(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try { await DoWorkAsync(ct); }
                    catch (Exception e) { Console.WriteLine(e); }
                    await Task.Delay(TimeSpan.FromSeconds(5), ct);
                }
            }
        }
        """);

    [Fact]
    public Task ConsumerLoopPacedByTheQueue() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Concurrent;
        using System.Threading;
        class Consumer
        {
            private readonly BlockingCollection<string> _inbox = new();
            void Handle(string message) { }
            void Run(CancellationToken ct)
            {
                while (true)
                {
                    try { Handle(_inbox.Take(ct)); }
                    catch (FormatException e) { Console.WriteLine(e); }
                }
            }
        }
        """);

    [Fact]
    public Task BreakerRejectionWaitsRetryAfter() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.CircuitBreakers;
        class Client
        {
            private readonly CircuitBreaker _breaker = new(new CircuitBreakerOptions());
            async Task RunAsync(CancellationToken ct)
            {
                while (true)
                {
                    try { await _breaker.ExecuteAsync(_ => ValueTask.CompletedTask, ct); return; }
                    catch (CircuitBreakerOpenException e) { await Task.Delay(e.RetryAfter, ct); }
                }
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task BreakerRejectionEndsTheLoop() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.CircuitBreakers;
        class Client
        {
            private readonly CircuitBreaker _breaker = new(new CircuitBreakerOptions());
            async Task RunAsync(CancellationToken ct)
            {
                while (true)
                {
                    try { await _breaker.ExecuteAsync(_ => ValueTask.CompletedTask, ct); return; }
                    catch (CircuitBreakerOpenException) { return; }
                    catch (TimeoutException) when (ct.IsCancellationRequested) { }
                }
            }
        }
        """, withSteadfast: true);

    [Fact]
    public Task PostIncrementBoundInTheCondition() => Verify.VerifyAsync("""
        using System;
        class Unloader
        {
            void Unload() { }
            bool Run(int maxRetries)
            {
                var retries = 0;
                while (retries++ <= maxRetries)
                {
                    try { Unload(); return true; }
                    catch (InvalidOperationException) { }
                }
                return false;
            }
        }
        """);

    [Fact]
    public Task StopwatchDeadlineCheckedAfterTheCatch() => Verify.VerifyAsync("""
        using System;
        using System.Diagnostics;
        class Resolver
        {
            string Lookup() => "";
            string Run(TimeSpan maxWait)
            {
                var sw = Stopwatch.StartNew();
                while (true)
                {
                    try { return Lookup(); }
                    catch { }
                    if (sw.Elapsed > maxWait) throw new TimeoutException();
                }
            }
        }
        """);

    [Fact]
    public Task BoundInACatchFilterAndDelayInAnAwaitedHelper() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Policy
        {
            public bool CanRetry(int attempt, Exception e) => attempt < 3;
            public async Task PauseAsync(int attempt) => await Task.Delay(100 * attempt);
        }
        class Db
        {
            private readonly Policy _policy = new();
            Task<int> RunOnceAsync() => Task.FromResult(1);
            async Task<int> RunAsync()
            {
                int attempt = 0;
                while (true)
                {
                    try { return await RunOnceAsync().ConfigureAwait(false); }
                    catch (Exception e) when (_policy.CanRetry(++attempt, e))
                    {
                        await _policy.PauseAsync(attempt).ConfigureAwait(false);
                    }
                }
            }
        }
        """);

    [Fact]
    public Task CounterPassedByRefToAHelperThatDecides() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        class FileLock
        {
            bool CanRetry(ref int count) => ++count < 3;
            FileStream Open() => null!;
            FileStream Run()
            {
                var count = 0;
                while (true)
                {
                    try { return Open(); }
                    catch (UnauthorizedAccessException)
                    {
                        if (CanRetry(ref count)) continue;
                        throw;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task DrainingAStack_StateMachine() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        class Tree
        {
            void Create(string path) { }
            void Run(string leaf)
            {
                var pending = new Stack<string>();
                pending.Push(leaf);
                while (pending.Count > 0)
                {
                    var next = pending.Peek();
                    try { Create(next); pending.Pop(); }
                    catch (InvalidOperationException) { pending.Push(next + "/.."); }
                }
            }
        }
        """);

    [Fact]
    public Task DrainingAQueueUntilEmpty_Async() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        class Flusher
        {
            private readonly Queue<string> _events = new();
            Task WriteAsync(string e) => Task.CompletedTask;
            async Task FlushAsync()
            {
                while (_events.Count > 0)
                {
                    var e = _events.Dequeue();
                    try { await WriteAsync(e); }
                    catch (InvalidOperationException) { }
                }
            }
        }
        """);

    [Fact]
    public Task ReadsTheNextItemOutsideTheTry() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        class Pump
        {
            void Handle(string line) { }
            async Task RunAsync(StreamReader reader, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    var line = await reader.ReadLineAsync();
                    try { Handle(line!); }
                    catch (FormatException) { }
                }
            }
        }
        """);

    [Fact]
    public Task BlockingPopWithATimeout() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Subscriber
        {
            string BLPop(int timeout, string key) => "";
            void Handle(string m) { }
            void Run(CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try { Handle(BLPop(5, "jobs")); }
                    catch (InvalidOperationException) { }
                }
            }
        }
        """);

    [Fact]
    public Task BlockingRedisCommandThroughExecute() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using StackExchange.Redis;
        class Worker
        {
            void Handle(RedisResult r) { }
            async Task RunAsync(IDatabase db, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    try { Handle(await db.ExecuteAsync("BRPOP", "jobs", 5)); }
                    catch (RedisException) { }
                }
            }
        }
        """);

    [Fact]
    public Task TimedJoinBeforeEachAttempt() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Watcher
        {
            string Resolve() => "";
            void Run()
            {
                while (true)
                {
                    Thread.CurrentThread.Join(1000);
                    try { Resolve(); return; }
                    catch (Exception) { }
                }
            }
        }
        """);

    [Fact]
    public Task AwaitedSignalBetweenRounds() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Timer
        {
            Task Tick() => Task.CompletedTask;
            async Task RunAsync(Task wait, CancellationToken ct)
            {
                while (!ct.IsCancellationRequested)
                {
                    var stop = new TaskCompletionSource<object>();
                    await Task.WhenAny(wait, stop.Task);
                    try { await Tick(); }
                    catch (Exception) { }
                }
            }
        }
        """);

    [Fact]
    public Task CatchThatAlwaysReturnsOrThrowsOnEveryPath() => Verify.VerifyAsync("""
        using System;
        class Payments
        {
            void Charge() { }
            bool Run(bool strict)
            {
                while (true)
                {
                    try { Charge(); return true; }
                    catch (Exception)
                    {
                        if (strict) throw;
                        else return false;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task RecursiveRetryWithAnAttemptParameter() => Verify.VerifyAsync("""
        using System;
        class Listener
        {
            void Bind() { }
            void Listen(int attempt)
            {
                try { Bind(); }
                catch (InvalidOperationException)
                {
                    if (attempt < 3) Listen(attempt + 1);
                }
            }
        }
        """);

    [Fact]
    public Task AsyncRecursiveRetryAfterADelay() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Listener
        {
            Task BindAsync() => Task.CompletedTask;
            async Task ListenAsync()
            {
                try { await BindAsync(); }
                catch (InvalidOperationException)
                {
                    await Task.Delay(1000);
                    await ListenAsync();
                }
            }
        }
        """);

    [Fact]
    public Task GotoWithACounter() => Verify.VerifyAsync("""
        using System;
        class Uploader
        {
            void Upload() { }
            void Run()
            {
                var tries = 0;
            again:
                try { Upload(); }
                catch (TimeoutException)
                {
                    if (++tries < 3) goto again;
                    throw;
                }
            }
        }
        """);

    [Fact]
    public Task EmptySpinOnAnInProcessTry() => Verify.VerifyAsync("""
        using System.Collections.Concurrent;
        class Spin
        {
            void Run(ConcurrentQueue<int> q)
            {
                int item;
                while (!q.TryDequeue(out item)) { }
            }
        }
        """);

    [Fact]
    public Task RecursiveRetryFromAFilteredCatch() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Cache
        {
            Task<string> ReadAsync() => Task.FromResult("");
            Task MigrateAsync() => Task.CompletedTask;
            async Task<string> GetAsync()
            {
                try { return await ReadAsync(); }
                catch (InvalidOperationException e) when (e.Message.StartsWith("WRONGTYPE"))
                {
                    await MigrateAsync();
                    return await GetAsync();
                }
            }
        }
        """);

    [Fact]
    public Task RecursiveRetryAfterSwitchingToAFallbackMode() => Verify.VerifyAsync("""
        using System;
        class Client
        {
            private int _version;
            void Probe() { }
            void Open() { }
            void Connect()
            {
                Open();
                if (_version == 0)
                {
                    try { Probe(); }
                    catch (Exception)
                    {
                        _version = -1;
                        Connect();
                        return;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task DelayTwoHelpersDeep() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Socket
        {
            private bool _disposed;
            async Task<int> GetStreamAsync() => await ReconnectAsync();
            async Task<int> ReconnectAsync() { await Task.Delay(100); return 1; }
            void Pump(int stream) { }
            void Run()
            {
                while (!_disposed)
                {
                    try { Pump(GetStreamAsync().Result); }
                    catch (Exception) { }
                }
            }
        }
        """);

    [Fact]
    public Task AwaitedRepairOutsideTheTryEachRound() => Verify.VerifyAsync("""
        using System;
        using System.Threading.Tasks;
        class Nodes
        {
            Task EnsureParentAsync() => Task.CompletedTask;
            Task<string> CreateAsync() => Task.FromResult("");
            async Task<string> RunAsync()
            {
                while (true)
                {
                    await EnsureParentAsync();
                    try { return await CreateAsync(); }
                    catch (InvalidOperationException) { }
                }
            }
        }
        """);

    [Fact]
    public Task GotoAfterTheCatchChangesWhatIsTried() => Verify.VerifyAsync("""
        using System;
        class Keys
        {
            void Import(string key) { }
            void Run(string key)
            {
            again:
                if (key.StartsWith("-"))
                {
                    try { Import(key); }
                    catch { key = key.Trim('-'); goto again; }
                }
            }
        }
        """);

    [Fact]
    public Task FilteredCatchThatPicksTheNextName() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        class Files
        {
            string Claim(string dir)
            {
                var name = "log";
                var index = 1;
                while (true)
                {
                    var path = Path.Combine(dir, name);
                    try { using (new FileStream(path, FileMode.CreateNew)) { } return path; }
                    catch (IOException) when (File.Exists(path)) { name = "log-" + index++; }
                }
            }
        }
        """);

    [Fact]
    public Task RecursiveRetryOnceWithAConstantFlag() => Verify.VerifyAsync("""
        using System;
        class Proxy
        {
            void Apply() { }
            void Update(bool noRetry)
            {
                try { Apply(); }
                catch (InvalidOperationException)
                {
                    if (!noRetry) Update(true);
                }
            }
        }
        """);

    [Fact]
    public Task LoopWithoutTryCatch() => Verify.VerifyAsync("""
        using System;
        class Repl
        {
            void Run()
            {
                while (true)
                {
                    var line = Console.ReadLine();
                    if (line == "quit") break;
                    Console.WriteLine(line);
                }
            }
        }
        """);

    // ---- A delay in one catch paces only that catch; a timeout race is no delay (issue 13, reconnect loops) ----

    [Fact]
    public Task CatchAllGoesRoundAtOnceWhileAnotherCatchWaits() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        class Link
        {
            Task OpenAsync() => Task.CompletedTask;
            void Log(Exception e) { }
            async Task KeepOpenAsync(CancellationToken stop)
            {
                {|#0:while|} (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await OpenAsync();
                        return;
                    }
                    catch (IOException)
                    {
                        await Task.Delay(1000, stop);
                    }
                    catch (Exception e)
                    {
                        Log(e);
                    }
                }
            }
        }
        """, Verify.Diagnostic("SF4001").WithLocation(0).WithArguments("This loop retries 'OpenAsync' at once after every failure", Advice));

    [Fact]
    public Task ConnectRacedAgainstATimeoutIsNoDelay() => Verify.VerifyAsync("""
        using System;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        class Dialer
        {
            void Log(Exception e) { }
            async Task<TcpClient> DialAsync(string host, int port, CancellationToken stop)
            {
                {|#0:while|} (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var client = new TcpClient();
                        var connecting = client.ConnectAsync(host, port);
                        if (await Task.WhenAny(connecting, Task.Delay(TimeSpan.FromSeconds(2), stop)) == connecting && client.Connected)
                            return client;
                        throw new SocketException((int)SocketError.TimedOut);
                    }
                    catch (Exception e)
                    {
                        Log(e);
                    }
                }
                return null;
            }
        }
        """, Verify.Diagnostic("SF4001").WithLocation(0).WithArguments("This loop retries 'ConnectAsync' at once after every failure", Advice));

    [Fact]
    public Task Clean_EveryCatchThatGoesRoundWaitsFirst() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        using System.Threading;
        using System.Threading.Tasks;
        class Link
        {
            Task OpenAsync() => Task.CompletedTask;
            void Log(Exception e) { }
            async Task KeepOpenAsync(CancellationToken stop)
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await OpenAsync();
                        return;
                    }
                    catch (IOException)
                    {
                        await Task.Delay(1000, stop);
                    }
                    catch (Exception e)
                    {
                        Log(e);
                        throw;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Clean_WaitForASignalOrATimeoutAfterEachRound() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Pump
        {
            private TaskCompletionSource<bool> _more = new TaskCompletionSource<bool>();
            void Process() { }
            void Log(Exception e) { }
            async Task RunAsync(CancellationToken stop)
            {
                while (!stop.IsCancellationRequested)
                {
                    try { Process(); }
                    catch (Exception e) { Log(e); }
                    await Task.WhenAny(_more.Task, Task.Delay(1000, stop));
                }
            }
        }
        """);

    [Fact]
    public Task TimeBoundInOneCatchFilterLeavesTheCatchAllUnbounded() => Verify.VerifyAsync("""
        using System;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        class Reconnector
        {
            private readonly TimeSpan _giveUpAfter = TimeSpan.FromMinutes(1);
            Task ConnectAsync() => Task.CompletedTask;
            void Log(Exception e) { }
            async Task ReconnectAsync(CancellationToken stop)
            {
                var started = DateTime.UtcNow;
                {|#0:while|} (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await ConnectAsync();
                        return;
                    }
                    catch (SocketException) when (DateTime.UtcNow - started <= _giveUpAfter)
                    {
                        await Task.Delay(1000, stop);
                    }
                    catch (Exception e)
                    {
                        Log(e);
                    }
                }
            }
        }
        """, Verify.Diagnostic("SF4001").WithLocation(0).WithArguments("This loop retries 'ConnectAsync' at once after every failure", Advice));

    [Fact]
    public Task Clean_ReopenTriedInsideACatchThatWaitsFirst() => Verify.VerifyAsync("""
        using System.Threading;
        class Listener
        {
            private volatile bool _running = true;
            void Accept() { }
            void Close() { }
            void Reopen() { }
            void Listen()
            {
                while (_running)
                {
                    try { Accept(); }
                    catch
                    {
                        Close();
                        Thread.Sleep(1000);
                        try { Reopen(); }
                        catch { }
                    }
                }
            }
        }
        """);

    // ---- Shapes from the real-code evaluation (issue 13) ----

    [Fact]
    public Task Clean_BlockingPopLoopWhoseCatchAllWaits() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Subscriber
        {
            private volatile bool _stopped;
            private readonly Store _store = new Store();
            void Handle(string item) { }
            void Pump()
            {
                while (!_stopped)
                {
                    try
                    {
                        var item = _store.BlockingPop(5);
                        if (item != null) Handle(item);
                    }
                    catch (ObjectDisposedException)
                    {
                    }
                    catch (Exception)
                    {
                        Thread.Sleep(3000);
                    }
                }
            }
        }
        class Store { public string BlockingPop(int seconds) => null; }
        """);

    [Fact]
    public Task Clean_ListenerLoopEndsOnTheFailuresABrokenListenerRaises() => Verify.VerifyAsync("""
        using System;
        using System.Net;
        using System.Threading;
        using System.Threading.Tasks;
        class Gateway
        {
            void Serve(HttpListenerContext context) { }
            async Task RunAsync(HttpListener listener, CancellationToken stop)
            {
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var context = await listener.GetContextAsync().ConfigureAwait(false);
                        Serve(context);
                    }
                    catch (ObjectDisposedException) { break; }
                    catch (HttpListenerException) { break; }
                    catch { }
                }
            }
        }
        """);

    [Fact]
    public Task ConsumeLoopWhoseOnlyExitIsCancellationStillSpins() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Worker
        {
            private readonly Broker _broker = new Broker();
            void Log(Exception e) { }
            void Run()
            {
                {|#0:while|} (true)
                {
                    try
                    {
                        _broker.Consume();
                    }
                    catch (OperationCanceledException) { throw; }
                    catch (Exception e) { Log(e); }
                }
            }
        }
        class Broker { public string Consume() => ""; }
        """, Verify.Diagnostic("SF4001").WithLocation(0).WithArguments("This loop retries 'Consume' at once after every failure", Advice));

    [Fact]
    public Task Clean_ReadAnsweredByTheConnectionsOwnWorker() => Verify.VerifyAsync("""
        using System;
        using System.Collections.Concurrent;
        using System.Threading;
        using System.Threading.Tasks;
        interface ILink { Task<byte[]> ReadAsync(int size, CancellationToken ct); }
        sealed class PendingRead
        {
            public PendingRead(int size) { Size = size; }
            public int Size { get; }
            public TaskCompletionSource<byte[]> Answer { get; } = new TaskCompletionSource<byte[]>();
        }
        sealed class Link : ILink
        {
            // A worker takes these, reconnecting with a growing delay when the socket breaks, and answers each one.
            private readonly BlockingCollection<PendingRead> _pending = new BlockingCollection<PendingRead>();
            public Task<byte[]> ReadAsync(int size, CancellationToken ct) => Enqueue(size);
            private Task<byte[]> Enqueue(int size)
            {
                var read = new PendingRead(size);
                _pending.Add(read);
                return read.Answer.Task;
            }
        }
        class Connection
        {
            private readonly ILink _link;
            private readonly CancellationTokenSource _closed = new CancellationTokenSource();
            public Connection(ILink link) { _link = link; }
            void Dispatch(byte[] frame) { }
            void Log(Exception e) { }
            async Task PollAsync()
            {
                while (!_closed.IsCancellationRequested)
                {
                    try
                    {
                        var frame = await _link.ReadAsync(4, _closed.Token).ConfigureAwait(false);
                        Dispatch(frame);
                    }
                    catch (Exception e)
                    {
                        Log(e);
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Clean_ReceiveLoopWhoseCatchStartsItsOwnersShutdown() => Verify.VerifyAsync("""
        using System;
        using System.IO;
        class Session
        {
            private volatile bool _running = true;
            private readonly Channel _channel = new Channel();
            void Route(byte[] frame) { }
            void OnConnectionClosing() { _running = false; }
            void ReceiveLoop()
            {
                var header = new byte[1];
                while (_running)
                {
                    try
                    {
                        if (_channel.Fill(header) > 0) Route(header);
                    }
                    catch (Exception e)
                    {
                        if (e is IOException)
                            this.OnConnectionClosing();
                    }
                }
            }
        }
        class Channel { public int Fill(byte[] buffer) => buffer.Length; }
        """);

    [Fact]
    public Task ClosingAnotherObjectInTheCatchDoesNotEndTheLoop() => Verify.VerifyAsync("""
        using System;
        class Sender
        {
            private volatile bool _running = true;
            Conn Open() => new Conn();
            void Pump()
            {
                Conn conn = null;
                {|#0:while|} (_running)
                {
                    try
                    {
                        conn = Open();
                        conn.Send();
                    }
                    catch
                    {
                        conn?.Close();
                    }
                }
            }
        }
        class Conn { public void Send() { } public void Close() { } }
        """, Verify.Diagnostic("SF4001").WithLocation(0).WithArguments("This loop retries 'Open' at once after every failure", Advice));

    [Fact]
    public Task ReconnectLoopThatOnlyCapsItsConnectTimeoutIsUnbounded() => Verify.VerifyAsync("""
        using System;
        using System.Net;
        using System.Net.Sockets;
        using System.Threading;
        using System.Threading.Tasks;
        class Dialer
        {
            private static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);
            void Log(Exception e) { }
            async Task ReconnectAsync(IPAddress address, int port, CancellationToken stop)
            {
                var timeout = TimeSpan.FromSeconds(2);
                {|#0:while|} (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var client = new TcpClient();
                        var connecting = client.ConnectAsync(address, port);
                        if (await Task.WhenAny(connecting, Task.Delay(timeout, stop)) == connecting)
                            return;
                        if (timeout < Longest)
                            timeout = timeout.Add(TimeSpan.FromSeconds(2));
                        throw new SocketException((int)SocketError.TimedOut);
                    }
                    catch (Exception e)
                    {
                        Log(e);
                    }
                }
            }
        }
        """, Verify.Diagnostic("SF4001").WithLocation(0).WithArguments("This loop retries 'ConnectAsync' at once after every failure", Advice));

    [Fact]
    public Task HeartbeatLoopWhoseHelperOnlyEntersAMutexIsNotPaced() => Verify.VerifyAsync("""
        using System;
        using System.Threading;
        class Peer
        {
            private readonly Mutex _bindMutex = new Mutex();
            private volatile int _status = 1;
            void Rebind() { _bindMutex.WaitOne(); try { } finally { _bindMutex.ReleaseMutex(); } }
            void Heartbeat() { Rebind(); }
            void Warn(string m) { }
            void NetworkLoop()
            {
                [|do|]
                {
                    try { Heartbeat(); }
                    catch (Exception ex) { Warn(ex.Message); }
                } while (_status == 1);
            }
        }
        """);
}
