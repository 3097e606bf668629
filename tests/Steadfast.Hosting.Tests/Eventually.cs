namespace Steadfast.Hosting.Tests;

/// <summary>Waits for a condition on real time with a generous bound, checking it after short pauses: the tests
/// assert outcomes, never how long something took.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static async Task<T> MatchesAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? Bound);
        T value = await read();
        while (!condition(value))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {value}.");
            }

            await Task.Delay(20);
            value = await read();
        }

        return value;
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? bound = null) =>
        MatchesAsync(() => Task.FromResult(condition()), ok => ok, what, bound);
}
