using Microsoft.CodeAnalysis;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<Steadfast.Analyzers.Resilience.SF4001RetryLoopWithoutBackoffOrBoundAnalyzer>;

namespace Steadfast.Analyzers.Tests.Resilience;

public sealed class SF4001RetryLoopWithoutBackoffOrBoundAnalyzerTests
{
    // ---- Bad shapes ----

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
            """, Verify.Diagnostic(RuleIdentifiers.RetryLoopWithoutBackoffOrBound).WithLocation(0).WithArguments("Charge"));
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
                Console.WriteLine(int.Parse(Console.ReadKey().KeyChar.ToString()));
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
    public Task ThroughASteadfastBreaker() => Verify.VerifyAsync("""
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
                    catch (Exception) { }
                }
            }
        }
        """, withSteadfast: true);

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
}
