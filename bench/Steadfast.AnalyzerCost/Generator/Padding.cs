using System.Text;

namespace Steadfast.AnalyzerCost;

/// <summary>The bulk of a service file: a DTO, a record, a validator and a mapper over a random set of properties.</summary>
internal static class Padding
{
    private sealed record Property(string Name, string Type, string Default, string Check, string Message, string ToText);

    private static readonly Property[] Pool =
    [
        new("Id", "string", " = \"\";", "string.IsNullOrWhiteSpace(dto.Id)", "Id is required", "dto.Id"),
        new("Name", "string", " = \"\";", "dto.Name.Length is 0 or > 200", "Name must have 1 to 200 characters", "dto.Name"),
        new("Email", "string", " = \"\";", "!dto.Email.Contains('@', StringComparison.Ordinal)", "Email is not valid", "dto.Email"),
        new("Reference", "string", " = \"\";", "dto.Reference.Length > 64", "Reference is too long", "dto.Reference"),
        new("Currency", "string", " = \"EUR\";", "dto.Currency.Length != 3", "Currency must be an ISO code", "dto.Currency"),
        new("Country", "string", " = \"NL\";", "dto.Country.Length != 2", "Country must be an ISO code", "dto.Country"),
        new("Notes", "string?", "", "dto.Notes is { Length: > 2000 }", "Notes are too long", "dto.Notes ?? \"\""),
        new("Quantity", "int", "", "dto.Quantity < 0", "Quantity must not be negative", "dto.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture)"),
        new("Priority", "int", "", "dto.Priority is < 0 or > 9", "Priority must be 0 to 9", "dto.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture)"),
        new("Version", "long", "", "dto.Version < 0", "Version must not be negative", "dto.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)"),
        new("Amount", "decimal", "", "dto.Amount < 0m", "Amount must not be negative", "dto.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)"),
        new("Discount", "decimal", "", "dto.Discount is < 0m or > 1m", "Discount must be a fraction", "dto.Discount.ToString(System.Globalization.CultureInfo.InvariantCulture)"),
        new("TaxRate", "decimal", "", "dto.TaxRate is < 0m or > 1m", "TaxRate must be a fraction", "dto.TaxRate.ToString(System.Globalization.CultureInfo.InvariantCulture)"),
        new("IsActive", "bool", "", "!dto.IsActive && dto.Id.Length == 0", "An inactive item needs an id", "dto.IsActive ? \"true\" : \"false\""),
        new("IsArchived", "bool", "", "dto.IsArchived && dto.Name.Length == 0", "An archived item needs a name", "dto.IsArchived ? \"true\" : \"false\""),
        new("CreatedAt", "DateTime", "", "dto.CreatedAt.Kind != DateTimeKind.Utc", "CreatedAt must be UTC", "dto.CreatedAt.ToString(\"O\", System.Globalization.CultureInfo.InvariantCulture)"),
        new("UpdatedAt", "DateTime", "", "dto.UpdatedAt.Kind != DateTimeKind.Utc", "UpdatedAt must be UTC", "dto.UpdatedAt.ToString(\"O\", System.Globalization.CultureInfo.InvariantCulture)"),
        new("DueDate", "DateOnly", "", "dto.DueDate.Year < 2000", "DueDate is too early", "dto.DueDate.ToString(\"O\", System.Globalization.CultureInfo.InvariantCulture)"),
        new("OwnerId", "Guid", "", "dto.OwnerId == Guid.Empty", "OwnerId is required", "dto.OwnerId.ToString(\"N\")"),
        new("Tags", "List<string>", " = new();", "dto.Tags.Count > 20", "Too many tags", "string.Join(',', dto.Tags)"),
    ];

    public static void Append(StringBuilder source, TemplateContext c)
    {
        var r = c.Random;
        var count = 10 + r.Next(9);
        var properties = Pool.Take(2).Concat(Pool.Skip(2).OrderBy(_ => r.Next()).Take(count - 2)).ToArray();
        var dto = $"{c.Noun}Dto{c.Index}";

        source.Append('\n');
        source.Append("/// <summary>Transport shape of a ").Append(c.Lower).Append(" as the API sends and receives it.</summary>\n");
        source.Append("public sealed class ").Append(dto).Append('\n').Append("{\n");
        foreach (var p in properties)
            source.Append("    public ").Append(p.Type).Append(' ').Append(p.Name).Append(" { get; set; }").Append(p.Default).Append('\n');
        source.Append("}\n\n");

        var summary = $"{c.Noun}Summary{c.Index}";
        source.Append("public sealed record ").Append(summary).Append('(');
        source.Append(string.Join(", ", properties.Take(4).Select(p => $"{p.Type} {p.Name}")));
        source.Append(");\n\n");

        source.Append("public static class ").Append(c.Noun).Append("Validator").Append(c.Index).Append('\n').Append("{\n");
        source.Append("    public static IReadOnlyList<string> Validate(").Append(dto).Append(" dto)\n    {\n");
        source.Append("        ArgumentNullException.ThrowIfNull(dto);\n");
        source.Append("        var errors = new List<string>();\n");
        foreach (var p in properties)
        {
            source.Append("        if (").Append(p.Check).Append(")\n");
            source.Append("            errors.Add(\"").Append(p.Message).Append("\");\n");
        }

        source.Append("        return errors;\n    }\n\n");
        source.Append("    public static bool IsValid(").Append(dto).Append(" dto) => Validate(dto).Count == 0;\n");
        source.Append("}\n\n");

        source.Append("public static class ").Append(c.Noun).Append("Mapper").Append(c.Index).Append('\n').Append("{\n");
        source.Append("    public static ").Append(dto).Append(" Copy(").Append(dto).Append(" source)\n    {\n");
        source.Append("        ArgumentNullException.ThrowIfNull(source);\n");
        source.Append("        return new ").Append(dto).Append('\n').Append("        {\n");
        foreach (var p in properties)
        {
            var value = p.Type == "List<string>" ? $"new List<string>(source.{p.Name})" : $"source.{p.Name}";
            source.Append("            ").Append(p.Name).Append(" = ").Append(value).Append(",\n");
        }

        source.Append("        };\n    }\n\n");
        source.Append("    public static ").Append(summary).Append(" Summarize(").Append(dto).Append(" dto) =>\n");
        source.Append("        new(").Append(string.Join(", ", properties.Take(4).Select(p => p.Type == "List<string>" ? $"new List<string>(dto.{p.Name})" : $"dto.{p.Name}"))).Append(");\n\n");
        source.Append("    public static Dictionary<string, string> ToFields(").Append(dto).Append(" dto)\n    {\n");
        source.Append("        ArgumentNullException.ThrowIfNull(dto);\n");
        source.Append("        var fields = new Dictionary<string, string>(StringComparer.Ordinal);\n");
        foreach (var p in properties)
            source.Append("        fields[\"").Append(p.Name).Append("\"] = ").Append(p.ToText).Append(";\n");
        source.Append("        return fields;\n    }\n\n");
        source.Append("    public static HashEntry[] ToHash(").Append(dto).Append(" dto) =>\n");
        source.Append("        ToFields(dto).Select(f => new HashEntry(f.Key, f.Value)).ToArray();\n\n");
        source.Append("    public static string Describe(").Append(dto).Append(" dto)\n    {\n");
        source.Append("        var text = new StringBuilder();\n");
        source.Append("        foreach (var (name, value) in ToFields(dto))\n");
        source.Append("            text.Append(name).Append('=').Append(value).Append(';');\n");
        source.Append("        return text.ToString();\n    }\n");
        source.Append("}\n");
    }
}
