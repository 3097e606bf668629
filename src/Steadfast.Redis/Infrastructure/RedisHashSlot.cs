using System.Collections.Concurrent;
using System.Text;
using StackExchange.Redis;

namespace Steadfast.Redis;

/// <summary>
/// Redis Cluster's key-to-slot rule (CRC16/XMODEM of the hash tag, or of the whole key, modulo 16384) and the one
/// thing Steadfast needs from it: a key derived from another key that lands in the same slot, whatever the original
/// key looks like, so a script touching both never fails with CROSSSLOT.
/// </summary>
internal static class RedisHashSlot
{
    public const int SlotCount = 16384;

    private static readonly ushort[] Crc16Table = BuildTable();
    private static readonly ConcurrentDictionary<int, string> TagsBySlot = new();

    /// <summary>The cluster slot of <paramref name="key"/>.</summary>
    public static int Of(ReadOnlySpan<byte> key) => Crc16(HashedPart(key)) % SlotCount;

    /// <summary>
    /// <paramref name="key"/> followed by <paramref name="suffix"/>, placed in <paramref name="key"/>'s slot:
    /// <list type="bullet">
    /// <item>a key with a hash tag (a non-empty <c>{…}</c> after its first <c>{</c>) keeps it: <c>key + suffix</c>;</item>
    /// <item>a key without one and without <c>}</c> becomes the tag: <c>{key} + suffix</c>;</item>
    /// <item>any other key (<c>user}42</c>, <c>{}x</c>, <c>a{}b{c}</c>: hashed whole, and it cannot sit inside a tag)
    /// gets a short tag chosen to hash to its slot: <c>{tag}: + key + suffix</c>.</item>
    /// </list>
    /// </summary>
    /// <remarks>The first two forms are the ones earlier versions produced, so existing keys are found again.</remarks>
    public static RedisKey DerivedKey(RedisKey key, string suffix)
    {
        byte[] bytes = key!;
        if (bytes.Length == 0)
        {
            throw new ArgumentException("The key must not be empty.", nameof(key));
        }

        if (HasTag(bytes))
        {
            return key.Append(suffix);
        }

        if (bytes.AsSpan().IndexOf((byte)'}') < 0)
        {
            return Concat("{"u8, bytes, Encoding.UTF8.GetBytes("}" + suffix));
        }

        string tag = TagFor(Of(bytes));
        return Concat(Encoding.UTF8.GetBytes("{" + tag + "}:"), bytes, Encoding.UTF8.GetBytes(suffix));
    }

    /// <summary>The part of the key Redis hashes: the hash tag when there is one, else the whole key.</summary>
    private static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open < 0)
        {
            return key;
        }

        int close = key[(open + 1)..].IndexOf((byte)'}');
        return close <= 0 ? key : key.Slice(open + 1, close);
    }

    private static bool HasTag(ReadOnlySpan<byte> key) => HashedPart(key).Length != key.Length;

    /// <summary>A short decimal string whose CRC16 falls in <paramref name="slot"/> (found once per slot, then cached).</summary>
    private static string TagFor(int slot) => TagsBySlot.GetOrAdd(slot, static s =>
    {
        Span<byte> buffer = stackalloc byte[12];
        for (int candidate = 0; ; candidate++)
        {
            candidate.TryFormat(buffer, out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
            if (Crc16(buffer[..written]) % SlotCount == s)
            {
                return Encoding.ASCII.GetString(buffer[..written]);
            }
        }
    });

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        byte[] result = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        c.CopyTo(result.AsSpan(a.Length + b.Length));
        return result;
    }

    private static int Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (byte b in data)
        {
            crc = (ushort)((crc << 8) ^ Crc16Table[((crc >> 8) ^ b) & 0xFF]);
        }

        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }

            table[i] = (ushort)crc;
        }

        return table;
    }
}
