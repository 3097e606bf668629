using Steadfast.Chaos;
using Steadfast.Chaos.Reporting;

// The chaos suite: dotnet run -c Release --project bench/Steadfast.Chaos -- --duration 60 [--report bench/chaos.md]
// Exit code 0 when no violation and no lost message, 1 otherwise, 2 for bad arguments.
ChaosSettings settings;
try
{
    settings = ChaosSettings.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

ChaosReport report = await ChaosRunner.RunAsync(settings, Console.Out);
string markdown = ReportWriter.Write(report, "dotnet run -c Release --project bench/Steadfast.Chaos -- " + string.Join(' ', args));
Console.WriteLine();
Console.WriteLine(markdown);
if (settings.ReportPath is { } path)
{
    await File.WriteAllTextAsync(path, markdown);
    Console.WriteLine($"Report written to {path}");
}

return report.Passed ? 0 : 1;
