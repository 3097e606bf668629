using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// What SF4002 and its fix know about wall-clock time: which expressions read the wall clock,
    /// which locals hold nothing but such a reading, and which hold a deadline computed from one.
    /// Resolved once per compilation.
    /// </summary>
    internal sealed class WallClockModel
    {
        private readonly INamedTypeSymbol _dateTime;
        private readonly INamedTypeSymbol? _dateTimeOffset;
        private readonly INamedTypeSymbol _timeSpan;

        private WallClockModel(INamedTypeSymbol dateTime, INamedTypeSymbol? dateTimeOffset, INamedTypeSymbol timeSpan)
        {
            _dateTime = dateTime;
            _dateTimeOffset = dateTimeOffset;
            _timeSpan = timeSpan;
        }

        public static WallClockModel? Create(Compilation compilation)
        {
            var dateTime = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemDateTime);
            var timeSpan = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimeSpan);
            if (dateTime == null || timeSpan == null)
                return null;
            return new WallClockModel(dateTime, compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemDateTimeOffset), timeSpan);
        }

        public bool IsWallClockType(ITypeSymbol? type) =>
            type != null &&
            (SymbolEqualityComparer.Default.Equals(type, _dateTime) || SymbolEqualityComparer.Default.Equals(type, _dateTimeOffset));

        public bool IsTimeSpan(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, _timeSpan);

        /// <summary><c>DateTime.Now</c>, <c>DateTime.UtcNow</c>, <c>DateTimeOffset.Now</c>, <c>DateTimeOffset.UtcNow</c>.</summary>
        public bool IsWallClockRead(IOperation? operation)
        {
            operation = Unwrap(operation);
            return operation is IPropertyReferenceOperation { Property: { IsStatic: true } property }
                && (property.Name == "Now" || property.Name == "UtcNow")
                && IsWallClockType(property.ContainingType);
        }

        /// <summary>A wall-clock read, or a local of this body that only ever holds one.</summary>
        public bool IsWallClockTimestamp(IOperation? operation, IOperation body, CancellationToken cancellationToken)
        {
            operation = Unwrap(operation);
            if (IsWallClockRead(operation))
                return true;
            return operation is ILocalReferenceOperation local
                && AllWritesAre(local.Local, body, IsWallClockRead, cancellationToken);
        }

        /// <summary>
        /// A deadline: <c>now + offset</c>, <c>now.Add(offset)</c>, <c>now.AddSeconds(n)</c> … where now is a
        /// wall-clock timestamp of this body; or a local that only ever holds one.
        /// </summary>
        public bool IsWallClockDeadline(IOperation? operation, IOperation body, CancellationToken cancellationToken)
        {
            operation = Unwrap(operation);
            if (IsDeadlineExpression(operation, body, cancellationToken))
                return true;
            return operation is ILocalReferenceOperation local
                && AllWritesAre(local.Local, body, value => IsDeadlineExpression(value, body, cancellationToken), cancellationToken);
        }

        /// <summary>Splits a deadline expression into its starting timestamp and the offset added to it.</summary>
        public bool TryGetDeadlineParts(IOperation? operation, out IOperation start, out IOperation offset, out string? offsetUnit)
        {
            operation = Unwrap(operation);
            start = null!;
            offset = null!;
            offsetUnit = null;
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } add when IsTimeSpan(Unwrap(add.RightOperand)?.Type) && IsWallClockType(Unwrap(add.LeftOperand)?.Type):
                    start = Unwrap(add.LeftOperand)!;
                    offset = add.RightOperand;
                    return true;
                case IInvocationOperation { Instance: { } instance, Arguments: { Length: 1 } arguments } call
                    when IsWallClockType(call.TargetMethod.ContainingType) && call.TargetMethod.Name.StartsWith("Add", System.StringComparison.Ordinal):
                    var unit = call.TargetMethod.Name.Substring("Add".Length);
                    if (unit.Length == 0)
                    {
                        if (!IsTimeSpan(arguments[0].Value.Type))
                            return false;
                    }
                    else if (unit != "Milliseconds" && unit != "Seconds" && unit != "Minutes" && unit != "Hours" && unit != "Days")
                    {
                        return false; // AddTicks, AddMonths, AddYears: not a fixed span
                    }

                    start = Unwrap(instance)!;
                    offset = arguments[0].Value;
                    offsetUnit = unit.Length == 0 ? null : unit;
                    return true;
                default:
                    return false;
            }
        }

        private bool IsDeadlineExpression(IOperation? operation, IOperation body, CancellationToken cancellationToken) =>
            TryGetDeadlineParts(operation, out var start, out _, out _) && IsWallClockTimestamp(start, body, cancellationToken);

        /// <summary>
        /// True when the local is declared in this body with a value that passes <paramref name="isExpected"/>
        /// and every later write is a plain assignment of such a value (no ref/out, no compound assignment).
        /// </summary>
        public static bool AllWritesAre(ILocalSymbol local, IOperation body, System.Func<IOperation, bool> isExpected, CancellationToken cancellationToken)
        {
            var sawDeclaration = false;
            foreach (var operation in body.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                        var initializer = declarator.GetVariableInitializer();
                        if (initializer != null && !isExpected(initializer.Value))
                            return false;
                        sawDeclaration = true;
                        break;
                    case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, local):
                        if (reference.IsDeclaration)
                            return false; // out var, pattern or deconstruction declaration
                        switch (reference.Parent)
                        {
                            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                                if (!isExpected(assignment.Value))
                                    return false;
                                break;
                            case ICompoundAssignmentOperation compound when compound.Target == reference:
                            case ICoalesceAssignmentOperation coalesce when coalesce.Target == reference:
                            case IIncrementOrDecrementOperation _:
                            case IArgumentOperation { Parameter: { RefKind: RefKind.Ref } }:
                            case IArgumentOperation { Parameter: { RefKind: RefKind.Out } }:
                            case ITupleOperation _:
                                return false;
                        }

                        break;
                    case IDeclarationPatternOperation pattern when SymbolEqualityComparer.Default.Equals(pattern.DeclaredSymbol, local):
                        return false;
                }
            }

            return sawDeclaration;
        }

        /// <summary>Every reference to the local within the body.</summary>
        public static IEnumerable<ILocalReferenceOperation> References(ILocalSymbol local, IOperation body) =>
            body.Descendants().OfType<ILocalReferenceOperation>().Where(r => SymbolEqualityComparer.Default.Equals(r.Local, local));

        /// <summary>The outermost operation above this one: the whole method, accessor, lambda host or top-level program.</summary>
        public static IOperation GetBody(IOperation operation)
        {
            while (operation.Parent != null)
                operation = operation.Parent;
            return operation;
        }

        /// <summary>Skips implicit conversions (DateTime to DateTimeOffset, boxing …), which C# does not write.</summary>
        public static IOperation? Unwrap(IOperation? operation)
        {
            while (operation is IConversionOperation { IsImplicit: true } conversion)
                operation = conversion.Operand;
            return operation;
        }
    }
}
