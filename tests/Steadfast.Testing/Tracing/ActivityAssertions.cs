using System.Diagnostics;

namespace Steadfast.Testing.Tracing;

/// <summary>Reads span data in assertions.</summary>
public static class ActivityAssertions
{
    public static object? Tag(this Activity activity, string key) => activity.GetTagItem(key);

    public static ActivityEvent Event(this Activity activity, string name) => Assert.Single(activity.Events, e => e.Name == name);

    public static object? Tag(this ActivityEvent activityEvent, string key) =>
        activityEvent.Tags.FirstOrDefault(t => t.Key == key).Value;
}
