using System.Text.Json;

namespace Steadfast.Queues;

/// <summary>Turns messages into bytes for queue backends that store them out of process (Redis).</summary>
public interface IQueueSerializer
{
    /// <summary>Serializes a message.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="message">The message, never <see langword="null"/>.</param>
    /// <returns>The bytes to store.</returns>
    byte[] Serialize<T>(T message);

    /// <summary>Deserializes a message stored by <see cref="Serialize{T}"/>.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="payload">The stored bytes.</param>
    /// <returns>The message. Throwing marks the message as poison: it goes straight to the dead-letter store.</returns>
    T Deserialize<T>(ReadOnlyMemory<byte> payload);
}

/// <summary>The default <see cref="IQueueSerializer"/>: UTF-8 JSON through System.Text.Json.</summary>
public sealed class JsonQueueSerializer : IQueueSerializer
{
    private readonly JsonSerializerOptions? _options;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">The System.Text.Json options; its defaults when null.</param>
    public JsonQueueSerializer(JsonSerializerOptions? options = null)
    {
        _options = options;
    }

    /// <summary>A serializer with System.Text.Json's default options.</summary>
    public static JsonQueueSerializer Default { get; } = new();

    /// <inheritdoc/>
    public byte[] Serialize<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, _options);

    /// <inheritdoc/>
    public T Deserialize<T>(ReadOnlyMemory<byte> payload) =>
        JsonSerializer.Deserialize<T>(payload.Span, _options)
        ?? throw new JsonException($"The payload deserialized to null, not a {typeof(T).Name}.");
}
