using System;
using System.Threading;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Steadfast.Analyzers.Resilience
{
    /// <summary>
    /// Fields and properties that hold nothing but a wall-clock reading (<c>_lastSeen = DateTime.UtcNow</c>) or a
    /// wall-clock deadline (<c>_until = DateTime.UtcNow + timeout</c>), found by reading every assignment of the
    /// compilation once. A member written anything else anywhere — a value loaded from storage, a parameter, a
    /// compound assignment — is a date, not a stamp. Members are matched by name, so a write to another member of
    /// the same name counts against both: the answer errs towards silence.
    /// </summary>
    internal sealed class WallClockMembers
    {
        internal enum Kind { None, Stamp, Deadline, Other }

        private readonly Dictionary<string, Kind> _kinds;
        private readonly HashSet<string> _loadedTypes;
        // Read-only properties that hand out a field (long LastRun => _lastRun): the property holds what the field holds.
        private readonly Dictionary<string, string> _getterOf;

        private WallClockMembers(Dictionary<string, Kind> kinds, HashSet<string> loadedTypes, Dictionary<string, string> getterOf)
        {
            _kinds = kinds;
            _loadedTypes = loadedTypes;
            _getterOf = getterOf;
        }

        /// <summary>
        /// The type is loaded from storage somewhere in the compilation — the type argument of a generic read
        /// (<c>redis.Get&lt;Status&gt;(key)</c>, <c>JsonConvert.DeserializeObject&lt;Status&gt;(json)</c>, <c>db.Query&lt;Status&gt;()</c>):
        /// its stamps may have been written by another process's clock, and are dates.
        /// </summary>
        public bool IsLoaded(ITypeSymbol type) => _loadedTypes.Contains(type.Name);

        public static WallClockMembers Scan(Compilation compilation, CancellationToken cancellationToken)
        {
            var kinds = new Dictionary<string, Kind>(StringComparer.Ordinal);
            var loaded = new HashSet<string>(StringComparer.Ordinal);
            var getterOf = new Dictionary<string, string>(StringComparer.Ordinal);
            var stampMethods = StampMethods(compilation, cancellationToken);
            void Add(string name, Kind kind)
            {
                if (!kinds.TryGetValue(name, out var current) || current == Kind.None)
                    kinds[name] = kind;
                else if (kind != Kind.None && kind != current)
                    kinds[name] = Kind.Other;
            }

            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var root = tree.GetRoot(cancellationToken);
                foreach (var node in root.DescendantNodes())
                {
                    switch (node)
                    {
                        case GenericNameSyntax generic:
                            var isCall = generic.Parent is InvocationExpressionSyntax || generic.Parent is MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax };
                            if (isCall ? IsLoadName(generic.Identifier.ValueText) : IsStoreTypeName(generic.Identifier.ValueText))
                            {
                                foreach (var argument in generic.TypeArgumentList.Arguments)
                                {
                                    var name = argument switch
                                    {
                                        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
                                        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                                        GenericNameSyntax inner => inner.TypeArgumentList.Arguments.LastOrDefault() is IdentifierNameSyntax element ? element.Identifier.ValueText : null,
                                        _ => null,
                                    };
                                    if (name != null)
                                        loaded.Add(name);
                                }
                            }

                            break;
                        case AssignmentExpressionSyntax { Left: ElementAccessExpressionSyntax element } elementAssignment when NameOf(element.Expression) is { } collection:
                            // _lastSeen[client] = DateTime.UtcNow: the dictionary's values are stamps.
                            Add(ElementKey(collection), elementAssignment.IsKind(SyntaxKind.SimpleAssignmentExpression) ? Classify(elementAssignment.Right, stampMethods) : Kind.Other);
                            break;
                        case InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: var adder } } } target, ArgumentList: { Arguments: { Count: >= 2 } addArguments } }
                            when ElementWriters.Contains(adder) && NameOf(target.Expression) is { } addedTo:
                            // _lastSeen.TryAdd(client, DateTime.Now), AddOrUpdate(client, DateTime.Now, (k, v) => DateTime.Now).
                            Add(ElementKey(addedTo), Classify(addArguments[1].Expression, stampMethods));
                            if (adder == "AddOrUpdate" && addArguments.Count >= 3)
                                Add(ElementKey(addedTo), addArguments[2].Expression is ParenthesizedLambdaExpressionSyntax { ExpressionBody: { } updated } ? Classify(updated, stampMethods)
                                    : addArguments[2].Expression is SimpleLambdaExpressionSyntax { ExpressionBody: { } updatedSimple } ? Classify(updatedSimple, stampMethods) : Kind.Other);
                            break;
                        case AssignmentExpressionSyntax assignment when NameOf(assignment.Left) is { } assigned:
                            // dest.Stamp = src.Stamp copies the member's own value: it adds nothing new.
                            if (assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) && NameOf(assignment.Right) == assigned)
                                break;
                            Add(assigned, assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) ? Classify(assignment.Right, stampMethods) : Kind.Other);
                            break;
                        case PrefixUnaryExpressionSyntax prefix when (prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression)) && NameOf(prefix.Operand) is { } incremented:
                            Add(incremented, Kind.Other);
                            break;
                        case PostfixUnaryExpressionSyntax postfix when (postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression))
                            && NameOf(postfix.Operand) is { } incrementedAfter:
                            Add(incrementedAfter, Kind.Other);
                            break;
                        case ArgumentSyntax { RefKindKeyword: { } refKind } argument when !refKind.IsKind(SyntaxKind.None) && NameOf(argument.Expression) is { } byRef:
                            // Interlocked.Exchange(ref _stamp, DateTime.UtcNow.Ticks) writes a reading; any other ref or out write does not.
                            if (argument.Parent?.Parent is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "Read" } } } })
                                break; // Volatile.Read(ref _stamp), Interlocked.Read(ref _stamp): a read
                            var kind = Kind.Other;
                            if (argument.Parent is ArgumentListSyntax { Arguments: { Count: 2 } arguments } && arguments[0] == argument
                                && argument.Parent.Parent is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "Exchange" or "Write" } } } })
                                kind = Classify(arguments[1].Expression, stampMethods);
                            Add(byRef, kind);
                            break;
                        case VariableDeclaratorSyntax { Initializer: { } initializer } declarator when declarator.Parent?.Parent is FieldDeclarationSyntax:
                            Add(declarator.Identifier.ValueText, Classify(initializer.Value, stampMethods));
                            break;
                        case PropertyDeclarationSyntax { Initializer: { } propertyInitializer } property:
                            Add(property.Identifier.ValueText, Classify(propertyInitializer.Value, stampMethods));
                            break;
                        case PropertyDeclarationSyntax getterOnly when ReturnedField(getterOnly) is { } field:
                            getterOf[getterOnly.Identifier.ValueText] = field;
                            break;
                    }
                }
            }

            foreach (var method in stampMethods)
                Add(MethodKey(method), Kind.Stamp);
            return new WallClockMembers(kinds, loaded, getterOf);
        }

        /// <summary>
        /// Parameterless methods whose every return is a wall-clock reading in some unit
        /// (<c>static long NowMs() => (DateTime.UtcNow.Ticks - UnixEpochTicks) / 10000;</c>): calling one reads the clock.
        /// A name also declared with another kind of return anywhere is left out.
        /// </summary>
        private static HashSet<string> StampMethods(Compilation compilation, CancellationToken cancellationToken)
        {
            var stamps = new HashSet<string>(StringComparer.Ordinal);
            var others = new HashSet<string>(StringComparer.Ordinal);
            var none = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var method in tree.GetRoot(cancellationToken).DescendantNodes(n => !(n is MemberDeclarationSyntax) || n is BaseTypeDeclarationSyntax || n is BaseNamespaceDeclarationSyntax).OfType<MethodDeclarationSyntax>())
                {
                    if (method.ParameterList.Parameters.Count != 0 || method.ReturnType is PredefinedTypeSyntax { Keyword: { ValueText: "void" } })
                        continue;
                    var name = method.Identifier.ValueText;
                    var returned = method.ExpressionBody != null
                        ? new[] { method.ExpressionBody.Expression }
                        : method.Body?.DescendantNodes(n => !(n is AnonymousFunctionExpressionSyntax) && !(n is LocalFunctionStatementSyntax))
                            .OfType<ReturnStatementSyntax>().Select(r => r.Expression).ToArray();
                    if (returned != null && returned.Length > 0 && returned.All(r => r != null && Classify(r, none) == Kind.Stamp))
                        stamps.Add(name);
                    else
                        others.Add(name);
                }
            }

            stamps.ExceptWith(others);
            return stamps;
        }

        private static string MethodKey(string method) => method + "()";

        /// <summary>The field a read-only property returns and nothing else (<c>=&gt; _x</c>, <c>get { return _x; }</c>).</summary>
        private static string? ReturnedField(PropertyDeclarationSyntax property)
        {
            if (property.ExpressionBody != null)
                return property.ExpressionBody.Expression is IdentifierNameSyntax bodyField ? bodyField.Identifier.ValueText : null;
            var accessors = property.AccessorList?.Accessors;
            if (accessors == null || accessors.Value.Count != 1 || !accessors.Value[0].IsKind(SyntaxKind.GetAccessorDeclaration))
                return null;
            var getter = accessors.Value[0];
            if (getter.ExpressionBody?.Expression is IdentifierNameSyntax arrowField)
                return arrowField.Identifier.ValueText;
            return getter.Body is { Statements: { Count: 1 } statements } && statements[0] is ReturnStatementSyntax { Expression: IdentifierNameSyntax returnedField }
                ? returnedField.Identifier.ValueText
                : null;
        }

        private static readonly string[] LoadWords = { "Get", "Read", "Deserialize", "Query", "Load", "Find", "Fetch", "Parse", "Convert", "Json", "Hash", "Object", "Map" };

        // Generic types that hand out stored rows: IGenericDAO<Entity, Dto>, IRepository<T>, DbSet<T>, IMongoCollection<T>.
        private static readonly string[] StoreWords = { "DAO", "Dao", "Repository", "DbSet", "Mongo", "Table", "Mapper", "Store" };

        private static bool IsStoreTypeName(string name) => StoreWords.Any(w => name.IndexOf(w, StringComparison.Ordinal) >= 0);

        private static bool IsLoadName(string name) =>
            name.IndexOf("Service", StringComparison.Ordinal) < 0 && RetryLoop.NameWords(name).Any(w => LoadWords.Contains(w));

        public Kind KindOf(ISymbol member)
        {
            if (_kinds.TryGetValue(member.Name, out var kind))
                return kind;
            return member is IPropertySymbol && _getterOf.TryGetValue(member.Name, out var field) && _kinds.TryGetValue(field, out var fieldKind) ? fieldKind : Kind.None;
        }

        /// <summary>What a parameterless method of this compilation returns: <see cref="Kind.Stamp"/> when every return reads the clock.</summary>
        public Kind ReturnKindOf(IMethodSymbol method) =>
            method.Parameters.Length == 0 && _kinds.TryGetValue(MethodKey(method.Name), out var kind) ? kind : Kind.None;

        /// <summary>What the values stored in a dictionary member hold (<c>_lastSeen[client] = DateTime.UtcNow</c>).</summary>
        public Kind ElementKindOf(ISymbol member) => _kinds.TryGetValue(ElementKey(member.Name), out var kind) ? kind : Kind.None;

        private static readonly HashSet<string> ElementWriters = new HashSet<string>(StringComparer.Ordinal) { "Add", "TryAdd", "AddOrUpdate", "TryUpdate", "GetOrAdd" };

        // Not a valid identifier, so it never meets a member's own name.
        private static string ElementKey(string member) => member + "[]";

        private static string? NameOf(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            ParenthesizedExpressionSyntax parenthesized => NameOf(parenthesized.Expression),
            _ => null,
        };

        private static Kind Classify(ExpressionSyntax value, HashSet<string> stampMethods) => Classify(value, 2, stampMethods);

        private static Kind Classify(ExpressionSyntax value, int depth, HashSet<string> stampMethods)
        {
            while (value is ParenthesizedExpressionSyntax parenthesized)
                value = parenthesized.Expression;
            if (value.IsKind(SyntaxKind.DefaultLiteralExpression) || value.IsKind(SyntaxKind.NullLiteralExpression) || value is DefaultExpressionSyntax
                || value is MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "MinValue" or "MaxValue" } } }
                || value is MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "MinValue" or "MaxValue" } } } }
                || value is ObjectCreationExpressionSyntax { ArgumentList: { } constantArguments } && constantArguments.Arguments.All(a => a.Expression is LiteralExpressionSyntax))
                return Kind.None; // "never yet" and "never" sentinels
            if (IsClockRead(value) || IsStampMethodCall(value, stampMethods))
                return Kind.Stamp;
            // DateTime.Now.Ticks / 10000, (DateTime.UtcNow.Ticks - UnixEpochTicks) / (10 * 1000): a reading in another unit.
            if (value is BinaryExpressionSyntax scaled && IsConstant(scaled.Right) && (scaled.IsKind(SyntaxKind.DivideExpression) || scaled.IsKind(SyntaxKind.MultiplyExpression))
                && Classify(scaled.Left, depth, stampMethods) == Kind.Stamp)
                return Kind.Stamp;
            // DateTime.UtcNow.Ticks - 621355968000000000: the same reading counted from another epoch.
            if (value is BinaryExpressionSyntax { Right: LiteralExpressionSyntax { Token: { Value: long epoch } } } shifted
                && (shifted.IsKind(SyntaxKind.SubtractExpression) || shifted.IsKind(SyntaxKind.AddExpression)) && epoch >= EpochShift
                && Classify(shifted.Left, depth, stampMethods) == Kind.Stamp)
                return Kind.Stamp;
            if (value is ConditionalExpressionSyntax conditional)
            {
                // A "never" sentinel on one side (timeout > 0 ? now + timeout : long.MaxValue) leaves the other side's kind.
                var whenTrue = Classify(conditional.WhenTrue, depth, stampMethods);
                var whenFalse = Classify(conditional.WhenFalse, depth, stampMethods);
                return whenTrue == whenFalse || whenFalse == Kind.None ? whenTrue : whenTrue == Kind.None ? whenFalse : Kind.Other;
            }

            // var now = DateTime.UtcNow; … _lastSeen = now;  — a local of the same member that only holds a reading.
            if (value is IdentifierNameSyntax local && depth > 0 && LocalValue(local) is { } localValue)
                return Classify(localValue, depth - 1, stampMethods);
            // now.UtcTicks, now.ToUnixTimeMilliseconds() of such a local.
            var unit = value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "ToUnixTimeMilliseconds" or "ToUnixTimeSeconds" } } } unixOf }
                ? unixOf.Expression
                : value is MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "Ticks" or "UtcTicks" } } } ticksOf ? ticksOf.Expression : null;
            if (unit is IdentifierNameSyntax unitLocal && depth > 0 && LocalValue(unitLocal) is { } unitValue && IsClockRead(unitValue))
                return Kind.Stamp;
            // now + timeout, where now is a reading or a local holding only one (var nowMs = NowMs(); … nowMs + leaseMs).
            if (value is BinaryExpressionSyntax binary && (binary.IsKind(SyntaxKind.AddExpression) || binary.IsKind(SyntaxKind.SubtractExpression))
                && !IsClockRead(Strip(binary.Right))
                && (IsClockRead(Strip(binary.Left)) || Strip(binary.Left) is IdentifierNameSyntax && Classify(binary.Left, depth, stampMethods) == Kind.Stamp || IsStampMethodCall(Strip(binary.Left), stampMethods)))
                return Kind.Deadline;
            if (value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: var add } } } access }
                && (add == "Add" || add == "AddMilliseconds" || add == "AddSeconds" || add == "AddMinutes" || add == "AddHours" || add == "AddTicks")
                && IsClockRead(Strip(access.Expression)))
                return Kind.Deadline;
            return Kind.Other;
        }

        /// <summary>The initializer of a local of the enclosing member that is declared once and never assigned again.</summary>
        private static ExpressionSyntax? LocalValue(IdentifierNameSyntax identifier)
        {
            var member = identifier.FirstAncestorOrSelf<MemberDeclarationSyntax>();
            if (member == null)
                return null;
            var name = identifier.Identifier.ValueText;
            ExpressionSyntax? value = null;
            foreach (var node in member.DescendantNodes())
            {
                switch (node)
                {
                    case VariableDeclaratorSyntax declarator when declarator.Identifier.ValueText == name:
                        if (value != null || declarator.Initializer == null)
                            return null;
                        value = declarator.Initializer.Value;
                        break;
                    case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } when left.Identifier.ValueText == name:
                        return null;
                }
            }

            return value;
        }

        // 10^15 ticks is about three years: a constant this large moves the epoch (Unix time in ticks), it is no timeout.
        private const long EpochShift = 1_000_000_000_000_000L;

        private static bool IsConstant(ExpressionSyntax value) => Strip(value) switch
        {
            LiteralExpressionSyntax _ => true,
            BinaryExpressionSyntax binary => IsConstant(binary.Left) && IsConstant(binary.Right),
            _ => false,
        };

        private static bool IsStampMethodCall(ExpressionSyntax value, HashSet<string> stampMethods) =>
            stampMethods.Count > 0 && value is InvocationExpressionSyntax { ArgumentList: { Arguments: { Count: 0 } } } call
            && (call.Expression is IdentifierNameSyntax { Identifier: { ValueText: var bare } } && stampMethods.Contains(bare)
                || call.Expression is MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: var qualified } } } && stampMethods.Contains(qualified));

        private static ExpressionSyntax Strip(ExpressionSyntax value)
        {
            while (value is ParenthesizedExpressionSyntax parenthesized)
                value = parenthesized.Expression;
            return value;
        }

        /// <summary><c>DateTime.UtcNow</c>, <c>System.DateTimeOffset.Now</c>, and their <c>.Ticks</c> or Unix-time forms.</summary>
        internal static bool IsClockRead(ExpressionSyntax value)
        {
            value = Strip(value);
            if (value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "ToUnixTimeMilliseconds" or "ToUnixTimeSeconds" } } } unix })
                value = Strip(unix.Expression);
            else if (value is MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "Ticks" or "UtcTicks" } } } ticks)
                value = Strip(ticks.Expression);
            if (!(value is MemberAccessExpressionSyntax { Name: { Identifier: { ValueText: "Now" or "UtcNow" } } } now))
                return false;
            var type = now.Expression.ToString();
            return type == "DateTime" || type == "DateTimeOffset" || type == "System.DateTime" || type == "System.DateTimeOffset";
        }
    }
}
