using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// Decides which SF4002 sites can be moved to a monotonic clock without changing what the code
    /// means. A local can change from a DateTime to a timestamp only when every use of it is a
    /// measurement we rewrite too; a single stray use (logged, stored, returned) keeps it as it is.
    /// </summary>
    internal sealed class WallClockRewritePlan
    {
        private readonly WallClockModel _model;
        private readonly IOperation _body;
        private readonly CancellationToken _cancellationToken;
        private readonly HashSet<ILocalSymbol> _timestampLocals = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<ILocalSymbol> _deadlineLocals = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);

        private WallClockRewritePlan(WallClockModel model, IOperation body, CancellationToken cancellationToken)
        {
            _model = model;
            _body = body;
            _cancellationToken = cancellationToken;
        }

        /// <summary>A measurement to rewrite, and the locals it depends on.</summary>
        public sealed class Site
        {
            public Site(IOperation operation, SiteKind kind, ILocalSymbol start, ILocalSymbol? end, IOperation? clockSide, IOperation? offset, string? offsetUnit)
            {
                Operation = operation;
                Kind = kind;
                Start = start;
                End = end;
                ClockSide = clockSide;
                Offset = offset;
                OffsetUnit = offsetUnit;
            }

            public IOperation Operation { get; }
            public SiteKind Kind { get; }
            /// <summary>The timestamp local measured from (for a deadline local: the deadline itself).</summary>
            public ILocalSymbol Start { get; }
            /// <summary>For <c>end - start</c>: the end local.</summary>
            public ILocalSymbol? End { get; }
            /// <summary>For comparisons: the operand that reads the clock now.</summary>
            public IOperation? ClockSide { get; }
            /// <summary>For comparisons: the timeout added to the start.</summary>
            public IOperation? Offset { get; }
            /// <summary>Milliseconds, Seconds … when the offset is the number passed to AddSeconds and the like.</summary>
            public string? OffsetUnit { get; }
        }

        public enum SiteKind
        {
            /// <summary><c>DateTime.UtcNow - start</c> → <c>GetElapsedTime(start)</c>.</summary>
            ElapsedSinceStart,
            /// <summary><c>end - start</c> → <c>GetElapsedTime(start, end)</c>.</summary>
            ElapsedBetween,
            /// <summary><c>DateTime.UtcNow &lt; start.AddSeconds(5)</c> → <c>GetElapsedTime(start) &lt; TimeSpan.FromSeconds(5)</c>.</summary>
            InlineDeadline,
            /// <summary><c>DateTime.UtcNow &lt; deadline</c> with <c>deadline = DateTime.UtcNow + timeout</c>.</summary>
            DeadlineLocal,
        }

        public static WallClockRewritePlan Create(WallClockModel model, IOperation body, CancellationToken cancellationToken)
        {
            var plan = new WallClockRewritePlan(model, body, cancellationToken);
            plan.FindRewritableLocals();
            return plan;
        }

        /// <summary>
        /// The sites to rewrite so that the flagged operation is fixed: the operation itself and every other
        /// use of the locals it converts (transitively). Empty when it cannot be rewritten safely.
        /// </summary>
        public IReadOnlyCollection<Site> SitesToFix(IEnumerable<IOperation> flagged)
        {
            var sites = new Dictionary<IOperation, Site>();
            var pendingLocals = new Stack<ILocalSymbol>();
            var seenLocals = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);

            void Add(Site site)
            {
                if (sites.ContainsKey(site.Operation))
                    return;
                sites.Add(site.Operation, site);
                foreach (var local in new[] { site.Start, site.End })
                {
                    if (local != null && seenLocals.Add(local))
                        pendingLocals.Push(local);
                }
            }

            foreach (var operation in flagged)
            {
                var site = Classify(operation);
                if (site == null)
                    return new Site[0];
                Add(site);
            }

            while (pendingLocals.Count > 0)
            {
                var local = pendingLocals.Pop();
                foreach (var reference in WallClockModel.References(local, _body))
                {
                    var site = SiteOf(reference);
                    if (site == null)
                        return new Site[0]; // cannot happen for a rewritable local; be safe
                    Add(site);
                }
            }

            return sites.Values;
        }

        public bool IsTimestampLocal(ILocalSymbol local) => _timestampLocals.Contains(local);

        public bool IsDeadlineLocal(ILocalSymbol local) => _deadlineLocals.Contains(local);

        private void FindRewritableLocals()
        {
            foreach (var declarator in _body.Descendants().OfType<IVariableDeclaratorOperation>())
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var local = declarator.Symbol;
                var initializer = declarator.GetVariableInitializer()?.Value;
                if (initializer == null || !HasSingleDeclarator(declarator) || HasOtherWrites(local))
                    continue;
                if (_model.IsWallClockRead(initializer))
                    _timestampLocals.Add(local);
                else if (_model.TryGetDeadlineParts(initializer, out var start, out var offset, out _)
                    && _model.IsWallClockRead(start) && IsStable(offset))
                    _deadlineLocals.Add(local);
            }

            // Drop locals with a use we cannot rewrite, until nothing changes: dropping one can strand another.
            bool changed;
            do
            {
                changed = false;
                foreach (var local in _timestampLocals.Concat(_deadlineLocals).ToList())
                {
                    if (WallClockModel.References(local, _body).All(r => SiteOf(r) != null))
                        continue;
                    _timestampLocals.Remove(local);
                    _deadlineLocals.Remove(local);
                    changed = true;
                }
            }
            while (changed);
        }

        /// <summary>The rewritable site a reference to a candidate local sits in, if any.</summary>
        private Site? SiteOf(ILocalReferenceOperation reference)
        {
            var parent = reference.Parent;
            // Implicit conversion to DateTimeOffset, an argument wrapper or a deadline expression sit between.
            while (parent is IConversionOperation { IsImplicit: true } || parent is IArgumentOperation)
                parent = parent.Parent;
            if (parent != null && _model.TryGetDeadlineParts(parent, out _, out _, out _))
                parent = parent.Parent;
            while (parent is IConversionOperation { IsImplicit: true })
                parent = parent.Parent;
            return parent == null ? null : Classify(parent);
        }

        private Site? Classify(IOperation operation)
        {
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } subtraction:
                    return ClassifySubtraction(operation, subtraction.LeftOperand, subtraction.RightOperand);
                case IInvocationOperation { TargetMethod: { Name: "Subtract" }, Instance: { } instance, Arguments: { Length: 1 } arguments }:
                    return ClassifySubtraction(operation, instance, arguments[0].Value);
                case IBinaryOperation comparison when IsOrdering(comparison.OperatorKind):
                    return ClassifyComparison(comparison, comparison.LeftOperand, comparison.RightOperand)
                        ?? ClassifyComparison(comparison, comparison.RightOperand, comparison.LeftOperand);
                default:
                    return null;
            }
        }

        private Site? ClassifySubtraction(IOperation operation, IOperation minuend, IOperation subtrahend)
        {
            if (!(WallClockModel.Unwrap(subtrahend) is ILocalReferenceOperation start) || !_timestampLocals.Contains(start.Local))
                return null;
            var end = WallClockModel.Unwrap(minuend);
            if (_model.IsWallClockRead(end))
                return new Site(operation, SiteKind.ElapsedSinceStart, start.Local, null, null, null, null);
            if (end is ILocalReferenceOperation endLocal && _timestampLocals.Contains(endLocal.Local)
                && !SymbolEqualityComparer.Default.Equals(endLocal.Local, start.Local))
                return new Site(operation, SiteKind.ElapsedBetween, start.Local, endLocal.Local, null, null, null);
            return null;
        }

        private Site? ClassifyComparison(IBinaryOperation comparison, IOperation clockSide, IOperation deadlineSide)
        {
            if (!_model.IsWallClockRead(clockSide))
                return null;
            var deadline = WallClockModel.Unwrap(deadlineSide);
            if (deadline is ILocalReferenceOperation deadlineLocal && _deadlineLocals.Contains(deadlineLocal.Local))
                return new Site(comparison, SiteKind.DeadlineLocal, deadlineLocal.Local, null, clockSide, null, null);
            if (_model.TryGetDeadlineParts(deadline, out var start, out var offset, out var unit)
                && start is ILocalReferenceOperation startLocal && _timestampLocals.Contains(startLocal.Local) && IsStable(offset))
                return new Site(comparison, SiteKind.InlineDeadline, startLocal.Local, null, clockSide, offset, unit);
            return null;
        }

        private static bool IsOrdering(BinaryOperatorKind kind) =>
            kind == BinaryOperatorKind.LessThan || kind == BinaryOperatorKind.LessThanOrEqual
            || kind == BinaryOperatorKind.GreaterThan || kind == BinaryOperatorKind.GreaterThanOrEqual;

        /// <summary>
        /// An offset we may move from the declaration to the comparison: evaluating it again there must give
        /// the same value (constants, parameters, locals, fields, TimeSpan.FromX of those).
        /// </summary>
        private bool IsStable(IOperation offset)
        {
            offset = WallClockModel.Unwrap(offset)!;
            switch (offset)
            {
                case ILiteralOperation _:
                case IParameterReferenceOperation _:
                case ILocalReferenceOperation _:
                case IFieldReferenceOperation _:
                    return true;
                case IPropertyReferenceOperation property:
                    return property.Instance == null || property.Instance is IInstanceReferenceOperation || IsStable(property.Instance);
                case IInvocationOperation call:
                    return call.Instance == null && _model.IsTimeSpan(call.TargetMethod.ContainingType)
                        && call.TargetMethod.Name.StartsWith("From", System.StringComparison.Ordinal)
                        && call.Arguments.All(a => IsStable(a.Value));
                case IObjectCreationOperation creation:
                    return creation.Initializer == null && creation.Arguments.All(a => IsStable(a.Value));
                case IUnaryOperation unary:
                    return IsStable(unary.Operand);
                case IBinaryOperation binary:
                    return IsStable(binary.LeftOperand) && IsStable(binary.RightOperand);
                default:
                    return offset.ConstantValue.HasValue;
            }
        }

        private static bool HasSingleDeclarator(IVariableDeclaratorOperation declarator) =>
            declarator.Parent is IVariableDeclarationOperation declaration && declaration.Declarators.Length == 1
            && declaration.Parent is IVariableDeclarationGroupOperation;

        /// <summary>Any write besides the declaration's initializer (the value passed in is never the initializer's otherwise).</summary>
        private bool HasOtherWrites(ILocalSymbol local) =>
            !WallClockModel.AllWritesAre(local, _body, value => value.Parent is IVariableInitializerOperation, _cancellationToken);
    }
}
