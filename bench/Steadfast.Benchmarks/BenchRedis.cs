using StackExchange.Redis;

namespace Steadfast.Benchmarks;

/// <summary>Where the benchmarks find Redis: the endpoint Program put in the environment.</summary>
internal static class BenchRedis
{
    public const string EnvironmentVariable = "STEADFAST_BENCH_REDIS";

    public static string EndPoint => Environment.GetEnvironmentVariable(EnvironmentVariable)
        ?? throw new InvalidOperationException($"{EnvironmentVariable} is not set; run through Program.");

    public static ConnectionMultiplexer Connect()
    {
        var options = ConfigurationOptions.Parse(EndPoint);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(options);
    }
}
