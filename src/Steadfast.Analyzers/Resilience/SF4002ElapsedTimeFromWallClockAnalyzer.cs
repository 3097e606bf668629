using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4002: a duration, timeout or deadline computed from two wall-clock readings taken in the same
    /// method. Differences against dates that come from elsewhere (a database row, a parameter, a field)
    /// are dates, not durations, and stay silent.
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF4002ElapsedTimeFromWallClockAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.ElapsedTimeFromWallClock,
            title: "Elapsed time measured with the wall clock",
            messageFormat: "'{0}' measures elapsed time with the wall clock, which jumps with NTP, DST and manual changes; use Stopwatch.GetTimestamp/GetElapsedTime or TimeProvider",
            description: "DateTime.Now/UtcNow and DateTimeOffset.Now/UtcNow follow the system clock, which NTP, daylight-saving changes, virtual machine resumes and administrators move forwards and backwards. Durations, timeouts and deadlines computed from them can be negative, far too long or far too short. A monotonic clock (Stopwatch or TimeProvider timestamps) never goes back.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
            ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = WallClockModel.Create(start.Compilation);
                if (model == null)
                    return;

                start.RegisterOperationAction(c => AnalyzeBinary(c, model), OperationKind.Binary);
                start.RegisterOperationAction(c => AnalyzeSubtractCall(c, model), OperationKind.Invocation);
            });
        }

        private static void AnalyzeBinary(OperationAnalysisContext context, WallClockModel model)
        {
            var binary = (IBinaryOperation)context.Operation;
            var left = WallClockModel.Unwrap(binary.LeftOperand);
            var right = WallClockModel.Unwrap(binary.RightOperand);
            var clockTypes = model.IsWallClockType(left?.Type) && model.IsWallClockType(right?.Type);
            var tickTypes = left?.Type?.SpecialType == SpecialType.System_Int64 && right?.Type?.SpecialType == SpecialType.System_Int64;
            if (!clockTypes && !tickTypes)
                return;

            var body = WallClockModel.GetBody(binary);
            var token = context.CancellationToken;
            bool flagged;
            switch (binary.OperatorKind)
            {
                case BinaryOperatorKind.Subtract:
                    // DateTime.UtcNow - DateTime.Now: the local zone's offset from UTC, read now; no time has passed between them.
                    if (IsZoneOffset(left, right))
                        return;
                    // end - start: two wall-clock stamps (readings held in locals, fields or properties, or their ticks).
                    flagged = model.IsStampValue(left, body, token) && model.IsStampValue(right, body, token)
                        // deadline - now: the time left.
                        || model.IsDeadlineValue(left, body, token) && model.IsStampValue(right, body, token) && !model.IsStampValue(left, body, token)
                        // (nowMs + skew) - (startMs + skew): two readings moved by the same offset.
                        || model.IsDeadlineValue(left, body, token) && model.IsDeadlineValue(right, body, token);
                    break;
                case BinaryOperatorKind.LessThan:
                case BinaryOperatorKind.LessThanOrEqual:
                case BinaryOperatorKind.GreaterThan:
                case BinaryOperatorKind.GreaterThanOrEqual:
                    // now < deadline (a stamp plus a timeout), or lastSeen < now - timeout.
                    flagged = (model.IsStampValue(left, body, token) && model.IsDeadlineValue(right, body, token))
                        || (model.IsDeadlineValue(left, body, token) && model.IsStampValue(right, body, token));
                    break;
                default:
                    return;
            }

            if (flagged)
                Report(context, binary);
        }

        private static bool IsZoneOffset(IOperation? left, IOperation? right) =>
            left is IPropertyReferenceOperation { Property: { IsStatic: true, Name: "Now" or "UtcNow" } l }
            && right is IPropertyReferenceOperation { Property: { IsStatic: true, Name: "Now" or "UtcNow" } r }
            && l.Name != r.Name;

        private static void AnalyzeSubtractCall(OperationAnalysisContext context, WallClockModel model)
        {
            var call = (IInvocationOperation)context.Operation;
            if (call.TargetMethod.Name != "Subtract" || call.Instance == null || call.Arguments.Length != 1
                || !model.IsWallClockType(call.TargetMethod.ContainingType)
                || !model.IsTimeSpan(call.TargetMethod.ReturnType))
            {
                return;
            }

            var body = WallClockModel.GetBody(call);
            if (model.IsStampValue(call.Instance, body, context.CancellationToken)
                && model.IsStampValue(call.Arguments[0].Value, body, context.CancellationToken))
            {
                Report(context, call);
            }
        }

        private static void Report(OperationAnalysisContext context, IOperation operation) =>
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                operation.Syntax.GetLocation(),
                operation.Syntax.ToString()));
    }
}
