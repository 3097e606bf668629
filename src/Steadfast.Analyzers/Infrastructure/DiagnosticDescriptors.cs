using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers
{
    /// <summary>
    /// The only way descriptors are created: category, severity and help link all follow from the ID,
    /// so a rule can never point at the wrong page or sit in the wrong family. Each analyzer declares
    /// its own descriptor beside its code: <c>DiagnosticDescriptors.Create(RuleIdentifiers.X, …)</c>.
    /// </summary>
    internal static class DiagnosticDescriptors
    {
        public const string HelpLinkBase = "https://github.com/steadfast-dotnet/steadfast/blob/main/docs/rules/";

        public static string HelpLink(string id) => HelpLinkBase + id + ".md";

        // Pass the ID as a RuleIdentifiers const at every call site so release tracking sees it.
        public static DiagnosticDescriptor Create(string id, string title, string messageFormat, string description) =>
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
