using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>What an access made without the lock does, as far as a race goes.</summary>
    internal enum UnguardedAccessRisk
    {
        /// <summary>Cannot see a half-made change or lose one: a lone word-sized read, a stop-flag write, a reference swap.</summary>
        Benign,

        /// <summary>Reads or changes state that the locked code changes in place, or changes it in place itself.</summary>
        Races,

        /// <summary>Hands a collection that the locked code changes in place to a caller, who then uses it with no lock.</summary>
        Escapes,
    }

    /// <summary>
    /// SF3002's judgement of one access made without the lock that guards the field elsewhere. Real code shows
    /// that most such accesses are deliberate: a counter or state read for a status property (an int or a
    /// reference is read whole), a bool stop flag set from another thread, a copy-on-write field (a list or
    /// delegate replaced whole under the lock and read without it). What races is a read-modify-write, a change
    /// made in place, a read of a collection that the locked code changes in place, a torn multi-word struct,
    /// and a check of a field outside the lock that decides a write of it.
    /// </summary>
    internal static class UnguardedAccessShape
    {
        /// <summary>
        /// The facts about <paramref name="reference"/> that <see cref="Judge"/> needs, taken while its operation tree is at hand
        /// (SF3002 keeps these, not the tree, until the end of the type).
        /// </summary>
        public static AccessShape Describe(IOperation reference)
        {
            var flags = AccessShapeFlags.None;
            if (reference.Parent is ISimpleAssignmentOperation assignment && assignment.Target == reference)
            {
                flags |= AccessShapeFlags.AssignedWhole;
                var readsItself = ReadsItself(assignment.Value, reference);
                if (IsFreshObject(assignment.Value) || (!readsItself && IsMaterialisedCopy(assignment.Value)))
                    flags |= AccessShapeFlags.AssignedFreshObject;
                if (readsItself)
                    flags |= AccessShapeFlags.AssignedFromItself;
                if (IsConstant(assignment.Value))
                    flags |= AccessShapeFlags.AssignedConstant;
                if (IsDefault(assignment.Value))
                    flags |= AccessShapeFlags.AssignedDefault;
            }

            if (IsNullTestOrSize(reference))
                flags |= AccessShapeFlags.NullTestOrSize;
            if (IsHandedOut(reference))
                flags |= AccessShapeFlags.HandedOut;
            return new AccessShape(flags);
        }

        /// <param name="shape">What the access made without the lock looks like (<see cref="Describe"/>).</param>
        /// <param name="type">The field's type.</param>
        /// <param name="kind">What the field's type is to the shared-state rules.</param>
        /// <param name="changedInPlace">Whether any access changes the referenced collection in place (Add, indexer set …).</param>
        /// <param name="changes">Whether this access changes the field or its collection.</param>
        /// <param name="readsUnguardedInSameMember">Whether a test decides this write: the same member tests the field without the lock before it, or the locked code tests and sets it.</param>
        /// <param name="writesUnguardedInSameMember">Whether this read is a test that decides a later write of the field without the lock in the same member.</param>
        /// <param name="readBeforeInSameMember">Whether the same member reads the field without the lock before this write (takes the old value to use it).</param>
        public static UnguardedAccessRisk Judge(
            AccessShape shape, ITypeSymbol type, StateKind kind, bool changedInPlace, bool changes, bool readsUnguardedInSameMember, bool writesUnguardedInSameMember,
            bool readBeforeInSameMember)
        {
            if (changes)
            {
                if (!shape.Has(AccessShapeFlags.AssignedWhole))
                    return UnguardedAccessRisk.Races; // ++, +=, ref, or an in-place change of the collection
                if (!readBeforeInSameMember && shape.Has(AccessShapeFlags.AssignedFreshObject))
                    return UnguardedAccessRisk.Benign; // (re)initialisation: no update of the old object is read or lost here
                if (readsUnguardedInSameMember || shape.Has(AccessShapeFlags.AssignedFromItself))
                    return UnguardedAccessRisk.Races; // check-then-act, or x = x + 1: the read that decides this write is not under the lock
                if (IsCollection(kind) && changedInPlace)
                    return UnguardedAccessRisk.Races; // swaps out a collection the locked code is adding to, then uses the old one: adds race with that use
                // A whole value stored: a stop flag, a reset in Disconnect, a reference published once. On real code these
                // are set-up, tear-down and fast-path stores far more often than races, and a lock would not change what
                // the next reader sees; only a read-modify-write or a decided write loses an update.
                return IsReadWhole(type) ? UnguardedAccessRisk.Benign : UnguardedAccessRisk.Races;
            }

            if (IsCollection(kind))
            {
                if (!changedInPlace || shape.Has(AccessShapeFlags.NullTestOrSize))
                    return UnguardedAccessRisk.Benign; // a snapshot replaced whole; or only its size or its presence read, one word
                return shape.Has(AccessShapeFlags.HandedOut) ? UnguardedAccessRisk.Escapes : UnguardedAccessRisk.Races;
            }

            return IsReadWhole(type) && !writesUnguardedInSameMember ? UnguardedAccessRisk.Benign : UnguardedAccessRisk.Races;
        }

        /// <summary>
        /// <c>_buffer = new Buffer()</c> or <c>_cache = null</c> with no read of the old one: (re)initialisation, as in Connect or Load. A locked
        /// change that still reaches the old object is ordered before the store, as a lock would order it.
        /// </summary>
        private static bool IsFreshObject(IOperation value)
        {
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            if (value.ConstantValue.HasValue && value.ConstantValue.Value == null || value is IDefaultValueOperation)
                return true; // dropped for a reload: _cache = null
            return value is IObjectCreationOperation || value is IArrayCreationOperation
                || value.Syntax.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.CollectionExpression);
        }

        /// <summary>
        /// <c>_relations = dao.LoadAll().ToList()</c>: a LINQ <c>ToList</c>/<c>ToArray</c>/<c>ToDictionary</c>/<c>ToHashSet</c> makes a
        /// new collection nobody else holds yet — as fresh as <c>new List&lt;T&gt;(…)</c>, when it is not built from the field itself.
        /// </summary>
        private static bool IsMaterialisedCopy(IOperation value)
        {
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            return value is IInvocationOperation call
                && (call.TargetMethod.Name == "ToList" || call.TargetMethod.Name == "ToArray" || call.TargetMethod.Name == "ToDictionary" || call.TargetMethod.Name == "ToHashSet")
                && call.TargetMethod.ContainingType?.ToDisplayString() == "System.Linq.Enumerable";
        }

        /// <summary><c>false</c>, <c>0</c>, <c>null</c>, <c>default</c>, an enum member: a reset to a fixed value.</summary>
        private static bool IsConstant(IOperation value)
        {
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            return value.ConstantValue.HasValue || value is IDefaultValueOperation;
        }

        /// <summary><c>false</c>, <c>0</c>, <c>null</c>, <c>default</c>: the value a flag or a claim has when nothing holds it.</summary>
        private static bool IsDefault(IOperation value)
        {
            while (value is IConversionOperation conversion)
                value = conversion.Operand;
            if (value is IDefaultValueOperation)
                return true;
            if (!value.ConstantValue.HasValue)
                return false;
            return value.ConstantValue.Value switch
            {
                null => true,
                bool b => !b,
                int i => i == 0,
                long l => l == 0,
                uint u => u == 0,
                ulong ul => ul == 0,
                short sh => sh == 0,
                ushort us => us == 0,
                byte by => by == 0,
                sbyte sb => sb == 0,
                double d => d == 0,
                float f => f == 0,
                _ => false,
            };
        }

        /// <summary><c>_items == null</c>, <c>_items is null</c>, <c>_items.Count</c>, <c>_items?.Count</c>: one word read, stale at worst.</summary>
        private static bool IsNullTestOrSize(IOperation reference)
        {
            var current = reference;
            while (current.Parent is IConversionOperation || current.Parent is IParenthesizedOperation)
                current = current.Parent;
            switch (current.Parent)
            {
                case IConditionalAccessOperation conditional when conditional.Operation == current:
                    return conditional.WhenNotNull is IPropertyReferenceOperation { Instance: IConditionalAccessInstanceOperation } size && IsSizeProperty(size.Property);
                case IBinaryOperation binary when binary.OperatorKind == BinaryOperatorKind.Equals || binary.OperatorKind == BinaryOperatorKind.NotEquals:
                    var other = binary.LeftOperand == current ? binary.RightOperand : binary.LeftOperand;
                    return other.ConstantValue.HasValue && other.ConstantValue.Value == null;
                case IIsPatternOperation pattern:
                    return pattern.Pattern is IConstantPatternOperation constant && constant.Value.ConstantValue.HasValue && constant.Value.ConstantValue.Value == null
                        || pattern.Pattern is INegatedPatternOperation;
                case IPropertyReferenceOperation property when property.Instance == current:
                    return IsSizeProperty(property.Property);
                default:
                    return false;
            }
        }

        private static bool IsSizeProperty(IPropertySymbol property) =>
            property.Name == "Count" || property.Name == "IsEmpty" || property.Name == "Length";

        private static bool ReadsItself(IOperation value, IOperation target)
        {
            var symbol = SharedStateModel.ReferencedState(target);
            return symbol != null && value.DescendantsAndSelf().Any(o => SymbolEqualityComparer.Default.Equals(SharedStateModel.ReferencedState(o), symbol));
        }

        /// <summary>Dictionary, keyed collections, List/HashSet/Queue/Stack …: changed in place, not only replaced.</summary>
        public static bool IsCollection(StateKind kind) =>
            kind == StateKind.Dictionary || kind == StateKind.KeyedCollection || kind == StateKind.Collection;

        /// <summary>A reference, a primitive of at most 8 bytes or an enum: a read sees one whole value, old or new.</summary>
        public static bool IsReadWhole(ITypeSymbol type)
        {
            if (!type.IsValueType || type.TypeKind == TypeKind.Enum || type.TypeKind == TypeKind.Pointer)
                return true;
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean:
                case SpecialType.System_Char:
                case SpecialType.System_Byte:
                case SpecialType.System_SByte:
                case SpecialType.System_Int16:
                case SpecialType.System_UInt16:
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                case SpecialType.System_DateTime:
                    return true;
            }

            // TimeSpan is one long.
            return type.Name == "TimeSpan" && type.ContainingNamespace?.ToDisplayString() == "System";
        }

        /// <summary>The collection itself leaves the member: returned, or the body of an expression-bodied getter.</summary>
        private static bool IsHandedOut(IOperation reference)
        {
            var current = reference;
            while (current.Parent is IConversionOperation || current.Parent is IParenthesizedOperation)
                current = current.Parent;
            return current.Parent is IReturnOperation;
        }
    }

    /// <summary>The shape of one field access, as far as <see cref="UnguardedAccessShape.Judge"/> goes.</summary>
    [System.Flags]
    internal enum AccessShapeFlags
    {
        None = 0,

        /// <summary>The target of a plain <c>=</c>: the whole value replaced.</summary>
        AssignedWhole = 1,

        /// <summary>Assigned a new object, a new array, a collection expression or null.</summary>
        AssignedFreshObject = 2,

        /// <summary>Assigned a value computed from the field itself (<c>x = x + 1</c>).</summary>
        AssignedFromItself = 4,

        /// <summary>Only tested against null or asked its Count / Length / IsEmpty.</summary>
        NullTestOrSize = 8,

        /// <summary>Returned to the caller.</summary>
        HandedOut = 16,

        /// <summary>Assigned a constant (<c>false</c>, <c>0</c>, <c>null</c>, <c>default</c>): a reset.</summary>
        AssignedConstant = 32,

        /// <summary>Assigned <c>false</c>, <c>0</c>, <c>null</c> or <c>default</c>: the value of a flag or claim nobody holds.</summary>
        AssignedDefault = 64,
    }

    /// <summary>A compact, tree-free description of one field access.</summary>
    internal readonly struct AccessShape
    {
        private readonly AccessShapeFlags _flags;

        public AccessShape(AccessShapeFlags flags) => _flags = flags;

        public bool Has(AccessShapeFlags flag) => (_flags & flag) == flag;
    }
}
