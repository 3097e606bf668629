using System.Collections.Concurrent;
using System.Diagnostics;

namespace Steadfast.Testing.Tracing;

/// <summary>
/// Listens to the Steadfast activity source and keeps the spans of one test: those in the trace of the root activity it
/// starts (and makes current), plus any that <c>alsoKeep</c> accepts (spans that start their own trace). Create it in the
/// test method, not the constructor, so the root flows into the test's calls.
/// </summary>
public sealed class ActivityCollector : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    public ActivityCollector(Func<Activity, bool>? alsoKeep = null)
    {
        Root = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        ActivityTraceId trace = Root.TraceId;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SteadfastTracing.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == trace || alsoKeep?.Invoke(activity) == true)
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The test's own span: the parent of every span the calls under test start.</summary>
    public Activity Root { get; }

    /// <summary>The kept spans, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Stopped => _stopped.ToArray();

    /// <summary>The one kept span called <paramref name="name"/>.</summary>
    public Activity Single(string name) => Assert.Single(Stopped, a => a.OperationName == name);

    public void Dispose()
    {
        _listener.Dispose();
        Root.Stop();
    }
}
