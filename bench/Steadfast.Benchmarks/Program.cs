using BenchmarkDotNet.Running;
using Steadfast.Benchmarks;
using Steadfast.Testing.Redis;

// Usage: dotnet run -c Release --project bench/Steadfast.Benchmarks -- [--redis host:port] [--report] [--handoff [rounds]] [BenchmarkDotNet args]
// Without --filter every benchmark group runs; `--filter *CircuitBreaker*` runs one group (the Redis floors always run
// too, so ratios come from the same run). Without --redis a private redis-server is started on a free 127.0.0.1 port
// and stopped at the end. --report rewrites bench/README.md from this run's figures.
var rest = new List<string>(args);
string? endPoint = TakeOption(rest, "--redis");
bool handOff = rest.Remove("--handoff");
bool report = rest.Remove("--report");
string command = "dotnet run -c Release --project bench/Steadfast.Benchmarks -- " + string.Join(' ', args);
int rounds = 200;
if (handOff && rest.Count > 0 && int.TryParse(rest[0], out int parsed))
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
