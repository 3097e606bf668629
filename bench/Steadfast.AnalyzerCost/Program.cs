using Steadfast.AnalyzerCost;

return await Cli.RunAsync(args);
