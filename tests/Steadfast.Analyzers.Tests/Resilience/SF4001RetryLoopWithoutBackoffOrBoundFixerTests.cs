using Steadfast.Analyzers.Resilience;
using Verify = Steadfast.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    Steadfast.Analyzers.Resilience.SF4001RetryLoopWithoutBackoffOrBoundAnalyzer,
    Steadfast.Analyzers.Resilience.SF4001RetryLoopWithoutBackoffOrBoundFixer>;

namespace Steadfast.Analyzers.Tests.Resilience;

public sealed class SF4001RetryLoopWithoutBackoffOrBoundFixerTests
{
    [Fact]
    public Task Sync_BoundAndSleep() => Verify.VerifyFixAsync("""
        using System;
        class Payments
        {
            void Charge() { }
            void ChargeWithBreaker()
            {
                // the seed's breaker
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
        """, """
        using System;
        using System.Threading;
        class Payments
        {
            void Charge() { }
            void ChargeWithBreaker()
            {
                const int maxAttempts = 5;
                var attempt = 0;
                // the seed's breaker
                while (true)
                {
                    try
                    {
                        Charge();
                        return;
                    }
                    catch (Exception e)
                    {
                        Console.WriteLine($"Fault detected: {e.Message}");
                        if (++attempt >= maxAttempts)
                            throw;
                        Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, attempt), 30_000)));
                    }
                }
            }
        }
        """, equivalenceKey: SF4001RetryLoopWithoutBackoffOrBoundFixer.BoundAndBackOffKey);

    [Fact]
    public Task Async_BoundAndAwaitDelayWithToken_BeforeTrailingContinue() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Client
        {
            Task<string> FetchAsync(CancellationToken ct) => Task.FromResult("");
            async Task<string> GetAsync(CancellationToken ct)
            {
                [|do|]
                {
                    try { return await FetchAsync(ct); }
                    catch (TimeoutException) { continue; }
                } while (true);
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Client
        {
            Task<string> FetchAsync(CancellationToken ct) => Task.FromResult("");
            async Task<string> GetAsync(CancellationToken ct)
            {
                const int maxAttempts = 5;
                var attempt = 0;
                do
                {
                    try { return await FetchAsync(ct); }
                    catch (TimeoutException) { if (++attempt >= maxAttempts) throw; await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, attempt), 30_000)), ct); continue; }
                } while (true);
            }
        }
        """, equivalenceKey: SF4001RetryLoopWithoutBackoffOrBoundFixer.BoundAndBackOffKey);

    [Fact]
    public Task Steadfast_RetryPolicyWithOnRetryAndShouldHandle() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        class Client
        {
            Task<int> FetchAsync(CancellationToken ct) => Task.FromResult(1);
            async Task<int> GetAsync(CancellationToken ct)
            {
                [|while|] (true)
                {
                    try
                    {
                        var value = await FetchAsync(ct);
                        return value;
                    }
                    catch (TimeoutException e)
                    {
                        Console.WriteLine(e.Message);
                    }
                }
            }
        }
        """, """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Steadfast.Retry;
        class Client
        {
            Task<int> FetchAsync(CancellationToken ct) => Task.FromResult(1);
            async Task<int> GetAsync(CancellationToken ct)
            {
                return await new RetryPolicy(new RetryOptions
                {
                    MaxAttempts = 5,
                    ShouldHandle = exception => exception is TimeoutException,
                    OnRetry = retry =>
                    {
                        var e = (TimeoutException)retry.Exception;
                        Console.WriteLine(e.Message);
                    }
                }).ExecuteAsync(async (_) =>
                {
                    var value = await FetchAsync(ct);
                    return value;
                }, ct);
            }
        }
        """, withSteadfast: true, equivalenceKey: SF4001RetryLoopWithoutBackoffOrBoundFixer.UseSteadfastRetryKey);

    [Fact]
    public Task Steadfast_ThroughTheTypesBreaker_BreakExit() => Verify.VerifyFixAsync("""
        using System;
        using System.Threading.Tasks;
        using Steadfast.CircuitBreakers;
        class Client
        {
            private readonly CircuitBreaker _breaker = new(new CircuitBreakerOptions());
            Task SendAsync() => Task.CompletedTask;
            async Task RunAsync()
            {
                [|while|] (true)
                {
                    try
                    {
                        await SendAsync();
                        break;
                    }
                    catch (Exception)
                    {
                    }
                }
                Console.WriteLine("sent");
            }
        }
        """, """
        using System;
        using System.Threading.Tasks;
        using Steadfast.CircuitBreakers;
        using Steadfast.Retry;
        class Client
        {
            private readonly CircuitBreaker _breaker = new(new CircuitBreakerOptions());
            Task SendAsync() => Task.CompletedTask;
            async Task RunAsync()
            {
                await new RetryPolicy(new RetryOptions { MaxAttempts = 5 }).ExecuteAsync(attemptToken => _breaker.ExecuteAsync(async (_) =>
                {
                    await SendAsync();
                }, attemptToken));
                Console.WriteLine("sent");
            }
        }
        """, withSteadfast: true, equivalenceKey: SF4001RetryLoopWithoutBackoffOrBoundFixer.UseSteadfastRetryKey);

    [Fact]
    public Task FixAll_TwoLoops() => Verify.VerifyFixAsync("""
        using System;
        class Jobs
        {
            void Step() { }
            void A() { [|while|] (true) { try { Step(); return; } catch (Exception) { } } }
            void B() { [|for|] (;;) { try { Step(); return; } catch { } } }
        }
        """, """
        using System;
        using System.Threading;
        class Jobs
        {
            void Step() { }
            void A() { const int maxAttempts = 5; var attempt = 0; while (true) { try { Step(); return; } catch (Exception) { if (++attempt >= maxAttempts) throw; Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, attempt), 30_000))); } } }
            void B() { const int maxAttempts = 5; var attempt = 0; for (;;) { try { Step(); return; } catch { if (++attempt >= maxAttempts) throw; Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, attempt), 30_000))); } } }
        }
        """, equivalenceKey: SF4001RetryLoopWithoutBackoffOrBoundFixer.BoundAndBackOffKey);
}
