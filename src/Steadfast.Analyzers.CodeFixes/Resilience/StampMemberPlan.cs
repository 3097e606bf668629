using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// SF4002 where the stamp lives in a field or auto-property (<c>_lastRun = DateTime.UtcNow</c> in one method,
    /// <c>DateTime.UtcNow - _lastRun</c> in another): the member, and every local it is copied through, becomes a
    /// monotonic timestamp. Planned only when every use of every one of them is a stamp write, an elapsed time or a
    /// deadline check, the member is private or internal (no other file names it), carries no attribute (nothing
    /// maps or serializes it), and starts with a reading rather than the "long ago" of <c>default(DateTime)</c>,
    /// which a timestamp cannot express. A single use that needs the date itself (logged, shown, stored, compared
    /// with another date, handed to a caller) means no plan.
    /// </summary>
    internal sealed class StampMemberPlan
    {
        internal enum UseKind
        {
            /// <summary><c>_last = DateTime.UtcNow</c> (or an initializer): the reading becomes a timestamp.</summary>
            Write,
            /// <summary><c>DateTime.UtcNow - _last</c>: the time since the stamp.</summary>
            ElapsedSince,
            /// <summary><c>end - start</c> between two converted stamps.</summary>
            ElapsedBetween,
            /// <summary><c>DateTime.UtcNow &gt; _last.AddSeconds(5)</c>: elapsed compared with the offset.</summary>
            Deadline,
            /// <summary><c>_last = DateTime.MinValue</c>: "never stamped" becomes <c>null</c>.</summary>
            NeverWrite,
            /// <summary><c>_last == DateTime.MinValue</c>: the sentinel operand becomes <c>null</c>.</summary>
            NeverCheck,
        }

        internal sealed class Use
        {
            public Use(UseKind kind, SyntaxNode node, ExpressionSyntax? start = null, ExpressionSyntax? end = null, ExpressionSyntax? clockSide = null, IOperation? offset = null, string? unit = null, ISymbol? startSymbol = null)
            {
                StartSymbol = startSymbol;
                Kind = kind;
                Node = node;
                Start = start;
                End = end;
                ClockSide = clockSide;
                Offset = offset;
                Unit = unit;
            }

            public UseKind Kind { get; }
            /// <summary>The node replaced: the read for a write, the subtraction for an elapsed time, the comparison for a deadline.</summary>
            public SyntaxNode Node { get; }
            public ExpressionSyntax? Start { get; }
            public ExpressionSyntax? End { get; }
            public ExpressionSyntax? ClockSide { get; }
            public IOperation? Offset { get; }
            public string? Unit { get; }
            /// <summary>The variable measured from, for an elapsed time or a deadline.</summary>
            public ISymbol? StartSymbol { get; }
        }

        private readonly WallClockModel _model;
        private readonly SemanticModel _semanticModel;
        private readonly SyntaxNode _root;
        private readonly CancellationToken _cancellationToken;
        private readonly Dictionary<string, List<IdentifierNameSyntax>> _identifiers;
        private readonly HashSet<ISymbol> _variables = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        private readonly Dictionary<SyntaxNode, Use> _uses = new Dictionary<SyntaxNode, Use>();
        private readonly Stack<ISymbol> _pending = new Stack<ISymbol>();
        // Members that can be "never stamped" (MinValue, default, no reading before first use): they become long?.
        private readonly HashSet<ISymbol> _never = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        // Variables copied into one another or measured against one another: never-stamped ones are not planned there.
        private readonly HashSet<ISymbol> _paired = new HashSet<ISymbol>(SymbolEqualityComparer.Default);

        private StampMemberPlan(WallClockModel model, SemanticModel semanticModel, SyntaxNode root, Dictionary<string, List<IdentifierNameSyntax>> identifiers, CancellationToken cancellationToken)
        {
            _model = model;
            _semanticModel = semanticModel;
            _root = root;
            _identifiers = identifiers;
            _cancellationToken = cancellationToken;
        }

        /// <summary>The fields, properties and locals that become timestamps.</summary>
        public IReadOnlyCollection<ISymbol> Variables => _variables;

        public IReadOnlyCollection<Use> Uses => _uses.Values;

        /// <summary>
        /// A member whose <c>default</c>/<c>MinValue</c> means "never", which in <c>DateTime.UtcNow - _last</c> reads as
        /// "infinitely long ago": it becomes a <c>long?</c>, and its elapsed time <c>TimeSpan.MaxValue</c> while null.
        /// </summary>
        public bool IsNever(ISymbol variable) => _never.Contains(variable);

        /// <summary>Identifier names of the document by text, so each variable's references are found without a solution search.</summary>
        public static Dictionary<string, List<IdentifierNameSyntax>> IndexIdentifiers(SyntaxNode root)
        {
            var index = new Dictionary<string, List<IdentifierNameSyntax>>();
            foreach (var identifier in root.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (!index.TryGetValue(identifier.Identifier.ValueText, out var list))
                    index[identifier.Identifier.ValueText] = list = new List<IdentifierNameSyntax>();
                list.Add(identifier);
            }

            return index;
        }

        /// <summary>A plan that fixes the flagged subtraction or comparison and involves at least one member; null when there is none.</summary>
        public static StampMemberPlan? Create(WallClockModel model, SemanticModel semanticModel, SyntaxNode root, Dictionary<string, List<IdentifierNameSyntax>> identifiers,
            IOperation flagged, CancellationToken cancellationToken)
        {
            var plan = new StampMemberPlan(model, semanticModel, root, identifiers, cancellationToken);
            if (!plan.Seed(flagged) || !plan.Close() || plan._paired.Any(v => plan._never.Contains(v)))
                return null;
            return plan._variables.Any(v => !(v is ILocalSymbol)) ? plan : null;
        }

        /// <summary>The flagged operation's variable operands start the closure; the operation itself is one of their uses.</summary>
        private bool Seed(IOperation flagged)
        {
            IEnumerable<IOperation> operands = flagged switch
            {
                IBinaryOperation binary => new[] { binary.LeftOperand, binary.RightOperand },
                IInvocationOperation { Instance: { } instance, Arguments: { Length: 1 } arguments } => new[] { instance, arguments[0].Value },
                _ => new IOperation[0],
            };
            var any = false;
            foreach (var operand in operands.SelectMany(DeadlineStartOrSelf))
            {
                var value = WallClockModel.Unwrap(operand);
                var variable = _model.IsWallClockRead(value) ? null : VariableOf(value);
                if (variable != null)
                {
                    Add(variable);
                    any = true;
                }
            }

            return any;
        }

        private IEnumerable<IOperation> DeadlineStartOrSelf(IOperation operand) =>
            _model.TryGetDeadlineParts(operand, out var start, out _, out _) ? new[] { start } : new[] { operand };

        private void Add(ISymbol variable)
        {
            if (_variables.Add(variable))
                _pending.Push(variable);
        }

        private bool Close()
        {
            while (_pending.Count > 0)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                var variable = _pending.Pop();
                if (!IsEligible(variable))
                    return false;
                if (!_identifiers.TryGetValue(variable.Name, out var candidates))
                    return false;
                var startsWithReading = variable is ILocalSymbol;
                foreach (var identifier in candidates)
                {
                    var node = identifier.Parent is MemberAccessExpressionSyntax access && access.Name == identifier ? (SyntaxNode)access : identifier;
                    var symbol = _semanticModel.GetSymbolInfo(identifier, _cancellationToken).Symbol;
                    if (symbol == null || !SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, variable))
                        continue;
                    var reference = _semanticModel.GetOperation(node, _cancellationToken);
                    if (!(reference is IFieldReferenceOperation || reference is IPropertyReferenceOperation || reference is ILocalReferenceOperation)
                        || !ClassifyReference(reference))
                    {
                        return false;
                    }
                }

                if (variable is ILocalSymbol local ? !ClassifyLocalDeclaration(local) : !ClassifyDeclaration(variable, ref startsWithReading))
                    return false;
                if (!startsWithReading && !(variable is ILocalSymbol) && !IsWrittenInEveryConstructor(variable))
                    _never.Add(variable);
            }

            return true;
        }

        /// <summary>A non-nullable DateTime or DateTimeOffset that no other file, no attribute and no disabled <c>#if</c> branch can see.</summary>
        private bool IsEligible(ISymbol variable)
        {
            var type = variable switch
            {
                IFieldSymbol field when !field.IsConst => field.Type,
                IPropertySymbol property when !property.IsIndexer && !property.IsAbstract && !property.IsVirtual && !property.IsOverride
                    && property.ExplicitInterfaceImplementations.Length == 0 => property.Type,
                ILocalSymbol local when !local.IsConst && !local.IsRef => local.Type,
                _ => null,
            };
            if (type == null || !_model.IsWallClockType(type) || MentionedInDisabledCode(variable.Name))
                return false;
            if (variable is ILocalSymbol)
                return variable.DeclaringSyntaxReferences.Length == 1 && variable.DeclaringSyntaxReferences[0].SyntaxTree == _root.SyntaxTree;
            if (variable.DeclaredAccessibility != Accessibility.Private && variable.DeclaredAccessibility != Accessibility.Internal)
                return false;
            if (variable.GetAttributes().Length > 0 || variable.ContainingType == null || variable.ContainingType.TypeKind != TypeKind.Class)
                return false;
            if (variable.DeclaringSyntaxReferences.Length != 1 || variable.DeclaringSyntaxReferences[0].SyntaxTree != _root.SyntaxTree)
                return false;
            if (variable is IPropertySymbol && !IsAutoProperty(variable))
                return false;

            // Every part of the type is in this file, and no other file names the member (internal ones could be used there).
            if (variable.ContainingType.DeclaringSyntaxReferences.Any(r => r.SyntaxTree != _root.SyntaxTree))
                return false;
            if (variable.DeclaredAccessibility == Accessibility.Internal)
            {
                var word = new Regex(@"\b" + Regex.Escape(variable.Name) + @"\b");
                foreach (var tree in _semanticModel.Compilation.SyntaxTrees)
                {
                    if (tree != _root.SyntaxTree && word.IsMatch(tree.GetText(_cancellationToken).ToString()))
                        return false;
                }
            }

            return true;
        }

        private bool IsAutoProperty(ISymbol property) =>
            property.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors }
            && accessors.Accessors.All(a => a.Body == null && a.ExpressionBody == null);

        private bool MentionedInDisabledCode(string name)
        {
            var word = new Regex(@"\b" + Regex.Escape(name) + @"\b");
            return _root.DescendantTrivia().Any(t => t.IsKind(SyntaxKind.DisabledTextTrivia) && word.IsMatch(t.ToString()));
        }

        /// <summary>The member's initializer must be a reading (or absent); the declared type becomes <c>long</c>.</summary>
        private bool ClassifyDeclaration(ISymbol member, ref bool startsWithReading)
        {
            var syntax = member.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken);
            EqualsValueClauseSyntax? initializer;
            switch (syntax)
            {
                case VariableDeclaratorSyntax declarator when declarator.Parent is VariableDeclarationSyntax { Variables: { Count: 1 } } && declarator.Parent.Parent is FieldDeclarationSyntax:
                    initializer = declarator.Initializer;
                    break;
                case PropertyDeclarationSyntax property:
                    initializer = property.Initializer;
                    break;
                default:
                    return false;
            }

            if (initializer == null)
                return true;
            var value = _semanticModel.GetOperation(initializer.Value, _cancellationToken);
            if (IsSentinel(value))
            {
                _uses[initializer.Value] = new Use(UseKind.NeverWrite, initializer.Value);
                _never.Add(member);
                startsWithReading = true;
                return true;
            }

            if (!_model.IsWallClockRead(value))
                return false;
            _uses[initializer.Value] = new Use(UseKind.Write, initializer.Value);
            startsWithReading = true;
            return true;
        }

        /// <summary>
        /// A member with no initializer starts as <c>default(DateTime)</c>, "long ago"; unless every constructor stores a
        /// reading first, a timestamp's zero would mean something else (the machine's start).
        /// </summary>
        private bool IsWrittenInEveryConstructor(ISymbol member)
        {
            var constructors = member.IsStatic ? member.ContainingType.StaticConstructors : member.ContainingType.InstanceConstructors;
            if (constructors.Length == 0)
                return false;
            foreach (var constructor in constructors)
            {
                if (!(constructor.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is ConstructorDeclarationSyntax declaration))
                    return false; // the implicit constructor stores nothing
                if (declaration.Initializer != null && declaration.Initializer.ThisOrBaseKeyword.IsKind(SyntaxKind.ThisKeyword))
                    continue;
                if (declaration.Body == null)
                    return false;
                var stores = declaration.Body.Statements.OfType<ExpressionStatementSyntax>().Any(statement =>
                    statement.Expression is AssignmentExpressionSyntax assignment && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
                    && _uses.TryGetValue(assignment.Right, out var use) && use.Kind == UseKind.Write
                    && SymbolEqualityComparer.Default.Equals(_semanticModel.GetSymbolInfo(assignment.Left, _cancellationToken).Symbol?.OriginalDefinition, member));
                if (!stores)
                    return false;
            }

            return true;
        }

        /// <summary>Records what this reference does; false when it needs the date itself.</summary>
        private bool ClassifyReference(IOperation reference)
        {
            var child = reference;
            var parent = reference.Parent;
            while (parent is IConversionOperation { IsImplicit: true })
            {
                child = parent;
                parent = parent.Parent;
            }

            switch (parent)
            {
                case ISimpleAssignmentOperation assignment when assignment.Parent is IExpressionStatementOperation || assignment.Parent is IObjectOrCollectionInitializerOperation:
                    if (assignment.Target == child)
                    {
                        var value = WallClockModel.Unwrap(assignment.Value);
                        if (_model.IsWallClockRead(value))
                        {
                            _uses[value!.Syntax] = new Use(UseKind.Write, value.Syntax);
                            return true;
                        }

                        if (IsSentinel(value) && VariableOf(reference) is { } stamped && !(stamped is ILocalSymbol))
                        {
                            _uses[value!.Syntax] = new Use(UseKind.NeverWrite, value.Syntax);
                            _never.Add(stamped);
                            return true;
                        }

                        return AddPair(reference, value);
                    }

                    return AddPair(reference, WallClockModel.Unwrap(assignment.Target));
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } equality
                    when VariableOf(reference) is { } checkedVariable && !(checkedVariable is ILocalSymbol)
                        && IsSentinel(equality.LeftOperand == child ? equality.RightOperand : equality.LeftOperand):
                    // _last == DateTime.MinValue: "never stamped yet".
                    var sentinel = WallClockModel.Unwrap(equality.LeftOperand == child ? equality.RightOperand : equality.LeftOperand)!;
                    _uses[sentinel.Syntax] = new Use(UseKind.NeverCheck, sentinel.Syntax);
                    _never.Add(checkedVariable);
                    return true;
                case IVariableInitializerOperation initializer when initializer.Parent is IVariableDeclaratorOperation declarator:
                    // var copy = _last: the local becomes a timestamp as well.
                    return IsPlainDeclaration(declarator) && AddPair(reference, declarator.Symbol);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Subtract } subtraction when _model.IsTimeSpan(subtraction.Type):
                    return ClassifySubtraction(subtraction, subtraction.LeftOperand, subtraction.RightOperand, child == subtraction.RightOperand);
                case IArgumentOperation { Parent: IInvocationOperation { TargetMethod: { Name: "Subtract" }, Instance: { } instance } call } when _model.IsTimeSpan(call.Type):
                    return ClassifySubtraction(call, instance, child, isSubtrahend: true);
                case IInvocationOperation { TargetMethod: { Name: "Subtract" }, Arguments: { Length: 1 } arguments } call when call.Instance == child && _model.IsTimeSpan(call.Type):
                    return ClassifySubtraction(call, child, arguments[0].Value, isSubtrahend: false);
                default:
                    return ClassifyDeadline(parent, reference);
            }
        }

        private bool ClassifySubtraction(IOperation operation, IOperation minuend, IOperation subtrahend, bool isSubtrahend)
        {
            var other = WallClockModel.Unwrap(isSubtrahend ? minuend : subtrahend);
            var syntax = ExpressionOf(operation);
            if (isSubtrahend && _model.IsWallClockRead(other))
            {
                _uses[syntax] = new Use(UseKind.ElapsedSince, syntax, start: (ExpressionSyntax)WallClockModel.Unwrap(subtrahend)!.Syntax,
                    startSymbol: VariableOf(WallClockModel.Unwrap(subtrahend)));
                return true;
            }

            if (!AddVariable(other))
                return false; // a date from elsewhere, or "stamp - now"
            _paired.Add(VariableOf(WallClockModel.Unwrap(minuend))!);
            _paired.Add(VariableOf(WallClockModel.Unwrap(subtrahend))!);
            _uses[syntax] = new Use(UseKind.ElapsedBetween, syntax,
                start: (ExpressionSyntax)WallClockModel.Unwrap(subtrahend)!.Syntax, end: (ExpressionSyntax)WallClockModel.Unwrap(minuend)!.Syntax);
            return true;
        }

        /// <summary><c>now &lt; _last.AddSeconds(5)</c>, <c>_last + timeout &gt;= DateTime.UtcNow</c>.</summary>
        private bool ClassifyDeadline(IOperation? deadline, IOperation reference)
        {
            if (deadline == null || !_model.TryGetDeadlineParts(deadline, out var start, out var offset, out var unit)
                || WallClockModel.Unwrap(start) != WallClockModel.Unwrap(reference))
            {
                return false;
            }

            var comparison = deadline.Parent;
            var deadlineSide = deadline;
            while (comparison is IConversionOperation { IsImplicit: true })
            {
                deadlineSide = comparison;
                comparison = comparison.Parent;
            }

            if (!(comparison is IBinaryOperation binary) || !IsOrdering(binary.OperatorKind))
                return false;
            var clockSide = binary.LeftOperand == deadlineSide ? binary.RightOperand : binary.LeftOperand;
            if (!_model.IsWallClockRead(clockSide))
                return false;
            _uses[binary.Syntax] = new Use(UseKind.Deadline, binary.Syntax, start: (ExpressionSyntax)WallClockModel.Unwrap(reference)!.Syntax,
                clockSide: (ExpressionSyntax)clockSide.Syntax, offset: offset, unit: unit, startSymbol: VariableOf(WallClockModel.Unwrap(reference)));
            return true;
        }

        private static bool IsOrdering(BinaryOperatorKind kind) =>
            kind == BinaryOperatorKind.LessThan || kind == BinaryOperatorKind.LessThanOrEqual
            || kind == BinaryOperatorKind.GreaterThan || kind == BinaryOperatorKind.GreaterThanOrEqual;

        /// <summary>The expression replaced for an elapsed time: its own parentheses go with it.</summary>
        private static SyntaxNode ExpressionOf(IOperation operation) =>
            operation.Syntax.Parent is ParenthesizedExpressionSyntax parenthesized ? parenthesized : operation.Syntax;

        private bool AddVariable(IOperation? operation)
        {
            var variable = VariableOf(operation);
            if (variable == null)
                return false;
            Add(variable);
            return true;
        }

        private bool AddPair(IOperation reference, IOperation? other)
        {
            var variable = VariableOf(other);
            return variable != null && AddPair(reference, variable);
        }

        private bool AddPair(IOperation reference, ISymbol other)
        {
            _paired.Add(VariableOf(reference)!);
            _paired.Add(other);
            Add(other);
            return true;
        }

        /// <summary><c>DateTime.MinValue</c>, <c>default</c>, <c>new DateTime()</c>: "never" markers, not readings.</summary>
        private bool IsSentinel(IOperation? value)
        {
            value = WallClockModel.Unwrap(value);
            return value switch
            {
                IDefaultValueOperation defaultValue => _model.IsWallClockType(defaultValue.Type),
                IFieldReferenceOperation { Field: { Name: "MinValue", IsStatic: true } field } => _model.IsWallClockType(field.ContainingType),
                IObjectCreationOperation { Arguments: { Length: 0 }, Initializer: null } creation => _model.IsWallClockType(creation.Type),
                _ => false,
            };
        }

        private static ISymbol? VariableOf(IOperation? operation) => operation switch
        {
            IFieldReferenceOperation field => field.Field.OriginalDefinition,
            IPropertyReferenceOperation property => property.Property.OriginalDefinition,
            ILocalReferenceOperation local => local.Local,
            _ => null,
        };

        private static bool IsPlainDeclaration(IVariableDeclaratorOperation declarator) =>
            declarator.Parent is IVariableDeclarationOperation { Declarators: { Length: 1 } } declaration
            && declaration.Parent is IVariableDeclarationGroupOperation
            && declarator.Syntax.Parent?.Parent is LocalDeclarationStatementSyntax { UsingKeyword: { RawKind: 0 } };

        /// <summary>A local of the plan is declared alone, by a plain declaration, with a reading, a copy of another stamp, or nothing.</summary>
        private bool ClassifyLocalDeclaration(ILocalSymbol local)
        {
            if (!(local.DeclaringSyntaxReferences[0].GetSyntax(_cancellationToken) is VariableDeclaratorSyntax declarator)
                || !(declarator.Parent is VariableDeclarationSyntax { Variables: { Count: 1 } })
                || !(declarator.Parent.Parent is LocalDeclarationStatementSyntax { UsingKeyword: { RawKind: 0 } }))
            {
                return false;
            }

            if (declarator.Initializer == null)
                return true;
            var value = WallClockModel.Unwrap(_semanticModel.GetOperation(declarator.Initializer.Value, _cancellationToken));
            if (_model.IsWallClockRead(value))
            {
                _uses[value!.Syntax] = new Use(UseKind.Write, value.Syntax);
                return true;
            }

            var source = VariableOf(value);
            if (source == null)
                return false;
            _paired.Add(local);
            _paired.Add(source);
            Add(source);
            return true;
        }
    }
}
