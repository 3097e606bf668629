namespace Steadfast.CircuitBreakers;

/// <summary>What a call was admitted as (normal or probe), and in which circuit generation.</summary>
internal readonly struct CallTicket(long generation, bool isProbe)
{
    public long Generation { get; } = generation;

    public bool IsProbe { get; } = isProbe;
}
