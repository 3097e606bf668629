using BenchmarkDotNet.Running;
using Steadfast.Benchmarks;

// --redis host:port points every Redis benchmark at an existing server; otherwise each benchmark process starts its
// own redis-server (loopback, free port) through Steadfast.Testing.
var rest = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--redis" && i + 1 < args.Length)
    {
        Environment.SetEnvironmentVariable(BenchmarkRedis.EndPointVariable, args[++i]);
    }
    else
    {
        rest.Add(args[i]);
    }
}

BenchmarkSwitcher.FromAssembly(typeof(BenchmarkRedis).Assembly).Run(rest.ToArray());
