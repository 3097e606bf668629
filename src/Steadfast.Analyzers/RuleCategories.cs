namespace Steadfast.Analyzers
{
    /// <summary>The rule families; a rule's category follows from the thousands digit of its ID.</summary>
    internal static class RuleCategories
    {
        public const string Locks = "Steadfast.Locks";
        public const string Queues = "Steadfast.Queues";
        public const string SharedState = "Steadfast.SharedState";
        public const string Resilience = "Steadfast.Resilience";

        public static string FromRuleId(string id)
        {
            switch (id.Length == 6 ? id[2] : '?')
            {
                case '1': return Locks;
                case '2': return Queues;
                case '3': return SharedState;
                case '4': return Resilience;
                default: throw new System.ArgumentException("Not a Steadfast rule ID: " + id, nameof(id));
            }
        }
    }
}
