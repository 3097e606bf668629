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

        private readonly Compilation _compilation;
        // Scanned on first use with the token of the caller that needs it (a cancelled scan leaves it unset).
        private WallClockMembers? _members;

        private WallClockModel(Compilation compilation, INamedTypeSymbol dateTime, INamedTypeSymbol? dateTimeOffset, INamedTypeSymbol timeSpan)
        {
            _dateTime = dateTime;
            _dateTimeOffset = dateTimeOffset;
            _timeSpan = timeSpan;
            _compilation = compilation;
        }

        public static WallClockModel? Create(Compilation compilation)
        {
            var dateTime = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemDateTime);
            var timeSpan = compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemTimeSpan);
            if (dateTime == null || timeSpan == null)
                return null;
            return new WallClockModel(compilation, dateTime, compilation.GetBestTypeByMetadataName(WellKnownTypeNames.SystemDateTimeOffset), timeSpan);
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

        /// <summary>A wall-clock read in any unit: <c>DateTime.UtcNow</c>, <c>DateTime.Now.Ticks</c>, <c>DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()</c>.</summary>
        public bool IsClockReading(IOperation? operation)
        {
            operation = Unwrap(operation);
            if (IsWallClockRead(operation))
                return true;
            return operation switch
            {
                IPropertyReferenceOperation { Property: { Name: "Ticks" or "UtcTicks" } } ticks => IsWallClockRead(ticks.Instance),
                IInvocationOperation { TargetMethod: { Name: "ToUnixTimeMilliseconds" or "ToUnixTimeSeconds" } } unix => IsWallClockRead(unix.Instance),
                _ => false,
            };
        }

        /// <summary>
        /// What the analyzer counts as a wall-clock stamp: a reading; a local of this body that only ever holds one;
        /// a field or property that only ever holds one anywhere in the compilation; the ticks or Unix time of a stamp.
        /// </summary>
        public bool IsStampValue(IOperation? operation, IOperation body, CancellationToken cancellationToken) =>
            IsStampValue(operation, body, cancellationToken, 5);

        private bool IsStampValue(IOperation? operation, IOperation body, CancellationToken cancellationToken, int depth)
        {
            operation = Unwrap(operation);
            if (IsClockReading(operation))
                return true;
            if (depth <= 0)
                return false;
            switch (operation)
            {
                case ILocalReferenceOperation local:
                    // A local holding readings, or values read from a stamp (var previous = Interlocked.Read(ref _lastTicks)).
                    if (StampDictionaryLocal(local.Local, body, cancellationToken))
                        return true;
                    return AllWritesAre(local.Local, body, value => IsStampValue(value, body, cancellationToken, depth - 1), cancellationToken);
                case IPropertyReferenceOperation { Property: { IsIndexer: true }, Instance: { } dictionary }:
                    return IsStampDictionary(dictionary, cancellationToken); // _lastSeen[client]
                case IPropertyReferenceOperation { Property: { Name: "Value" }, Instance: ILocalReferenceOperation pair }
                    when pair.Type is INamedTypeSymbol { Name: "KeyValuePair" }:
                    return IsStampPairOf(pair.Local, body, cancellationToken); // foreach (var entry in _lastSeen) … entry.Value
                case IConversionOperation { IsImplicit: false, Operand: { Type: INamedTypeSymbol { OriginalDefinition: { SpecialType: SpecialType.System_Nullable_T } } } } cast:
                    return IsStampValue(cast.Operand, body, cancellationToken, depth - 1); // (DateTime)LoginTime
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Divide or BinaryOperatorKind.Multiply } scaled when scaled.RightOperand.ConstantValue.HasValue:
                    return IsStampValue(scaled.LeftOperand, body, cancellationToken, depth - 1); // DateTime.UtcNow.Ticks / 10000: the same stamp in milliseconds
                case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                    return IsStampValue(conditional.WhenTrue, body, cancellationToken, depth - 1) && IsStampValue(whenFalse, body, cancellationToken, depth - 1);
                case IObjectCreationOperation { Arguments: { Length: > 0 } arguments } creation when IsWallClockType(creation.Type):
                    return arguments[0].Value.Type?.SpecialType == SpecialType.System_Int64 && IsStampValue(arguments[0].Value, body, cancellationToken, depth - 1);
                case IPropertyReferenceOperation { Property: { Name: "Ticks" or "UtcTicks" } } ticks when IsWallClockType(ticks.Instance?.Type):
                    return IsStampValue(ticks.Instance, body, cancellationToken);
                case IPropertyReferenceOperation { Property: { Name: "Value" } } value when value.Instance?.Type is INamedTypeSymbol { OriginalDefinition: { SpecialType: SpecialType.System_Nullable_T } }:
                    return IsStampValue(value.Instance, body, cancellationToken);
                case IInvocationOperation { TargetMethod: { Name: "ToUnixTimeMilliseconds" or "ToUnixTimeSeconds" } } unix:
                    return IsStampValue(unix.Instance, body, cancellationToken);
                case IInvocationOperation { TargetMethod: { Name: "Read", IsStatic: true }, Arguments: { Length: 1 } arguments }:
                    return IsStampValue(arguments[0].Value, body, cancellationToken); // Volatile.Read(ref _stamp)
                case IInvocationOperation { TargetMethod: { Name: "Min" or "Max" } } extreme when extreme.Arguments.Length > 0:
                    // samples.Min(s => s.CreatedAt): the oldest (or newest) of the stamps the selector returns.
                    return IsStampSelector(extreme.Arguments[extreme.Arguments.Length - 1].Value, body, cancellationToken, depth - 1);
                case IInvocationOperation { Arguments: { Length: 0 } } call when call.TargetMethod.DeclaringSyntaxReferences.Length > 0:
                    // Clock.NowMs(): a method of this code whose every return reads the clock.
                    return Members(cancellationToken).ReturnKindOf(call.TargetMethod) == WallClockMembers.Kind.Stamp;
                case IFieldReferenceOperation field:
                    return IsClockMember(field.Field, field.Field.Type, WallClockMembers.Kind.Stamp, cancellationToken);
                case IPropertyReferenceOperation property:
                    return IsClockMember(property.Property, property.Property.Type, WallClockMembers.Kind.Stamp, cancellationToken);
                default:
                    return false;
            }
        }

        /// <summary>A lambda whose every return is a stamp: the selector of <c>Min(x =&gt; x.CreatedOnUtc)</c>.</summary>
        private bool IsStampSelector(IOperation? argument, IOperation body, CancellationToken cancellationToken, int depth)
        {
            if (!(Unwrap(argument) is IDelegateCreationOperation { Target: IAnonymousFunctionOperation selector }))
                return false;
            var returns = selector.Body.Descendants().OfType<IReturnOperation>().Where(r => r.ReturnedValue != null).ToList();
            return returns.Count > 0 && returns.All(r => IsStampValue(r.ReturnedValue, body, cancellationToken, depth));
        }

        /// <summary>A dictionary field or property whose values are only ever wall-clock readings.</summary>
        private bool IsStampDictionary(IOperation? collection, CancellationToken cancellationToken)
        {
            collection = Unwrap(collection);
            var member = collection switch
            {
                IFieldReferenceOperation field => (ISymbol)field.Field,
                IPropertyReferenceOperation property => property.Property,
                _ => null,
            };
            if (member == null || member.DeclaringSyntaxReferences.Length == 0 || IsPersisted(member))
                return false;
            return Members(cancellationToken).ElementKindOf(member) == WallClockMembers.Kind.Stamp;
        }

        /// <summary>The local is the iteration variable of a foreach over a stamp dictionary.</summary>
        private bool IsStampPairOf(ILocalSymbol local, IOperation body, CancellationToken cancellationToken)
        {
            foreach (var loop in body.Descendants().OfType<IForEachLoopOperation>())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (loop.Locals.Contains(local, SymbolEqualityComparer.Default))
                    return IsStampDictionary(loop.Collection, cancellationToken);
            }

            return false;
        }

        /// <summary><c>_lastSeen.TryGetValue(id, out var lastSeen)</c>: the local receives one of the dictionary's stamps.</summary>
        private bool StampDictionaryLocal(ILocalSymbol local, IOperation body, CancellationToken cancellationToken)
        {
            foreach (var reference in References(local, body))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var argument = reference.Parent is IDeclarationExpressionOperation declaration ? declaration.Parent : reference.Parent;
                if (argument is IArgumentOperation { Parameter: { RefKind: RefKind.Out }, Parent: IInvocationOperation { TargetMethod: { Name: "TryGetValue" } } call })
                    return IsStampDictionary(call.Instance, cancellationToken) && References(local, body).Count(r => IsWritten(r)) == 1;
            }

            return false;
        }

        private static bool IsWritten(ILocalReferenceOperation reference) =>
            reference.IsDeclaration || reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference
            || reference.Parent is ICompoundAssignmentOperation || reference.Parent is IIncrementOrDecrementOperation
            || reference.Parent is IArgumentOperation { Parameter: { RefKind: RefKind.Out or RefKind.Ref } };

        /// <summary>A point offset from a stamp (<c>start + timeout</c>, <c>now.AddMinutes(-2)</c>, <c>now.Ticks - span</c>), or a local, field or property that only ever holds one.</summary>
        public bool IsDeadlineValue(IOperation? operation, IOperation body, CancellationToken cancellationToken)
        {
            operation = Unwrap(operation);
            if (IsOffsetFromStamp(operation, body, cancellationToken))
                return true;
            switch (operation)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Multiply or BinaryOperatorKind.Divide } scaled when scaled.RightOperand.ConstantValue.HasValue:
                    return IsDeadlineValue(scaled.LeftOperand, body, cancellationToken); // (lastMs + intervalMs) * 10000: the same deadline in ticks
                case ILocalReferenceOperation local:
                    return AllWritesAre(local.Local, body, value => IsOffsetFromStamp(value, body, cancellationToken), cancellationToken);
                case IFieldReferenceOperation field:
                    return IsClockMember(field.Field, field.Field.Type, WallClockMembers.Kind.Deadline, cancellationToken);
                case IPropertyReferenceOperation property:
                    return IsClockMember(property.Property, property.Property.Type, WallClockMembers.Kind.Deadline, cancellationToken);
                default:
                    return false;
            }
        }

        private bool IsOffsetFromStamp(IOperation? operation, IOperation body, CancellationToken cancellationToken)
        {
            operation = Unwrap(operation);
            if (TryGetDeadlineParts(operation, out var start, out _, out var unit))
            {
                // A window of days around a member's stamp (log.Timestamp.AddDays(30)) is calendar arithmetic on a record.
                if (unit == "Days" && (Unwrap(start) is IFieldReferenceOperation || Unwrap(start) is IPropertyReferenceOperation))
                    return false;
                return IsStampValue(start, body, cancellationToken);
            }
            return operation is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } binary
                && IsStampValue(binary.LeftOperand, body, cancellationToken) && !IsStampValue(binary.RightOperand, body, cancellationToken)
                && (IsTimeSpan(Unwrap(binary.RightOperand)?.Type) || IsNumber(Unwrap(binary.RightOperand)?.Type));
        }

        private static bool IsNumber(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Double;

        /// <summary>A field or property of this compilation that holds only stamps (or only deadlines), and is no persisted or serialized data.</summary>
        private WallClockMembers Members(CancellationToken cancellationToken)
        {
            var members = Volatile.Read(ref _members);
            if (members != null)
                return members;
            members = WallClockMembers.Scan(_compilation, cancellationToken);
            return Interlocked.CompareExchange(ref _members, members, null) ?? members;
        }

        private bool IsClockMember(ISymbol member, ITypeSymbol type, WallClockMembers.Kind kind, CancellationToken cancellationToken)
        {
            if (member.DeclaringSyntaxReferences.Length == 0)
                return false;
            if (type is INamedTypeSymbol { OriginalDefinition: { SpecialType: SpecialType.System_Nullable_T } } nullable)
                type = nullable.TypeArguments[0];
            if (!IsWallClockType(type) && type.SpecialType != SpecialType.System_Int64)
                return false;
            if (IsPersisted(member))
                return false;
            // A member marked as left out of storage ([NotMapped] LoginTime) lives in this process even on a type that is loaded.
            if (member.ContainingType != null && !IsMarkedNotStored(member) && Members(cancellationToken).IsLoaded(member.ContainingType))
                return false;
            return Members(cancellationToken).KindOf(member) == kind;
        }

        /// <summary>
        /// Mapped or serialized data ([Column], [JsonProperty], [Table] …) comes back from storage: a date, not a stamp. A member
        /// marked as left out of storage ([NotMapped], [JsonIgnore] …) lives in this process only.
        /// </summary>
        private static bool IsPersisted(ISymbol member)
        {
            var attributes = member.GetAttributes();
            if (attributes.Length > 0 && attributes.All(a => IsLeftOutOfStorage(a.AttributeClass?.Name)))
                return false;
            return attributes.Length > 0 || member is IPropertySymbol && member.ContainingType.GetAttributes().Length > 0;
        }

        private static bool IsMarkedNotStored(ISymbol member)
        {
            var attributes = member.GetAttributes();
            return attributes.Length > 0 && attributes.All(a => IsLeftOutOfStorage(a.AttributeClass?.Name));
        }

        private static bool IsLeftOutOfStorage(string? attribute) =>
            attribute is "NotMappedAttribute" or "JsonIgnoreAttribute" or "IgnoreDataMemberAttribute" or "XmlIgnoreAttribute"
                or "NonSerializedAttribute" or "BsonIgnoreAttribute" or "IgnoreAttribute";

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
