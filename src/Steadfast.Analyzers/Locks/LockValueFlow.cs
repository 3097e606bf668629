using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    internal enum Uniqueness
    {
        /// <summary>Nothing is known (a value from elsewhere): the rules stay silent.</summary>
        Unknown,
        /// <summary>Fresh per acquisition: Guid.NewGuid(), RandomNumberGenerator, Ulid.</summary>
        Unique,
        /// <summary>The same for every acquisition: literal, constant, static field, machine name …</summary>
        NonUnique,
    }

    /// <summary>What a lock value is, and where the value that makes it so was written.</summary>
    internal readonly struct ValueOrigin
    {
        public ValueOrigin(Uniqueness uniqueness, SyntaxNode? origin, string? reason)
        {
            Uniqueness = uniqueness;
            Origin = origin;
            Reason = reason;
        }

        public static ValueOrigin Unknown => new ValueOrigin(Uniqueness.Unknown, null, null);

        public static ValueOrigin Unique => new ValueOrigin(Uniqueness.Unique, null, null);

        public Uniqueness Uniqueness { get; }
        /// <summary>The expression that produced the non-unique value.</summary>
        public SyntaxNode? Origin { get; }
        /// <summary>Why it is not unique, for the message: "a constant", "the machine name" …</summary>
        public string? Reason { get; }
    }

    /// <summary>
    /// Follows lock values and keys through locals, fields, properties, parameters (to the call sites and
    /// constructors anywhere in the compilation) and small helper methods in any file of the compilation.
    /// Everything that needs more than the operation at hand is computed once per compilation and cached by symbol:
    /// the call sites of each method (one syntactic index of call sites by name, each candidate bound once), the values
    /// each field or property is given, what each helper returns, and the keys each type locks.
    /// </summary>
    internal sealed class LockValueFlow
    {
        private const int MaxDepth = 6;
        private const string ImplicitCreation = "new()";
        private readonly LockModel _model;
        private readonly ConcurrentDictionary<INamedTypeSymbol, HashSet<string>> _acquiredKeys = new ConcurrentDictionary<INamedTypeSymbol, HashSet<string>>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<ISymbol, List<IOperation>?> _memberWrites = new ConcurrentDictionary<ISymbol, List<IOperation>?>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<IMethodSymbol, List<IOperation>> _returns = new ConcurrentDictionary<IMethodSymbol, List<IOperation>>(SymbolEqualityComparer.Default);
        private readonly ConcurrentDictionary<string, Dictionary<IMethodSymbol, List<ImmutableArray<IArgumentOperation>>>> _callsByName =
            new ConcurrentDictionary<string, Dictionary<IMethodSymbol, List<ImmutableArray<IArgumentOperation>>>>(StringComparer.Ordinal);
        // Built on first use with the token of the caller that needs it (a cancelled build leaves it unset).
        private Dictionary<string, List<SyntaxNode>>? _callSites;

        public LockValueFlow(LockModel model)
        {
            _model = model;
        }

        public ValueOrigin Classify(IOperation value, CancellationToken cancellationToken) =>
            Classify(value, 0, new HashSet<ISymbol>(SymbolEqualityComparer.Default), cancellationToken);

        private ValueOrigin Classify(IOperation? value, int depth, HashSet<ISymbol> visited, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            value = LockModel.Unwrap(value);
            if (value == null || depth > MaxDepth)
                return ValueOrigin.Unknown;
            if (value.ConstantValue.HasValue)
                return new ValueOrigin(Uniqueness.NonUnique, value.Syntax, value.ConstantValue.Value is string s && s.Length == 0 ? "an empty string" : "a constant");

            switch (value)
            {
                case IDefaultValueOperation _:
                    return new ValueOrigin(Uniqueness.NonUnique, value.Syntax, "a constant");
                case IFieldReferenceOperation field:
                    return ClassifyMember(field.Field, field.Field.IsStatic, field.Field.Type, value, depth, visited, cancellationToken);
                case IPropertyReferenceOperation property:
                    if (IsHostIdentity(property.Property))
                        return new ValueOrigin(Uniqueness.NonUnique, value.Syntax, HostIdentityReason(property.Property));
                    if (SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _model.RedisValue) && property.Property.IsStatic)
                        return new ValueOrigin(Uniqueness.NonUnique, value.Syntax, "a constant");
                    return ClassifyMember(property.Property, property.Property.IsStatic, property.Property.Type, value, depth, visited, cancellationToken);
                case IInvocationOperation call:
                    return ClassifyCall(call, depth, visited, cancellationToken);
                case IInterpolatedStringOperation interpolated:
                    return Combine(interpolated.Parts.Select(p => p is IInterpolationOperation i ? Classify(i.Expression, depth + 1, visited, cancellationToken) : new ValueOrigin(Uniqueness.NonUnique, p.Syntax, "a constant")), value.Syntax);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } concat:
                    return Combine(new[] { Classify(concat.LeftOperand, depth + 1, visited, cancellationToken), Classify(concat.RightOperand, depth + 1, visited, cancellationToken) }, value.Syntax);
                case ILocalReferenceOperation local:
                    if (!visited.Add(local.Local))
                        return ValueOrigin.Unknown;
                    return ClassifyWrites(LocalWrites(local.Local, LockModel.GetRoot(value), cancellationToken), depth, visited, cancellationToken);
                case IParameterReferenceOperation parameter:
                    if (!visited.Add(parameter.Parameter))
                        return ValueOrigin.Unknown;
                    return ClassifyParameter(parameter.Parameter, value.SemanticModel, depth, visited, cancellationToken);
                default:
                    return ValueOrigin.Unknown;
            }
        }

        private bool IsHostIdentity(IPropertySymbol property)
        {
            var type = property.ContainingType;
            if (SymbolEqualityComparer.Default.Equals(type, _model.Environment))
                return property.Name == "MachineName" || property.Name == "UserName" || property.Name == "UserDomainName" || property.Name == "ProcessId" || property.Name == "CurrentManagedThreadId";
            return SymbolEqualityComparer.Default.Equals(type, _model.Thread) && property.Name == "ManagedThreadId";
        }

        private static string HostIdentityReason(IPropertySymbol property) =>
            property.Name == "MachineName" ? "the machine name, shared by every thread and process of this host"
            : property.Name == "ManagedThreadId" || property.Name == "CurrentManagedThreadId" ? "a thread id, reused by every acquisition on that thread"
            : "an identity of this host or process, shared by all its acquisitions";

        private ValueOrigin ClassifyCall(IInvocationOperation call, int depth, HashSet<ISymbol> visited, CancellationToken cancellationToken)
        {
            var method = call.TargetMethod;
            var type = method.ContainingType;
            if (SymbolEqualityComparer.Default.Equals(type, _model.Guid) && (method.Name == "NewGuid" || method.Name == "CreateVersion7"))
                return ValueOrigin.Unique;
            if (SymbolEqualityComparer.Default.Equals(type, _model.RandomNumberGenerator))
                return ValueOrigin.Unique;
            if (type?.Name == "Ulid" && method.Name == "NewUlid")
                return ValueOrigin.Unique;
            if (SymbolEqualityComparer.Default.Equals(type, _model.Dns) && method.Name == "GetHostName")
                return new ValueOrigin(Uniqueness.NonUnique, call.Syntax, "the machine name, shared by every thread and process of this host");

            // Formatting keeps what the formatted value is: Guid.NewGuid().ToString("N"), Convert.ToHexString(bytes), string.Concat(…).
            if (call.Instance != null && (method.Name == "ToString" || method.Name == "ToLowerInvariant" || method.Name == "ToUpperInvariant" || method.Name == "Trim"))
                return Classify(call.Instance, depth + 1, visited, cancellationToken);
            if (type != null && call.Instance == null && (type.SpecialType == SpecialType.System_String || type.Name == "Convert")
                && (method.Name == "Concat" || method.Name == "Format" || method.Name == "Join" || method.Name.StartsWith("To", System.StringComparison.Ordinal)))
            {
                var parts = call.Arguments.SelectMany(a => LockModel.Unwrap(a.Value) is IArrayCreationOperation { Initializer: { } init } ? init.ElementValues : (IEnumerable<IOperation>)new[] { a.Value });
                return Combine(parts.Select(p => Classify(p, depth + 1, visited, cancellationToken)), call.Syntax);
            }

            // A small helper of this compilation: what it returns.
            if (visited.Add(method))
            {
                var returns = ReturnedValues(method, call.SemanticModel, cancellationToken);
                if (returns.Count > 0)
                    return ClassifyWrites(returns, depth, visited, cancellationToken);
            }

            return ValueOrigin.Unknown;
        }

        private ValueOrigin ClassifyMember(ISymbol member, bool isStatic, ITypeSymbol type, IOperation reference, int depth, HashSet<ISymbol> visited, CancellationToken cancellationToken)
        {
            if (!visited.Add(member))
                return ValueOrigin.Unknown;
            if (member is IFieldSymbol { IsConst: true } || member.DeclaringSyntaxReferences.Length == 0)
                return ValueOrigin.Unknown; // constants have a ConstantValue; metadata members are not ours to judge
            var writes = MemberWrites(member, reference.SemanticModel, cancellationToken);
            if (writes == null)
                return ValueOrigin.Unknown;
            if (isStatic)
            {
                // One value for the whole process: every acquisition shares it, however random it is.
                var declaration = member.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
                return new ValueOrigin(Uniqueness.NonUnique, writes.Count > 0 ? writes[0].Syntax : declaration, "a static member, shared by every acquisition in the process");
            }

            if (writes.Count == 0)
                return new ValueOrigin(Uniqueness.NonUnique, member.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken), "never assigned, so always the default");
            return ClassifyWrites(writes, depth, visited, cancellationToken);
        }

        /// <summary>All values written: NonUnique only when every one is; Unique when any is; else Unknown.</summary>
        private ValueOrigin ClassifyWrites(IReadOnlyList<IOperation>? writes, int depth, HashSet<ISymbol> visited, CancellationToken cancellationToken)
        {
            if (writes == null || writes.Count == 0)
                return ValueOrigin.Unknown;
            var results = writes.Select(w => Classify(w, depth + 1, visited, cancellationToken)).ToList();
            if (results.All(r => r.Uniqueness == Uniqueness.NonUnique))
                return results[0];
            if (results.All(r => r.Uniqueness == Uniqueness.Unique))
                return ValueOrigin.Unique;
            return ValueOrigin.Unknown;
        }

        /// <summary>Parts of one string: Unique when any part is, NonUnique when all are.</summary>
        private static ValueOrigin Combine(IEnumerable<ValueOrigin> parts, SyntaxNode whole)
        {
            var list = parts.ToList();
            if (list.Any(p => p.Uniqueness == Uniqueness.Unique))
                return ValueOrigin.Unique;
            if (list.Count > 0 && list.All(p => p.Uniqueness == Uniqueness.NonUnique))
            {
                var telling = list.FirstOrDefault(p => p.Reason != "a constant" && p.Reason != "an empty string");
                return new ValueOrigin(Uniqueness.NonUnique, whole, telling.Reason ?? "a constant");
            }

            return ValueOrigin.Unknown;
        }

        /// <summary>A parameter: what the call sites in the compilation pass. NonUnique when any passes a non-unique value.</summary>
        private ValueOrigin ClassifyParameter(IParameterSymbol parameter, SemanticModel? semanticModel, int depth, HashSet<ISymbol> visited, CancellationToken cancellationToken)
        {
            if (!(parameter.ContainingSymbol is IMethodSymbol method))
                return ValueOrigin.Unknown;
            var arguments = ArgumentsPassedTo(parameter, method, cancellationToken);
            ValueOrigin? unique = null;
            foreach (var argument in arguments)
            {
                var result = Classify(argument, depth + 1, visited, cancellationToken);
                if (result.Uniqueness == Uniqueness.NonUnique)
                    return new ValueOrigin(Uniqueness.NonUnique, argument.Syntax, result.Reason);
                if (result.Uniqueness == Uniqueness.Unique)
                    unique = result;
            }

            return unique ?? ValueOrigin.Unknown;
        }

        /// <summary>The arguments the calls and object creations of the compilation pass explicitly for the parameter.</summary>
        public List<IOperation> ArgumentsPassedTo(IParameterSymbol parameter, IMethodSymbol method, CancellationToken cancellationToken)
        {
            var result = new List<IOperation>();
            if (method.MethodKind == MethodKind.AnonymousFunction || method.DeclaringSyntaxReferences.Length == 0)
                return result;
            var definition = method.OriginalDefinition;
            foreach (var arguments in CallsTo(definition, cancellationToken))
            {
                foreach (var argument in arguments)
                {
                    if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.OriginalDefinition, parameter.OriginalDefinition) && argument.ArgumentKind == ArgumentKind.Explicit)
                        result.Add(argument.Value);
                }
            }

            return result;
        }

        /// <summary>The argument lists of every call or creation of the method in the compilation.</summary>
        private IEnumerable<ImmutableArray<IArgumentOperation>> CallsTo(IMethodSymbol method, CancellationToken cancellationToken)
        {
            var isConstructor = method.MethodKind == MethodKind.Constructor;
            var names = isConstructor ? new[] { method.ContainingType.Name, ImplicitCreation } : new[] { method.Name };
            foreach (var name in names)
            {
                // Computed with this caller's token; two callers racing may both bind, and the first result is kept.
                if (!_callsByName.TryGetValue(name, out var byTarget))
                    byTarget = _callsByName.GetOrAdd(name, BindCalls(name, cancellationToken));
                if (byTarget.TryGetValue(method, out var calls))
                {
                    foreach (var call in calls)
                        yield return call;
                }
            }
        }

        /// <summary>Binds every call site written with this name once, grouped by the method it calls.</summary>
        private Dictionary<IMethodSymbol, List<ImmutableArray<IArgumentOperation>>> BindCalls(string name, CancellationToken cancellationToken)
        {
            var result = new Dictionary<IMethodSymbol, List<ImmutableArray<IArgumentOperation>>>(SymbolEqualityComparer.Default);
            var callSites = Volatile.Read(ref _callSites);
            if (callSites == null)
            {
                callSites = BuildCallSiteIndex(cancellationToken);
                callSites = Interlocked.CompareExchange(ref _callSites, callSites, null) ?? callSites;
            }

            if (!callSites.TryGetValue(name, out var nodes))
                return result;
            foreach (var node in nodes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var semanticModel = _model.SemanticModelFor(node.SyntaxTree, null);
                var (target, arguments) = semanticModel?.GetOperation(node, cancellationToken) switch
                {
                    IInvocationOperation call => (call.TargetMethod.OriginalDefinition, call.Arguments),
                    IObjectCreationOperation creation => (creation.Constructor?.OriginalDefinition, creation.Arguments),
                    _ => (null, default),
                };
                if (target == null || target.DeclaringSyntaxReferences.Length == 0)
                    continue;
                if (!result.TryGetValue(target, out var list))
                    result[target] = list = new List<ImmutableArray<IArgumentOperation>>();
                list.Add(arguments);
            }

            return result;
        }

        /// <summary>One syntactic pass over the compilation: invocations by invoked name, creations by type name.</summary>
        private Dictionary<string, List<SyntaxNode>> BuildCallSiteIndex(CancellationToken cancellationToken)
        {
            var index = new Dictionary<string, List<SyntaxNode>>(StringComparer.Ordinal);
            void Add(string? name, SyntaxNode node)
            {
                if (name == null)
                    return;
                if (!index.TryGetValue(name, out var list))
                    index[name] = list = new List<SyntaxNode>();
                list.Add(node);
            }

            foreach (var tree in _model.Compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var node in tree.GetRoot(cancellationToken).DescendantNodes())
                {
                    switch (node)
                    {
                        case InvocationExpressionSyntax invocation:
                            Add(InvokedName(invocation.Expression), invocation);
                            break;
                        case ObjectCreationExpressionSyntax creation:
                            Add(TypeName(creation.Type), creation);
                            break;
                        case ImplicitObjectCreationExpressionSyntax implicitCreation:
                            Add(ImplicitCreation, implicitCreation);
                            break;
                    }
                }
            }

            return index;
        }

        private static string? InvokedName(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
            GenericNameSyntax generic => generic.Identifier.ValueText,
            _ => null,
        };

        private static string? TypeName(TypeSyntax type) => type switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            GenericNameSyntax generic => generic.Identifier.ValueText,
            _ => null,
        };

        /// <summary>The values a local is given in its function: the initializer and plain assignments. Null when written otherwise.</summary>
        public static List<IOperation>? LocalWrites(ILocalSymbol local, IOperation root, CancellationToken cancellationToken)
        {
            var writes = new List<IOperation>();
            foreach (var operation in root.Descendants())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, local):
                        var initializer = declarator.GetVariableInitializer();
                        if (initializer != null)
                            writes.Add(initializer.Value);
                        break;
                    case ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, local):
                        if (reference.IsDeclaration)
                            return null;
                        switch (reference.Parent)
                        {
                            case ISimpleAssignmentOperation assignment when assignment.Target == reference:
                                writes.Add(assignment.Value);
                                break;
                            case ICompoundAssignmentOperation _:
                            case ICoalesceAssignmentOperation _:
                            case IIncrementOrDecrementOperation _:
                            case IArgumentOperation { Parameter: { RefKind: RefKind.Ref } }:
                            case IArgumentOperation { Parameter: { RefKind: RefKind.Out } }:
                            case ITupleOperation _:
                                return null;
                        }

                        break;
                }
            }

            return writes;
        }

        /// <summary>
        /// The values a field or auto-property of a type of this compilation is given: its initializer and the plain
        /// assignments in the type (all its parts, in any file). Null when it is written otherwise. Once per member.
        /// </summary>
        public List<IOperation>? MemberWrites(ISymbol member, SemanticModel? near, CancellationToken cancellationToken)
        {
            member = member.OriginalDefinition;
            if (_memberWrites.TryGetValue(member, out var cached))
                return cached;
            var writes = ComputeMemberWrites(member, near, cancellationToken);
            return _memberWrites.GetOrAdd(member, writes);
        }

        private List<IOperation>? ComputeMemberWrites(ISymbol member, SemanticModel? near, CancellationToken cancellationToken)
        {
            if (member.ContainingType == null)
                return null;
            if (member is IPropertySymbol property && (property.SetMethod == null && property.GetMethod != null && !IsAutoProperty(property, cancellationToken)))
                return null;
            var writes = new List<IOperation>();
            foreach (var typeReference in member.ContainingType.DeclaringSyntaxReferences)
            {
                var semanticModel = _model.SemanticModelFor(typeReference.SyntaxTree, near);
                if (semanticModel == null)
                    return null;
                var typeSyntax = typeReference.GetSyntax(cancellationToken);
                foreach (var node in typeSyntax.DescendantNodes())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    switch (node)
                    {
                        case VariableDeclaratorSyntax { Initializer: { } initializer } declarator when declarator.Identifier.ValueText == member.Name && declarator.Parent?.Parent is FieldDeclarationSyntax:
                            if (semanticModel.GetOperation(initializer.Value, cancellationToken) is { } fieldValue)
                                writes.Add(fieldValue);
                            break;
                        case PropertyDeclarationSyntax { Initializer: { } propertyInitializer } propertyDeclaration when propertyDeclaration.Identifier.ValueText == member.Name:
                            if (semanticModel.GetOperation(propertyInitializer.Value, cancellationToken) is { } propertyValue)
                                writes.Add(propertyValue);
                            break;
                        case AssignmentExpressionSyntax assignment when AssignedName(assignment.Left) == member.Name:
                            var operation = semanticModel.GetOperation(assignment, cancellationToken);
                            if (operation is ISimpleAssignmentOperation simple && IsMember(simple.Target, member))
                                writes.Add(simple.Value);
                            else if (operation is IAssignmentOperation other && IsMember(other.Target, member))
                                return null;
                            break;
                        case ArgumentSyntax { RefKindKeyword: { } refKind } argument when !refKind.IsKind(SyntaxKind.None) && AssignedName(argument.Expression) == member.Name:
                            return null;
                    }
                }
            }

            return WrittenElsewhere(member) ? null : writes;
        }

        // Written from another type (a public settable member): we cannot see every value.
        private static bool WrittenElsewhere(ISymbol member) =>
            member.DeclaredAccessibility != Accessibility.Private && !(member is IFieldSymbol { IsReadOnly: true }) && !(member is IPropertySymbol { SetMethod: null }) && !(member is IPropertySymbol { SetMethod: { IsInitOnly: false, DeclaredAccessibility: Accessibility.Private } });

        /// <summary>
        /// Seeds the per-compilation caches with what a type's own operations showed (the SF1001 symbol-end pass collects
        /// them from the operations the driver already built), so deciding needs no second binding of the type.
        /// <paramref name="writes"/> holds every field/property of the type that is given a value, <paramref name="spoiled"/>
        /// those written in a way the flow does not follow.
        /// </summary>
        public void Prime(INamedTypeSymbol type, Dictionary<ISymbol, List<IOperation>> writes, HashSet<ISymbol> spoiled, HashSet<string> acquiredKeys, CancellationToken cancellationToken)
        {
            _acquiredKeys.TryAdd(type, acquiredKeys);
            foreach (var member in type.GetMembers())
            {
                if (!(member is IFieldSymbol || member is IPropertySymbol) || member.IsImplicitlyDeclared)
                    continue;
                List<IOperation>? value = spoiled.Contains(member) || WrittenElsewhere(member)
                    || (member is IPropertySymbol property && property.SetMethod == null && property.GetMethod != null && !IsAutoProperty(property, cancellationToken))
                    ? null
                    : writes.TryGetValue(member, out var list) ? list.OrderBy(o => o.Syntax.SyntaxTree.FilePath, StringComparer.Ordinal).ThenBy(o => o.Syntax.SpanStart).ToList() : new List<IOperation>();
                _memberWrites.TryAdd(member.OriginalDefinition, value);
            }
        }

        private static bool IsAutoProperty(IPropertySymbol property, CancellationToken cancellationToken) =>
            property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors }
            && accessors.Accessors.All(a => a.Body == null && a.ExpressionBody == null);

        private static bool IsMember(IOperation target, ISymbol member) => target switch
        {
            IFieldReferenceOperation field => SymbolEqualityComparer.Default.Equals(field.Field.OriginalDefinition, member.OriginalDefinition),
            IPropertyReferenceOperation property => SymbolEqualityComparer.Default.Equals(property.Property.OriginalDefinition, member.OriginalDefinition),
            _ => false,
        };

        private static string? AssignedName(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
            MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
            _ => null,
        };

        /// <summary>The expressions a method of this compilation returns (expression body or return statements), once per method.</summary>
        public List<IOperation> ReturnedValues(IMethodSymbol method, SemanticModel? near, CancellationToken cancellationToken)
        {
            method = method.OriginalDefinition;
            if (_returns.TryGetValue(method, out var cached))
                return cached;
            return _returns.GetOrAdd(method, ComputeReturnedValues(method, near, cancellationToken));
        }

        private List<IOperation> ComputeReturnedValues(IMethodSymbol method, SemanticModel? near, CancellationToken cancellationToken)
        {
            var result = new List<IOperation>();
            if (method.DeclaringSyntaxReferences.Length != 1)
                return result;
            var semanticModel = _model.SemanticModelFor(method.DeclaringSyntaxReferences[0].SyntaxTree, near);
            if (semanticModel == null)
                return result;
            var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);
            SyntaxNode? body = syntax switch
            {
                MethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody?.Expression,
                LocalFunctionStatementSyntax l => (SyntaxNode?)l.Body ?? l.ExpressionBody?.Expression,
                AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody?.Expression,
                ArrowExpressionClauseSyntax arrow => arrow.Expression,
                _ => null,
            };
            if (body is ExpressionSyntax expression)
            {
                if (semanticModel.GetOperation(expression, cancellationToken) is { } value)
                    result.Add(value);
                return result;
            }

            if (body != null && semanticModel.GetOperation(body, cancellationToken) is { } block)
            {
                foreach (var ret in LockModel.DescendantsInSameFunction(block).OfType<IReturnOperation>())
                {
                    if (ret.ReturnedValue != null)
                        result.Add(ret.ReturnedValue);
                }
            }

            return result;
        }

        /// <summary>
        /// A name for the lock a key or lock object designates, equal for two expressions that designate the same lock:
        /// the constant, the field or property, the parameter name, or the shape of an interpolated key. Null when unknown.
        /// </summary>
        public string? Identity(IOperation? operation, CancellationToken cancellationToken, int depth = 0)
        {
            operation = LockModel.Unwrap(operation);
            if (operation == null || depth > MaxDepth)
                return null;
            if (operation.ConstantValue.HasValue)
                return "c:" + operation.ConstantValue.Value;
            switch (operation)
            {
                case IFieldReferenceOperation field:
                    return "m:" + field.Field.OriginalDefinition.ToDisplayString() + InstanceIdentity(field.Instance, cancellationToken, depth);
                case IPropertyReferenceOperation property:
                    return "m:" + property.Property.OriginalDefinition.ToDisplayString() + InstanceIdentity(property.Instance, cancellationToken, depth);
                case IParameterReferenceOperation parameter:
                    return "p:" + parameter.Parameter.Name;
                case IInstanceReferenceOperation _:
                    return "this";
                case IObjectCreationOperation { Arguments: { Length: 1 } arguments } creation when creation.Type?.Name is "RedisKey" or "RedisValue":
                    return Identity(arguments[0].Value, cancellationToken, depth + 1); // new RedisKey(name) names the same key as name
                case ILocalReferenceOperation local:
                    // A local whose value is not known is the same lock only within its own function: two methods that
                    // each name a local "key" do not lock the same thing.
                    var localName = "l:" + local.Local.ContainingSymbol?.ToDisplayString() + "#" + local.Local.Name;
                    var writes = LocalWrites(local.Local, LockModel.GetRoot(operation), cancellationToken);
                    if (writes != null && writes.Count == 1)
                        return Identity(writes[0], cancellationToken, depth + 1) ?? localName;
                    return localName;
                case IInterpolatedStringOperation interpolated:
                    var parts = interpolated.Parts.Select(p => p is IInterpolationOperation i ? Identity(i.Expression, cancellationToken, depth + 1) : p.Syntax.ToString()).ToList();
                    return parts.Any(p => p == null) ? null : "i:" + string.Join("|", parts);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } concat:
                    var left = Identity(concat.LeftOperand, cancellationToken, depth + 1);
                    var right = Identity(concat.RightOperand, cancellationToken, depth + 1);
                    return left == null || right == null ? null : "i:" + left + "|" + right;
                default:
                    return null;
            }
        }

        private string InstanceIdentity(IOperation? instance, CancellationToken cancellationToken, int depth) =>
            instance == null || instance is IInstanceReferenceOperation ? string.Empty : "@" + (Identity(instance, cancellationToken, depth + 1) ?? "?");

        /// <summary>The identities of the keys locked with NX/LockTake anywhere in the type (all its parts), once per type.</summary>
        public HashSet<string> AcquiredKeys(INamedTypeSymbol type, SemanticModel? near, CancellationToken cancellationToken)
        {
            if (_acquiredKeys.TryGetValue(type, out var cached))
                return cached;
            var keys = new HashSet<string>();
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                var semanticModel = _model.SemanticModelFor(reference.SyntaxTree, near);
                if (semanticModel == null)
                    continue;
                foreach (var invocation in reference.GetSyntax(cancellationToken).DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    var name = InvokedName(invocation.Expression);
                    if (name == null || !(name.StartsWith("StringSet", System.StringComparison.Ordinal) || name.StartsWith("LockTake", System.StringComparison.Ordinal) || name.StartsWith("Execute", System.StringComparison.Ordinal)
                        || name.StartsWith("HashSet", System.StringComparison.Ordinal) || name.StartsWith("StringGetSet", System.StringComparison.Ordinal)))
                        continue;
                    var acquire = _model.AsRedisAcquire(semanticModel.GetOperation(invocation, cancellationToken));
                    var identity = acquire == null ? null : Identity(acquire.Key, cancellationToken);
                    if (identity != null)
                        keys.Add(identity);
                }
            }

            return _acquiredKeys.GetOrAdd(type, keys);
        }

        /// <summary>
        /// True when the key deleted here is a lock key: one taken with NX/LockTake in the same type, or a field of a
        /// handle type set from its constructor by a type that took that key.
        /// </summary>
        public bool IsLockKey(IOperation key, IOperation at, CancellationToken cancellationToken, out SyntaxNode? acquiredAt)
        {
            acquiredAt = null;
            var semanticModel = at.SemanticModel;
            var type = ContainingType(at);
            if (type == null)
                return false;
            var identity = Identity(key, cancellationToken);
            if (identity != null && AcquiredKeys(type, semanticModel, cancellationToken).Contains(identity)
                && (!IsBareParameter(identity) || DeletesOnBehalfOfALock(at)))
            {
                return true;
            }

            // A handle: the key is a field this type got from its constructor, and whoever constructs it took that key.
            var member = LockModel.Unwrap(key) switch
            {
                IFieldReferenceOperation f => (ISymbol)f.Field,
                IPropertyReferenceOperation p => p.Property,
                _ => null,
            };
            if (member == null)
                return false;
            var writes = MemberWrites(member, semanticModel, cancellationToken);
            if (writes == null)
                return false;
            foreach (var write in writes)
            {
                if (!(LockModel.Unwrap(write) is IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter }))
                    continue;
                foreach (var argument in ArgumentsPassedTo(parameter, constructor, cancellationToken))
                {
                    var creatorType = ContainingType(argument);
                    var argumentIdentity = Identity(argument, cancellationToken);
                    if (creatorType != null && argumentIdentity != null && AcquiredKeys(creatorType, argument.SemanticModel, cancellationToken).Contains(argumentIdentity))
                    {
                        acquiredAt = argument.Syntax;
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>
        /// A key that is just a parameter's name ("key") says nothing about which key it is: a helper class's
        /// <c>KeyDelete(string key)</c> and its <c>LockTake(string key, …)</c> share the name, not the key.
        /// </summary>
        private static bool IsBareParameter(string identity) => identity.StartsWith("p:", StringComparison.Ordinal) && identity.IndexOf('|') < 0;

        /// <summary>The delete sits in a member whose name says it frees a lock (ReleaseLock, Unlock, Dispose of a lock type …).</summary>
        private static bool DeletesOnBehalfOfALock(IOperation at)
        {
            var member = at.SemanticModel?.GetEnclosingSymbol(at.Syntax.SpanStart);
            for (var symbol = member; symbol != null; symbol = symbol.ContainingSymbol)
            {
                var name = symbol.Name;
                if (name.IndexOf("lock", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("release", StringComparison.OrdinalIgnoreCase) >= 0
                    || name.IndexOf("mutex", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("lease", StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    return true;
                }

                if (symbol is INamedTypeSymbol)
                    break;
            }

            return false;
        }

        public static INamedTypeSymbol? ContainingType(IOperation operation)
        {
            var semanticModel = operation.SemanticModel;
            return semanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart)?.ContainingType
                is INamedTypeSymbol type && !type.IsImplicitlyDeclared ? type : semanticModel?.GetEnclosingSymbol(operation.Syntax.SpanStart)?.ContainingType;
        }
    }
}
