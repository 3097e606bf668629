using System.Diagnostics;
using System.Reflection;

namespace Steadfast;

/// <summary>
/// The one <see cref="ActivitySource"/> that every Steadfast package traces on. Spans are created only while something
/// listens to it; with OpenTelemetry: <c>.WithTracing(t =&gt; t.AddSource(SteadfastTracing.ActivitySourceName))</c>.
/// </summary>
public static class SteadfastTracing
{
    /// <summary>The activity source's name: <c>Steadfast</c>.</summary>
    public const string ActivitySourceName = "Steadfast";

    /// <summary>The source; its version is the assembly's informational version.</summary>
    internal static readonly ActivitySource Source = new(
        ActivitySourceName,
        typeof(SteadfastTracing).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);
}
