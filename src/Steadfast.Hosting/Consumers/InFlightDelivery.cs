using Steadfast.Queues;

namespace Steadfast.Hosting.Consumers;

/// <summary>A delivery being handled; settled (acked or nacked) exactly once, by the handler's end or by the shutdown.</summary>
internal sealed class InFlightDelivery<TMessage>(IDelivery<TMessage> delivery)
{
    private int _settled;

    public IDelivery<TMessage> Delivery { get; } = delivery;

    /// <summary>Claims the right to settle; false when the other side already did.</summary>
    public bool TrySettle() => Interlocked.Exchange(ref _settled, 1) == 0;
}
