using System.Diagnostics;

namespace Steadfast.Testing.Conditions;

/// <summary>
/// Waits for a condition that other work brings about (a thread-pool continuation after a fake-clock advance, a
/// subscription reaching the server, a key expiring), checking it every few milliseconds. The bound is real time and
/// only turns a broken test into a failure instead of a hang: it never measures a success, so a slow machine only makes
/// the wait longer.
/// </summary>
public static class Until
{
    /// <summary>The bound used when a test gives none.</summary>
    public static readonly TimeSpan DefaultBound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>Returns once <paramref name="condition"/> holds; fails the test (naming <paramref name="what"/>) when it
    /// does not within <paramref name="bound"/> (default <see cref="DefaultBound"/>).</summary>
    public static Task TrueAsync(Func<bool> condition, string what = "the condition", TimeSpan? bound = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, bound);

    /// <summary>Returns once the asynchronous <paramref name="condition"/> holds (each check awaited before the next);
    /// fails the test (naming <paramref name="what"/>) when it does not within <paramref name="bound"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what = "the condition", TimeSpan? bound = null)
    {
        TimeSpan limit = bound ?? DefaultBound;
        long start = Stopwatch.GetTimestamp();
        while (!await condition().ConfigureAwait(false))
        {
            Assert.True(Stopwatch.GetElapsedTime(start) < limit, $"{what} did not happen within {limit.TotalSeconds:0.#} s.");
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }
}
