using BenchmarkDotNet.Running;
using Steadfast.Benchmarks;
using Steadfast.Testing.Redis;

// Usage: dotnet run -c Release --project bench/Steadfast.Benchmarks -- [--redis host:port] [--handoff [rounds]] [BenchmarkDotNet args]
// Without --filter every benchmark group runs; `--filter *Uncontended*` runs one group. Without --redis a private
// redis-server is started on a free 127.0.0.1 port and stopped at the end.
var rest = new List<string>(args);
string? endPoint = TakeOption(rest, "--redis");
bool handOff = rest.Remove("--handoff");
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
        if (!rest.Any(a => a is "--filter" or "-f" or "--list"))
        {
            rest.AddRange(["--filter", "*"]);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. rest]);
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
