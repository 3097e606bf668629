using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers
{
    /// <summary>
    /// The only place descriptors are created: category, severity and help link all follow from the ID,
    /// so a rule can never point at the wrong page or sit in the wrong family.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        public const string HelpLinkBase = "https://github.com/steadfast-dotnet/steadfast/blob/main/docs/rules/";

        public static readonly DiagnosticDescriptor SF4002ElapsedTimeFromWallClock = Create(
            RuleIdentifiers.ElapsedTimeFromWallClock,
            title: "Elapsed time measured with the wall clock",
            messageFormat: "'{0}' measures elapsed time with the wall clock, which jumps with NTP, DST and manual changes; use Stopwatch.GetTimestamp/GetElapsedTime or TimeProvider",
            description: "DateTime.Now/UtcNow and DateTimeOffset.Now/UtcNow follow the system clock, which NTP, daylight-saving changes, virtual machine resumes and administrators move forwards and backwards. Durations, timeouts and deadlines computed from them can be negative, far too long or far too short. A monotonic clock (Stopwatch or TimeProvider timestamps) never goes back.");

        public static string HelpLink(string id) => HelpLinkBase + id + ".md";

        // The ID is a const at every call site so release tracking (RS2000-RS2008) sees it.
        private static DiagnosticDescriptor Create(string id, string title, string messageFormat, string description) =>
            new DiagnosticDescriptor(
                id,
                title,
                messageFormat,
                RuleCategories.FromRuleId(id),
                DiagnosticSeverity.Warning,
                isEnabledByDefault: true,
                description: description,
                helpLinkUri: HelpLink(id));
    }
}
