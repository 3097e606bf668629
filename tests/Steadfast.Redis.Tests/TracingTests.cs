namespace Steadfast.Redis.Tests;

/// <summary>
/// Tests that listen to the Steadfast activity source run alone: a listener makes every test's calls trace, and the
/// slow-machine timing assertions of other tests should not pay for it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingTests
{
    public const string Name = "Tracing";
}
