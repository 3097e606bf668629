using System.Reflection;

namespace Steadfast.Tests.Tracing;

public sealed class SteadfastTracingTests
{
    [Fact]
    public void One_source_named_Steadfast_versioned_by_the_informational_version()
    {
        string? informational = typeof(SteadfastTracing).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        Assert.Equal("Steadfast", SteadfastTracing.ActivitySourceName);
        Assert.Equal(SteadfastTracing.ActivitySourceName, SteadfastTracing.Source.Name);
        Assert.NotNull(informational);
        Assert.Equal(informational, SteadfastTracing.Source.Version);
    }
}
