using System.Text;
using StackExchange.Redis;
using Steadfast.Locks;

namespace Steadfast.Redis.Tests.Locks;

/// <summary>The cluster slot rule and the derived keys (fence keys) that must share their key's slot.</summary>
public sealed class RedisHashSlotTests
{
    public static TheoryData<string> OddAndPlainKeys => new()
    {
        "user}42", "{}x", "a{}b{c}", "}", "{", "{{}}", "}{a}", "plain", "{tag}rest", "a{b", "x{y}z{w}", "é{ü}",
    };

    [Fact]
    public void Slot_matches_the_Redis_specification_test_vector_and_hash_tags()
    {
        // Redis Cluster spec: CRC16("123456789") = 0x31C3; a tag decides the slot, an empty tag does not.
        Assert.Equal(0x31C3 % 16384, RedisHashSlot.Of("123456789"u8));
        Assert.Equal(RedisHashSlot.Of("user"u8), RedisHashSlot.Of("{user}.following"u8));
        Assert.Equal(RedisHashSlot.Of("bar"u8), RedisHashSlot.Of("foo{bar}{zap}"u8));
        Assert.NotEqual(RedisHashSlot.Of("bar"u8), RedisHashSlot.Of("foo{}{bar}"u8));
    }

    [Theory]
    [MemberData(nameof(OddAndPlainKeys))]
    public void A_fence_key_is_in_the_slot_of_its_key(string key)
    {
        RedisKey fence = RedisFencedWriter.FenceKey(key);

        Assert.Equal(RedisHashSlot.Of(Encoding.UTF8.GetBytes(key)), RedisHashSlot.Of((byte[])fence!));
        Assert.EndsWith(":fence", (string?)fence);
        Assert.Contains(key, (string?)fence, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_that_already_worked_keep_their_fence_key()
    {
        Assert.Equal("{plain}:fence", (string?)RedisFencedWriter.FenceKey("plain"));
        Assert.Equal("{tag}rest:fence", (string?)RedisFencedWriter.FenceKey("{tag}rest"));
    }

    [Fact]
    public void Lock_keys_of_odd_names_and_prefixes_share_one_slot()
    {
        foreach (string prefix in new[] { "steadfast:lock", "}odd", "{", "a}b{" })
        {
            foreach (string name in new[] { "user}42", "{}x", "a{}b{c}", "orders:42" })
            {
                var keys = new RedisLockProvider.LockKeys(prefix, name);
                Assert.Equal(RedisHashSlot.Of((byte[])keys.Keys[0]!), RedisHashSlot.Of((byte[])keys.Keys[1]!));
            }
        }
    }
}
