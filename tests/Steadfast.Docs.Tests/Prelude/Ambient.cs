// The reader's own objects, which the docs' snippets use without declaring them (docs/snippets.md). Every snippet is
// compiled beside this file with `using static Ambient;`, so `ct`, `redis`, `order` or `payments.ChargeAsync(order, ct)`
// bind here. Only their types matter: nothing is run. A type the snippet declares itself replaces the one here.
// The reader's clients return Task, as real clients do, so snippets are checked against the delegates users have.
using System.Threading.RateLimiting;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using StackExchange.Redis;
using Steadfast.CircuitBreakers;
using Steadfast.Locks;
using Steadfast.Queues;
using Steadfast.Retry;

#pragma warning disable IDE1006, CA2211, CA1050 // lower-case public fields in the global namespace: they stand for the reader's locals

public static class Ambient
{
    // Everywhere: the caller's token, Redis, a logger.
    public static CancellationToken ct;
    public static CancellationToken cancellationToken;
    public static CancellationToken stoppingToken;
    public static IConnectionMultiplexer redis = null!;
    public static IConnectionMultiplexer multiplexer = null!;
    public static IDatabase db = null!;
    public static ILogger logger = null!;
    public static ILogger log = null!;

    // Objects a page built in an earlier block.
    public static IDistributedLockProvider locks = null!;
    public static CircuitBreaker breaker = null!;
    public static RetryPolicy retry = null!;
    public static RateLimiter limiter = null!;
    public static Microsoft.AspNetCore.RateLimiting.RateLimiterOptions options = null!;

    // The reader's domain: an order, its handler, the clients of the services it calls.
    public static Order order = null!;
    public static string id = "42";
    public static string sku = "sku-1";
    public static RedisValue newBalance = 120;
    public static IPaymentsClient payments = null!;
    public static IPricingClient pricing = null!;
    public static IPriceCache cache = null!;
    public static CircuitBreaker pricingBreaker = null!;
    public static IOutboxRelay relay = null!;
    public static HttpResponse response = null!;
    public static HttpClient eastClient = null!;
    public static HttpClient westClient = null!;
    public static NpgsqlDataSource primaryDb = null!;
    public static NpgsqlDataSource standbyDb = null!;
    public static IReadOnlyList<GrpcChannel> channels = [];

    public static Task HandleAsync(Order order, CancellationToken cancellationToken) => Task.CompletedTask;

    public static Task HandleAsync(RedisValue message, CancellationToken cancellationToken) => Task.CompletedTask;

    public static Task ProcessAsync(long fencingToken, CancellationToken cancellationToken) => Task.CompletedTask;

    public static void Rebuild()
    {
    }

    public static void Use<T>(T replica)
    {
    }

    public static Task<IReadOnlyList<Order>> LoadOrdersAsync(NpgsqlDataSource db, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Order>>([]);

    public static Task<string> CallAsync(GrpcChannel channel, CancellationToken cancellationToken) => Task.FromResult("");

    // The analyzer rules' pages (docs/rules): the members and helpers of the code they flag and fix.
    public static string key = "jobs";
    public static string Key = "jobs";
    public static string token = "token-1";
    public static string owner = "worker-1";
    public static RedisValue value = "v";
    public static TimeSpan lease = TimeSpan.FromSeconds(30);
    public static DateTime start = DateTime.UtcNow;
    public static object _gate = new();
    public static int _count;
    public static SemaphoreSlim _sem = new(1);
    public static List<string> _items = [];
    public static string item = "";
    public static string[] urls = [];
    public static IReliableQueue<string> queue = null!;

    public static void Process()
    {
    }

    public static Task ProcessAsync() => Task.CompletedTask;

    public static void Handle(RedisValue message)
    {
    }

    public static string Fetch(string url) => url;

    public static Task SwitchToStandbyAsync() => Task.CompletedTask;

    public static Task<bool> TryAcquireAsync() => Task.FromResult(true);
}

/// <summary>The reader's payments client of the README's quick start.</summary>
public sealed class PaymentsClient : IPaymentsClient
{
    public Task<Receipt> ChargeAsync(Order order, CancellationToken cancellationToken) => Task.FromResult(new Receipt("r-1"));
}

public sealed record Order(int Id, string Sku, string TenantId = "acme");

public sealed record Product(string Id, string Name);

public sealed record Price(string Sku, decimal Amount);

public sealed record Receipt(string Id);

public interface IPaymentsClient
{
    Task<Receipt> ChargeAsync(Order order, CancellationToken cancellationToken);
}

public interface IPricingClient
{
    Task<Price> GetAsync(string sku, CancellationToken cancellationToken);
}

public interface IPriceCache
{
    Price LastKnown(string sku);
}

public interface IOutboxRelay
{
    Task PumpAsync(long fencingToken, CancellationToken cancellationToken);
}

/// <summary>The reader's exception for a refused permit.</summary>
public sealed class RateLimitedException(RateLimitLease lease) : Exception("Rate limited.")
{
    public RateLimitLease Lease { get; } = lease;
}

/// <summary>The reader's exception for "too busy, come back later".</summary>
public sealed class TooBusyException(TimeSpan retryAfter) : Exception($"Too busy; retry after {retryAfter}.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
