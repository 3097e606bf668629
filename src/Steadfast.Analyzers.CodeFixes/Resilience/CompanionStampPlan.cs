using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4002 on stamps held in locals that the locals-only rewrite cannot convert: the start is also logged, stored or
    /// shown as a date, it is counted in ticks or Unix milliseconds, or an <c>end - start</c> has to work on a target
    /// without <c>Stopwatch.GetElapsedTime</c>. Each stamp local gets a monotonic timestamp read right after it (its
    /// companion), and every measurement made from the local is made from the companion instead; the date stays for
    /// whatever else uses it. When nothing else uses it, the declaration itself becomes the timestamp.
    /// </summary>
    internal sealed class CompanionStampPlan
    {
        /// <summary>How a stamp counts time: a DateTime(Offset), ticks (divided by a constant), Unix milliseconds or seconds.</summary>
        internal readonly struct Unit
        {
            public Unit(string kind, object? divisor, ExpressionSyntax? divisorSyntax)
            {
                Kind = kind;
                Divisor = divisor;
                DivisorSyntax = divisorSyntax;
            }

            /// <summary>"Date", "Ticks", "UnixMilliseconds" or "UnixSeconds".</summary>
            public string Kind { get; }
            public object? Divisor { get; }
            public ExpressionSyntax? DivisorSyntax { get; }

            public bool SameAs(Unit other) => Kind == other.Kind && Equals(Divisor, other.Divisor);
        }

        internal enum SiteKind
        {
            /// <summary><c>now - start</c>: the time since the start.</summary>
            ElapsedSince,
            /// <summary><c>end - start</c> between two stamp locals.</summary>
            ElapsedBetween,
            /// <summary><c>now &lt; start + offset</c>, or <c>now &lt; deadline</c> with the deadline local a start plus an offset.</summary>
            Deadline,
            /// <summary><c>deadline - now</c>: the time left, the offset less the time since the start.</summary>
            Remaining,
        }

        internal sealed class Site
        {
            public Site(SiteKind kind, SyntaxNode node, ILocalSymbol start, Unit unit, ILocalSymbol? end = null, ExpressionSyntax? clockSide = null, ExpressionSyntax? offset = null, string? offsetUnit = null)
            {
                Kind = kind;
                Node = node;
                Start = start;
                Unit = unit;
                End = end;
                ClockSide = clockSide;
                Offset = offset;
                OffsetUnit = offsetUnit;
            }

            public SiteKind Kind { get; }
            /// <summary>The subtraction or comparison replaced.</summary>
            public SyntaxNode Node { get; }
            /// <summary>The local measured from: a stamp, or a deadline local whose companion is its start.</summary>
            public ILocalSymbol Start { get; }
            public Unit Unit { get; }
            public ILocalSymbol? End { get; }
            public ExpressionSyntax? ClockSide { get; }
            public ExpressionSyntax? Offset { get; }
            /// <summary>Seconds, Milliseconds … for <c>AddSeconds(n)</c>; null when the offset already has the stamp's unit.</summary>
            public string? OffsetUnit { get; }
        }

        private readonly WallClockModel _model;
        private readonly SemanticModel _semanticModel;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<SyntaxNode, Site> _sites = new Dictionary<SyntaxNode, Site>();
        private readonly Dictionary<ILocalSymbol, IOperation> _bodies = new Dictionary<ILocalSymbol, IOperation>(SymbolEqualityComparer.Default);
        private readonly Dictionary<ILocalSymbol, Unit?> _stampUnits = new Dictionary<ILocalSymbol, Unit?>(SymbolEqualityComparer.Default);
        // A deadline local, and the offset added to its start (the start is a reading, or a stamp local).
        private readonly Dictionary<ILocalSymbol, (Unit Unit, IOperation Offset, string? OffsetUnit, ILocalSymbol? StartLocal)?> _deadlines
            = new Dictionary<ILocalSymbol, (Unit, IOperation, string?, ILocalSymbol?)?>(SymbolEqualityComparer.Default);

        private CompanionStampPlan(WallClockModel model, SemanticModel semanticModel, CancellationToken cancellationToken)
        {
            _model = model;
            _semanticModel = semanticModel;
            _cancellationToken = cancellationToken;
        }

        public IReadOnlyCollection<Site> Sites => _sites.Values;

        /// <summary>Every local a site measures from (stamps, deadlines and their stamp starts).</summary>
        public IEnumerable<ILocalSymbol> Locals => _bodies.Keys;

        public bool IsDeadline(ILocalSymbol local) => _deadlines.TryGetValue(local, out var deadline) && deadline != null;

        /// <summary>The stamp local a deadline local was computed from (<c>var end = start + 5000</c>), if any.</summary>
        public ILocalSymbol? DeadlineStartLocal(ILocalSymbol deadline) => _deadlines.TryGetValue(deadline, out var parts) ? parts?.StartLocal : null;

        public IOperation BodyOf(ILocalSymbol local) => _bodies[local];

        /// <summary>
        /// The sites that fix the flagged operations, plus every other measurement made from the same locals (so that one
        /// local gets one companion). Null when a flagged operation is not such a measurement, or touches an excluded local.
        /// </summary>
        public static CompanionStampPlan? Create(WallClockModel model, SemanticModel semanticModel, IEnumerable<IOperation> flagged,
            ISet<ISymbol> excluded, CancellationToken cancellationToken)
        {
            var plan = new CompanionStampPlan(model, semanticModel, cancellationToken);
            var pending = new Stack<ILocalSymbol>();
            foreach (var operation in flagged)
            {
                var site = plan.Classify(operation, WallClockModel.GetBody(operation));
                if (site == null || plan.LocalsOf(site).Any(excluded.Contains))
                    continue;
                plan.Add(site, pending, WallClockModel.GetBody(operation));
            }

            while (pending.Count > 0)
            {
                var local = pending.Pop();
                var body = plan._bodies[local];
                foreach (var reference in WallClockModel.References(local, body))
                {
                    var site = plan.SiteOf(reference, body);
                    if (site != null && !plan.LocalsOf(site).Any(excluded.Contains))
                        plan.Add(site, pending, body);
                }
            }

            return plan._sites.Count == 0 ? null : plan;
        }

        private IEnumerable<ILocalSymbol> LocalsOf(Site site)
        {
            yield return site.Start;
            if (site.End != null)
                yield return site.End;
            if (DeadlineStartLocal(site.Start) is { } start)
                yield return start;
        }

        private void Add(Site site, Stack<ILocalSymbol> pending, IOperation body)
        {
            if (_sites.ContainsKey(site.Node))
                return;
            _sites.Add(site.Node, site);
            foreach (var local in LocalsOf(site))
            {
                if (!_bodies.ContainsKey(local))
                {
                    _bodies[local] = body;
                    pending.Push(local);
                }
            }
        }

        /// <summary>The measurement a reference to a planned local sits in, if it is one.</summary>
        private Site? SiteOf(ILocalReferenceOperation reference, IOperation body)
        {
            var parent = reference.Parent;
            while (parent is IConversionOperation { IsImplicit: true } || parent is IArgumentOperation)
                parent = parent.Parent;
            if (parent != null && (_model.TryGetDeadlineParts(parent, out _, out _, out _) || parent is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add }))
                parent = parent.Parent;
            while (parent is IConversionOperation { IsImplicit: true })
                parent = parent.Parent;
            return parent == null ? null : Classify(parent, body);
        }

        private Site? Classify(IOperation operation, IOperation body)
        {
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } subtraction:
                    return ClassifySubtraction(operation, subtraction.LeftOperand, subtraction.RightOperand, body);
                case IInvocationOperation { TargetMethod: { Name: "Subtract" }, Instance: { } instance, Arguments: { Length: 1 } arguments } call
                    when _model.IsTimeSpan(call.Type):
                    return ClassifySubtraction(operation, instance, arguments[0].Value, body);
                case IBinaryOperation comparison when IsOrdering(comparison.OperatorKind):
                    return ClassifyComparison(comparison, comparison.LeftOperand, comparison.RightOperand, body)
                        ?? ClassifyComparison(comparison, comparison.RightOperand, comparison.LeftOperand, body);
                default:
                    return null;
            }
        }

        private Site? ClassifySubtraction(IOperation operation, IOperation minuend, IOperation subtrahend, IOperation body)
        {
            if (ReadingUnit(subtrahend) is { } clockUnit && ClassifyRemaining(operation, WallClockModel.Unwrap(minuend), clockUnit, body) is { } remaining)
                return remaining;
            if (!(WallClockModel.Unwrap(subtrahend) is ILocalReferenceOperation start) || !(StampUnit(start.Local, body) is { } unit))
                return null;
            if (unit.Kind == "Date" ? !_model.IsTimeSpan(operation.Type) : operation.Type?.SpecialType != SpecialType.System_Int64)
                return null;
            var node = operation.Syntax.Parent is ParenthesizedExpressionSyntax parenthesized ? parenthesized : operation.Syntax;
            if (ReadingUnit(minuend) is { } nowUnit && nowUnit.SameAs(unit))
                return new Site(SiteKind.ElapsedSince, node, start.Local, unit);
            if (WallClockModel.Unwrap(minuend) is ILocalReferenceOperation end && !SymbolEqualityComparer.Default.Equals(end.Local, start.Local)
                && StampUnit(end.Local, body) is { } endUnit && endUnit.SameAs(unit))
                return new Site(SiteKind.ElapsedBetween, node, start.Local, unit, end: end.Local);
            return null;
        }

        /// <summary><c>deadline - now</c> or <c>start.AddSeconds(5) - now</c>.</summary>
        private Site? ClassifyRemaining(IOperation operation, IOperation? deadline, Unit unit, IOperation body)
        {
            if (unit.Kind == "Date" ? !_model.IsTimeSpan(operation.Type) : operation.Type?.SpecialType != SpecialType.System_Int64)
                return null;
            var node = operation.Syntax.Parent is ParenthesizedExpressionSyntax parenthesized ? parenthesized : operation.Syntax;
            if (deadline is ILocalReferenceOperation deadlineLocal && DeadlineOf(deadlineLocal.Local, body) is { } parts && parts.Unit.SameAs(unit))
                return new Site(SiteKind.Remaining, node, deadlineLocal.Local, unit, offset: (ExpressionSyntax)parts.Offset.Syntax, offsetUnit: parts.OffsetUnit);
            if (SplitDeadline(deadline, unit, out var start, out var offset, out var offsetUnit)
                && WallClockModel.Unwrap(start) is ILocalReferenceOperation startLocal && StampUnit(startLocal.Local, body) is { } startUnit && startUnit.SameAs(unit))
                return new Site(SiteKind.Remaining, node, startLocal.Local, unit, offset: (ExpressionSyntax)offset.Syntax, offsetUnit: offsetUnit);
            return null;
        }

        private Site? ClassifyComparison(IBinaryOperation comparison, IOperation clockSide, IOperation deadlineSide, IOperation body)
        {
            if (!(ReadingUnit(clockSide) is { } unit))
                return null;
            var deadline = WallClockModel.Unwrap(deadlineSide);
            if (deadline is ILocalReferenceOperation deadlineLocal && DeadlineOf(deadlineLocal.Local, body) is { } parts && parts.Unit.SameAs(unit))
            {
                return new Site(SiteKind.Deadline, comparison.Syntax, deadlineLocal.Local, unit, clockSide: (ExpressionSyntax)clockSide.Syntax,
                    offset: (ExpressionSyntax)parts.Offset.Syntax, offsetUnit: parts.OffsetUnit);
            }

            // Inline: now < start.AddSeconds(5), nowMs > startMs + timeoutMs (the offset is evaluated where it always was).
            if (SplitDeadline(deadline, unit, out var start, out var offset, out var offsetUnit)
                && WallClockModel.Unwrap(start) is ILocalReferenceOperation startLocal && StampUnit(startLocal.Local, body) is { } startUnit && startUnit.SameAs(unit))
            {
                return new Site(SiteKind.Deadline, comparison.Syntax, startLocal.Local, unit, clockSide: (ExpressionSyntax)clockSide.Syntax,
                    offset: (ExpressionSyntax)offset.Syntax, offsetUnit: offsetUnit);
            }

            return null;
        }

        /// <summary><c>start + offset</c> in the unit: <c>AddSeconds(n)</c>, <c>+ TimeSpan</c> for dates; <c>+ n</c> for numbers.</summary>
        private bool SplitDeadline(IOperation? deadline, Unit unit, out IOperation start, out IOperation offset, out string? offsetUnit)
        {
            if (unit.Kind == "Date")
                return _model.TryGetDeadlineParts(deadline, out start, out offset, out offsetUnit);
            offsetUnit = null;
            start = null!;
            offset = null!;
            if (!(deadline is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add) || deadline.Type?.SpecialType != SpecialType.System_Int64)
                return false;
            start = WallClockModel.Unwrap(add.LeftOperand)!;
            offset = add.RightOperand;
            return true;
        }

        /// <summary>The unit of a stamp local: declared alone with a reading, never written again, its statement in a block.</summary>
        private Unit? StampUnit(ILocalSymbol local, IOperation body)
        {
            if (_stampUnits.TryGetValue(local, out var known))
                return known;
            Unit? unit = null;
            if (DeclarationOf(local) is { Initializer: { } initializer } && !local.IsConst && !local.IsRef
                && (local.Type.SpecialType == SpecialType.System_Int64 || _model.IsWallClockType(local.Type))
                && ReadingUnit(_semanticModel.GetOperation(WithoutParentheses(initializer.Value), _cancellationToken)) is { } found
                && (found.Kind == "Date") == _model.IsWallClockType(local.Type)
                && WallClockModel.AllWritesAre(local, body, value => value.Parent is IVariableInitializerOperation || IsStatementWrite(value, found), _cancellationToken))
            {
                unit = found;
            }

            _stampUnits[local] = unit;
            return unit;
        }

        /// <summary><c>start = DateTime.UtcNow;</c> as a statement of a block: a companion can be stamped right after it.</summary>
        private bool IsStatementWrite(IOperation value, Unit unit) =>
            value.Parent is ISimpleAssignmentOperation { Parent: IExpressionStatementOperation } assignment
            && assignment.Syntax.Parent is ExpressionStatementSyntax { Parent: BlockSyntax or SwitchSectionSyntax }
            && ReadingUnit(value) is { } written && written.SameAs(unit);

        /// <summary>The statements that stamp the local again after its declaration (<c>start = DateTime.UtcNow;</c>).</summary>
        public IEnumerable<ExpressionStatementSyntax> Rewrites(ILocalSymbol local) =>
            WallClockModel.References(local, _bodies[local])
                .Where(r => r.Parent is ISimpleAssignmentOperation assignment && assignment.Target == r)
                .Select(r => (ExpressionStatementSyntax)r.Parent!.Syntax.Parent!);

        /// <summary>A deadline local: declared alone as a reading (or a stamp local) plus an offset that reads the same later.</summary>
        private (Unit Unit, IOperation Offset, string? OffsetUnit, ILocalSymbol? StartLocal)? DeadlineOf(ILocalSymbol local, IOperation body)
        {
            if (_deadlines.TryGetValue(local, out var known))
                return known;
            (Unit, IOperation, string?, ILocalSymbol?)? result = null;
            if (DeclarationOf(local) is { Initializer: { } initializer } && !local.IsConst && !local.IsRef
                && _semanticModel.GetOperation(WithoutParentheses(initializer.Value), _cancellationToken) is { } value
                && WallClockModel.AllWritesAre(local, body, v => v.Parent is IVariableInitializerOperation, _cancellationToken))
            {
                foreach (var unit in CandidateUnits(value))
                {
                    if (!SplitDeadline(WallClockModel.Unwrap(value), unit, out var start, out var offset, out var offsetUnit) || !IsStable(offset))
                        continue;
                    if (ReadingUnit(start) is { } readingUnit && readingUnit.SameAs(unit))
                        result = (unit, offset, offsetUnit, null);
                    else if (WallClockModel.Unwrap(start) is ILocalReferenceOperation startLocal && StampUnit(startLocal.Local, body) is { } stampUnit && stampUnit.SameAs(unit))
                        result = (unit, offset, offsetUnit, startLocal.Local);
                    break;
                }
            }

            _deadlines[local] = result;
            return result;
        }

        /// <summary>The unit a deadline is in, read off its start (a reading or a stamp local).</summary>
        private IEnumerable<Unit> CandidateUnits(IOperation value)
        {
            value = WallClockModel.Unwrap(value)!;
            IOperation? start = null;
            if (_model.TryGetDeadlineParts(value, out var dateStart, out _, out _))
                start = dateStart;
            else if (value is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add)
                start = WallClockModel.Unwrap(add.LeftOperand);
            if (start == null)
                yield break;
            if (ReadingUnit(start) is { } reading)
                yield return reading;
            else if (start is ILocalReferenceOperation local && _stampUnits.TryGetValue(local.Local, out var stamp) && stamp != null)
                yield return stamp.Value;
            else if (start is ILocalReferenceOperation other && StampUnit(other.Local, WallClockModel.GetBody(start)) is { } otherUnit)
                yield return otherUnit;
        }

        /// <summary>A reading of the clock and its unit: <c>DateTime.UtcNow</c>, <c>.Ticks</c>, <c>.Ticks / 10000</c>, <c>ToUnixTimeMilliseconds()</c>.</summary>
        public Unit? ReadingUnit(IOperation? operation)
        {
            operation = WallClockModel.Unwrap(operation);
            if (_model.IsWallClockRead(operation))
                return new Unit("Date", null, null);
            switch (operation)
            {
                case IPropertyReferenceOperation { Property: { Name: "Ticks" or "UtcTicks" } } ticks when _model.IsWallClockRead(ticks.Instance):
                    return new Unit("Ticks", null, null);
                case IInvocationOperation { TargetMethod: { Name: "ToUnixTimeMilliseconds" }, Instance: { } instance } when _model.IsWallClockRead(instance):
                    return new Unit("UnixMilliseconds", null, null);
                case IInvocationOperation { TargetMethod: { Name: "ToUnixTimeSeconds" }, Instance: { } instance } when _model.IsWallClockRead(instance):
                    return new Unit("UnixSeconds", null, null);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide } divide
                    when divide.Type?.SpecialType == SpecialType.System_Int64 && divide.RightOperand.ConstantValue is { HasValue: true, Value: { } divisor }
                        && ReadingUnit(divide.LeftOperand) is { Kind: "Ticks", Divisor: null }:
                    return new Unit("Ticks", System.Convert.ToInt64(divisor, System.Globalization.CultureInfo.InvariantCulture), (ExpressionSyntax)divide.RightOperand.Syntax);
                default:
                    return null;
            }
        }

        /// <summary>A plain <c>T name = value;</c> statement, alone in its declaration, in a block or switch section.</summary>
        public VariableDeclaratorSyntax? DeclarationOf(ILocalSymbol local)
        {
            if (local.DeclaringSyntaxReferences.Length != 1
                || !(local.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is VariableDeclaratorSyntax declarator)
                || !(declarator.Parent is VariableDeclarationSyntax { Variables: { Count: 1 } })
                || !(declarator.Parent.Parent is LocalDeclarationStatementSyntax { UsingKeyword: { RawKind: 0 }, AwaitKeyword: { RawKind: 0 } } statement)
                || statement.IsConst
                || !(statement.Parent is BlockSyntax || statement.Parent is SwitchSectionSyntax))
            {
                return null;
            }

            return declarator;
        }

        private static ExpressionSyntax WithoutParentheses(ExpressionSyntax expression)
        {
            while (expression is ParenthesizedExpressionSyntax parenthesized)
                expression = parenthesized.Expression;
            return expression;
        }

        private static bool IsOrdering(BinaryOperatorKind kind) =>
            kind == BinaryOperatorKind.LessThan || kind == BinaryOperatorKind.LessThanOrEqual
            || kind == BinaryOperatorKind.GreaterThan || kind == BinaryOperatorKind.GreaterThanOrEqual;

        /// <summary>An offset read again at the comparison gives the same value: constants, parameters, locals, fields, and arithmetic of those.</summary>
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
                case IConversionOperation conversion:
                    return IsStable(conversion.Operand);
                case IUnaryOperation unary:
                    return IsStable(unary.Operand);
                case IBinaryOperation binary:
                    return IsStable(binary.LeftOperand) && IsStable(binary.RightOperand);
                default:
                    return offset.ConstantValue.HasValue;
            }
        }
    }
}
