using System.Diagnostics;

namespace Steadfast.Chaos.History;

/// <summary>
/// The one clock of the history: <see cref="Stopwatch.GetTimestamp"/>, monotonic (CLOCK_MONOTONIC on Linux), so
/// intervals never run backwards when the wall clock is adjusted.
/// </summary>
internal static class Clock
{
    public static long Now => Stopwatch.GetTimestamp();

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
