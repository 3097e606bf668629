namespace Steadfast.Analyzers
{
    /// <summary>
    /// Metadata names of the types the rules look for. The analyzers never reference the runtime
    /// assemblies: a rule resolves what it needs from the user's compilation, once.
    /// </summary>
    internal static class WellKnownTypeNames
    {
        public const string SystemDateTime = "System.DateTime";
        public const string SystemDateTimeOffset = "System.DateTimeOffset";
        public const string SystemTimeSpan = "System.TimeSpan";
        public const string SystemTimeProvider = "System.TimeProvider";
        public const string SystemDiagnosticsStopwatch = "System.Diagnostics.Stopwatch";
    }
}
