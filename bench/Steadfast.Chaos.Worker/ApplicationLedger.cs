using StackExchange.Redis;

namespace Steadfast.Chaos.Worker;

/// <summary>
/// The application's own database, which the chaos runner never faults: every delivery a consumer handles is
/// recorded here, and the application's dedupe (a set of handled message ids) decides whether the delivery's effect is
/// applied — once per message, however often the queue delivers it. The runner reads it to check for lost messages.
/// </summary>
public sealed class ApplicationLedger
{
    /// <summary>Hash: message id → how many deliveries of it a consumer handled.</summary>
    public const string DeliveriesKey = "chaos:deliveries";

    /// <summary>Set: the ids whose effect has been applied (the dedupe).</summary>
    public const string AppliedKey = "chaos:applied";

    /// <summary>Hash: message id → how many acknowledgements of it returned.</summary>
    public const string AcksKey = "chaos:acks";

    // One script, so a consumer killed mid-way cannot leave a delivery counted without its dedupe decision.
    // KEYS[1] deliveries, KEYS[2] applied; ARGV[1] message id. 1 when this delivery applied the effect, 0 for a duplicate.
    private const string HandleScript = """
        redis.call('hincrby', KEYS[1], ARGV[1], 1)
        return redis.call('sadd', KEYS[2], ARGV[1])
        """;

    private static readonly RedisKey[] HandleKeys = [DeliveriesKey, AppliedKey];

    private readonly IDatabase _database;

    /// <summary>Creates a ledger over the application database.</summary>
    /// <param name="database">The application database (not the faulted queue server).</param>
    public ApplicationLedger(IDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Records a delivery and applies its effect unless the dedupe has seen the id.</summary>
    /// <param name="messageId">The message (its unique id).</param>
    /// <returns><see langword="true"/> when this delivery applied the effect; <see langword="false"/> for a duplicate.</returns>
    public async Task<bool> HandleAsync(string messageId) =>
        (long)await _database.ScriptEvaluateAsync(HandleScript, HandleKeys, [messageId]).ConfigureAwait(false) == 1;

    /// <summary>Records that an acknowledgement of <paramref name="messageId"/> returned.</summary>
    /// <param name="messageId">The message.</param>
    /// <returns>A task that completes when recorded.</returns>
    public Task RecordAckAsync(string messageId) => _database.HashIncrementAsync(AcksKey, messageId);
}
