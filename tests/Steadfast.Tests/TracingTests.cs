namespace Steadfast.Tests;

/// <summary>
/// Tests that listen to the Steadfast activity source run alone: a listener makes every test's calls trace, and the
/// no-listener test must not see another test's listener.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingTests
{
    public const string Name = "Tracing";
}
