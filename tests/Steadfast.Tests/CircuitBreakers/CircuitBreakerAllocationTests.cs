using Steadfast.CircuitBreakers;

namespace Steadfast.Tests.CircuitBreakers;

public sealed class CircuitBreakerAllocationTests
{
    [Fact]
    public void Closed_success_path_allocates_nothing()
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { Name = "hot" });
        Func<CancellationToken, ValueTask<int>> generic = static _ => new ValueTask<int>(1);
        Func<CancellationToken, ValueTask> plain = static _ => default;
        Func<int> sync = static () => 1;

        void Run(int times)
        {
            for (var i = 0; i < times; i++)
            {
                var result = breaker.ExecuteAsync(generic);
                Assert.True(result.IsCompletedSuccessfully);
                _ = result.Result;
                var done = breaker.ExecuteAsync(plain);
                Assert.True(done.IsCompletedSuccessfully);
                _ = breaker.Execute(sync);
            }
        }

        Run(1_000); // warm up: JIT, tiered compilation, lazily created statics
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
