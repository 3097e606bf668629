using BenchmarkDotNet.Running;
using Steadfast.Benchmarks;
using Steadfast.Testing.Redis;

// Usage: dotnet run -c Release --project bench/Steadfast.Benchmarks -- [--redis host:port] [--report] [--handoff [rounds]] [BenchmarkDotNet args]
// Without --filter every benchmark group runs; `--filter *CircuitBreaker*` runs one group (the Redis floors always run
// too, so ratios come from the same run). Without --redis a private redis-server is started on a free 127.0.0.1 port
// and stopped at the end. --report rewrites bench/README.md from this run's figures.
// Redundancy harnesses (no Redis):
//        dotnet run -c Release --project bench/Steadfast.Benchmarks -- redundancy            (hedging QoS + switchover in one run)
//        dotnet run -c Release --project bench/Steadfast.Benchmarks -- hedging [requests]     (hedging QoS on a virtual clock)
//        dotnet run -c Release --project bench/Steadfast.Benchmarks -- hedging-realclock [requests]  (the same on the real clock; noisy)
//        dotnet run -c Release --project bench/Steadfast.Benchmarks -- switchover [trials]   (HotWarm switchover)
// Redis harnesses (outside BenchmarkDotNet):
//        dotnet run -c Release --project bench/Steadfast.Benchmarks -- ratelimit-accuracy [trials]  (contended token bucket: admitted vs allowance)
//        dotnet run -c Release --project bench/Steadfast.Benchmarks -- lock-fairness [seconds]      (8 clients on one lock; writes bench/lock-fairness.md)
var rest = new List<string>(args);
if (rest.Count > 0 && rest[0] is "redundancy" or "hedging" or "hedging-realclock" or "switchover")
{
    int count = rest.Count > 1 && int.TryParse(rest[1], out int n) ? n : rest[0] == "switchover" ? 40 : 4000;
    switch (rest[0])
    {
        case "hedging":
            HedgingQos.Run(count);
            break;
        case "redundancy":
            HedgingQos.Run(4000);
            Console.WriteLine();
            await SwitchoverTimes.RunAsync(40);
            break;
        case "hedging-realclock":
            await HedgingQosRealClock.RunAsync(count);
            break;
        default:
            await SwitchoverTimes.RunAsync(count);
            break;
    }

    return;
}

string? endPoint = TakeOption(rest, "--redis");
bool handOff = rest.Remove("--handoff");
bool accuracy = rest.Remove("ratelimit-accuracy");
bool fairness = rest.Remove("lock-fairness");
bool report = rest.Remove("--report");
string command = "dotnet run -c Release --project bench/Steadfast.Benchmarks -- " + string.Join(' ', args);
int rounds = accuracy ? 5 : fairness ? 10 : 200;
if ((handOff || accuracy || fairness) && rest.Count > 0 && int.TryParse(rest[0], out int parsed))
{
    rounds = parsed;
    rest.RemoveAt(0);
}

RedisServer? server = null;
if (endPoint is null)
{
    server = await RedisServer.StartAsync();
    endPoint = server.EndPoint;
    Console.WriteLine($"Started {server}");
}

Environment.SetEnvironmentVariable(BenchRedis.EnvironmentVariable, endPoint);
try
{
    if (handOff)
    {
        await HandOffLatency.RunAsync(rounds);
    }
    else if (accuracy)
    {
        await RateLimitAccuracy.RunAsync(rounds);
    }
    else if (fairness)
    {
        await LockFairness.RunAsync(TimeSpan.FromSeconds(rounds), command.Trim());
    }
    else
    {
        int filter = rest.FindIndex(a => a is "--filter" or "-f");
        if (filter < 0 && !rest.Contains("--list"))
        {
            rest.AddRange(["--filter", "*"]);
        }
        else if (filter >= 0)
        {
            rest.Insert(filter + 1, "*" + nameof(RedisFloorBenchmarks) + "*");
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest]).ToList();
        if (report)
        {
            Console.WriteLine($"Wrote {BenchReport.Write(summaries, command.Trim())}");
        }
    }
}
finally
{
    if (server is not null)
    {
        await server.DisposeAsync();
    }
}

static string? TakeOption(List<string> list, string name)
{
    int i = list.IndexOf(name);
    if (i < 0 || i + 1 >= list.Count)
    {
        return null;
    }

    string value = list[i + 1];
    list.RemoveRange(i, 2);
    return value;
}
