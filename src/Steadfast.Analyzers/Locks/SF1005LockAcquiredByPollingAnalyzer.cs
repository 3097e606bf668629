using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.Locks
{
    /// <summary>
    /// SF1005: a loop that tries to take a lock, sleeps (Thread.Sleep / Task.Delay) and tries again, with no
    /// CancellationToken and no bound on attempts or on (monotonic) time. A bound measured with DateTime.Now is no
    /// bound: the wall clock moves back as well as forward (SF4002).
    /// </summary>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class SF1005LockAcquiredByPollingAnalyzer : DiagnosticAnalyzer
    {
        internal static readonly DiagnosticDescriptor Rule = DiagnosticDescriptors.Create(
            RuleIdentifiers.LockAcquiredByPolling,
            title: "Lock acquired by polling",
            messageFormat: "'{0}' is retried {1} with no cancellation and no bound on attempts or time; wait with a timeout and a CancellationToken (Steadfast's AcquireAsync with WaitTimeout)",
            description: "A loop that tries a lock, sleeps and tries again holds a thread (or a timer) for as long as the lock is busy, adds up to one sleep interval of latency to every hand-over, hammers the lock server from every waiter, and when nothing can cancel it and nothing bounds it, never gives up: a stuck holder or a lost key hangs the caller and the shutdown of the host. Wait with a bounded, cancellable acquire that is woken when the lock is released.");

        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterCompilationStartAction(start =>
            {
                var model = LockModel.Create(start.Compilation);
                if (model == null)
                    return;
                start.RegisterOperationAction(c => Analyze(c, model), OperationKind.Loop);
                start.RegisterOperationAction(c => AnalyzeSpinUntil(c, model), OperationKind.Invocation);
                start.RegisterOperationBlockAction(c => AnalyzeRecursiveRetry(c, model));
            });
        }

        /// <summary>
        /// The loop written as recursion: <c>if (!TryTake()) { Thread.Sleep(n); return Get(…); }</c> — a method that
        /// tries a lock, sleeps when it is busy and calls itself again, with no token and no attempt counter among the
        /// arguments of the recursive call. Each retry also adds a stack frame.
        /// </summary>
        private static void AnalyzeRecursiveRetry(OperationBlockAnalysisContext context, LockModel model)
        {
            if (!(context.OwningSymbol is IMethodSymbol method) || method.MethodKind != MethodKind.Ordinary)
                return;
            var token = context.CancellationToken;
            foreach (var block in context.OperationBlocks)
            {
                // One walk of the body (not into lambdas or local functions); a body that never sleeps is done here.
                var calls = LockModel.DescendantsInSameFunction(block).OfType<IInvocationOperation>().OrderBy(c => c.Syntax.SpanStart).ToList();
                if (!calls.Any(model.IsSleep))
                    continue;
                foreach (var call in calls)
                {
                    token.ThrowIfCancellationRequested();
                    if (model.IsSleep(call) || !SleepsBefore(call, model) || CountsOrCancels(call, model))
                        continue;
                    var acquire = calls.TakeWhile(c => c.Syntax.SpanStart < call.Syntax.SpanStart)
                        .FirstOrDefault(c => LockModel.CanReportSuccess(c.TargetMethod) && model.AsAcquire(c, token) is { } taken && (taken.ReturnsSuccess || c.TargetMethod.Name == "TryEnter"));
                    // Whether the call comes back may need another method's body: asked last, of the few calls left.
                    if (acquire == null || !CallsBack(call, call.TargetMethod.OriginalDefinition, method, model, call.SemanticModel, token))
                        continue;
                    context.ReportDiagnostic(Diagnostic.Create(Rule, acquire.Syntax.GetLocation(), SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(acquire),
                        "by sleeping and calling '" + method.Name + "' again"));
                    return;
                }
            }
        }

        /// <summary>The call is handed a CancellationToken, or an attempt count that changes (<c>attempt + 1</c>, <c>++n</c>).</summary>
        private static bool CountsOrCancels(IInvocationOperation call, LockModel model)
        {
            foreach (var argument in call.Arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.Explicit)
                    continue;
                var value = LockModel.Unwrap(argument.Value);
                if (model.IsCancellationType(value?.Type) || value is IIncrementOrDecrementOperation || value is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract })
                    return true;
            }

            return false;
        }

        /// <summary>
        /// The call comes back to <paramref name="method"/>: it is the method itself, or a method of the compilation whose
        /// body calls it (directly or through the base member it overrides) — <c>Get()</c> in a base class that calls the
        /// overridden <c>BaseGet()</c>.
        /// </summary>
        private static bool CallsBack(IInvocationOperation call, IMethodSymbol target, IMethodSymbol method, LockModel model, SemanticModel? near, System.Threading.CancellationToken cancellationToken)
        {
            var self = method.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(target, self))
                return true;
            if (target.MethodKind != MethodKind.Ordinary)
                return false;
            // The body of an entry point in a base type built in another assembly cannot be read; an override that calls
            // a member of its base types with exactly its own parameters, in order, is going back in through that entry.
            if (method.IsOverride && PassesOwnParameters(call, method) && IsBaseTypeOf(target.ContainingType, method.ContainingType))
                return true;
            if (target.DeclaringSyntaxReferences.Length != 1)
                return false;
            var reference = target.DeclaringSyntaxReferences[0];
            var semanticModel = model.SemanticModelFor(reference.SyntaxTree, near);
            var body = reference.GetSyntax(cancellationToken) switch
            {
                Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
                _ => null,
            };
            if (semanticModel == null || body == null || semanticModel.GetOperation(body, cancellationToken) is not { } operation)
                return false;
            var overridden = method.OverriddenMethod?.OriginalDefinition;
            return operation.DescendantsAndSelf().OfType<IInvocationOperation>().Any(i =>
                SymbolEqualityComparer.Default.Equals(i.TargetMethod.OriginalDefinition, self)
                || (overridden != null && SymbolEqualityComparer.Default.Equals(i.TargetMethod.OriginalDefinition, overridden)));
        }

        /// <summary>Every parameter of the method, in order, and nothing else is handed to the call.</summary>
        private static bool PassesOwnParameters(IInvocationOperation call, IMethodSymbol method)
        {
            var explicitArguments = call.Arguments.Where(a => a.ArgumentKind == ArgumentKind.Explicit).OrderBy(a => a.Syntax.SpanStart).ToList();
            if (method.Parameters.Length == 0 || explicitArguments.Count != method.Parameters.Length)
                return false;
            for (var i = 0; i < explicitArguments.Count; i++)
            {
                if (!(LockModel.Unwrap(explicitArguments[i].Value) is IParameterReferenceOperation parameter)
                    || !SymbolEqualityComparer.Default.Equals(parameter.Parameter.OriginalDefinition, method.Parameters[i].OriginalDefinition))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsBaseTypeOf(INamedTypeSymbol? candidate, INamedTypeSymbol? type)
        {
            for (var current = type?.BaseType; current != null && candidate != null; current = current.BaseType)
            {
                if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, candidate.OriginalDefinition))
                    return true;
            }

            return false;
        }

        /// <summary>A sleep or delay in an earlier statement of the block the call is in, or of a block around it.</summary>
        private static bool SleepsBefore(IOperation call, LockModel model)
        {
            IOperation current = call;
            while (current.Parent != null && !(current.Parent is IAnonymousFunctionOperation) && !(current.Parent is ILocalFunctionOperation))
            {
                if (current.Parent is IBlockOperation block)
                {
                    foreach (var statement in block.Operations)
                    {
                        if (statement == current)
                            break;
                        if (statement.DescendantsAndSelf().OfType<IInvocationOperation>().Any(model.IsSleep))
                            return true;
                    }
                }

                current = current.Parent;
            }

            return false;
        }

        /// <summary>
        /// <c>SpinWait.SpinUntil(() => TryTake())</c> with no timeout: the condition is polled (spinning, yielding, then
        /// sleeping) until it is true, with nothing that can cancel or bound the wait.
        /// </summary>
        private static void AnalyzeSpinUntil(OperationAnalysisContext context, LockModel model)
        {
            var call = (IInvocationOperation)context.Operation;
            if (call.TargetMethod.Name != "SpinUntil" || call.TargetMethod.ContainingType?.Name != "SpinWait"
                || call.TargetMethod.ContainingType.ContainingNamespace?.ToDisplayString() != "System.Threading" || call.Arguments.Length != 1)
            {
                return;
            }

            var condition = call.Arguments[0].Value;
            while (condition is IConversionOperation || condition is IDelegateCreationOperation)
                condition = condition is IConversionOperation conversion ? conversion.Operand : ((IDelegateCreationOperation)condition).Target;
            if (!(condition is IAnonymousFunctionOperation lambda))
                return;
            foreach (var candidate in lambda.Body.Descendants().OfType<IInvocationOperation>())
            {
                if (LockModel.CanReportSuccess(candidate.TargetMethod) && model.AsAcquire(candidate, context.CancellationToken) is { } acquire && (acquire.ReturnsSuccess || candidate.TargetMethod.Name == "TryEnter"))
                {
                    context.ReportDiagnostic(Diagnostic.Create(Rule, candidate.Syntax.GetLocation(), SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(candidate), "by SpinWait.SpinUntil"));
                    return;
                }
            }

            // flag = true; Start(); SpinWait.SpinUntil(() => !flag): a hand-made wait on a flag this method raised and
            // another thread is to clear. Nothing bounds it: a lost clear hangs the caller.
            if (PolledMember(lambda.Body) is { } flag && RaisedBefore(call, flag))
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, call.Syntax.GetLocation(), flag.Name,
                    "by SpinWait.SpinUntil until another thread clears the flag this method raised"));
            }
        }

        /// <summary>The one field or property a condition reads (calls and cancellation aside: none may appear); null otherwise.</summary>
        private static ISymbol? PolledMember(IOperation condition)
        {
            ISymbol? member = null;
            foreach (var operation in condition.DescendantsAndSelf())
            {
                ISymbol? read = operation switch
                {
                    IFieldReferenceOperation { Field: { IsConst: false } field } => field,
                    IPropertyReferenceOperation { Property: { Parameters: { IsEmpty: true } } property } => property,
                    IInvocationOperation _ => null,
                    _ => null,
                };
                if (operation is IInvocationOperation)
                    return null;
                if (read == null)
                    continue;
                var memberType = read is IFieldSymbol f ? f.Type : ((IPropertySymbol)read).Type;
                if (memberType.SpecialType != SpecialType.System_Boolean && !IsInteger(memberType))
                    continue; // the receiver of the flag (ServerManager.Instance), not the flag
                if (member != null && !SymbolEqualityComparer.Default.Equals(member, read.OriginalDefinition))
                    return null;
                member = read.OriginalDefinition;
            }

            return member;
        }

        private static bool IsInteger(ITypeSymbol type) =>
            type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte;

        /// <summary>An earlier statement of the function (in the call's block or one around it) sets the member to a constant.</summary>
        private static bool RaisedBefore(IOperation call, ISymbol member)
        {
            IOperation current = call;
            while (current.Parent != null && !(current.Parent is IAnonymousFunctionOperation) && !(current.Parent is ILocalFunctionOperation))
            {
                if (current.Parent is IBlockOperation block)
                {
                    foreach (var statement in block.Operations)
                    {
                        if (statement == current)
                            break;
                        if (statement is IExpressionStatementOperation { Operation: ISimpleAssignmentOperation { Value: { ConstantValue: { HasValue: true } } } assignment }
                            && SymbolEqualityComparer.Default.Equals(MemberOf(assignment.Target), member))
                        {
                            return true;
                        }
                    }
                }

                current = current.Parent;
            }

            return false;
        }

        private static ISymbol? MemberOf(IOperation? target) => LockModel.Unwrap(target) switch
        {
            IFieldReferenceOperation field => field.Field.OriginalDefinition,
            IPropertyReferenceOperation property => property.Property.OriginalDefinition,
            _ => null,
        };

        /// <summary>
        /// <c>while (_busy != 0) Thread.Sleep(100); _busy++; … _busy--;</c>: a field polled with a sleep until it reads free,
        /// then claimed by the next statement and given back later — a lock made by hand whose check and claim are
        /// separate steps. The claim, or null when the loop is not this.
        /// </summary>
        private static IOperation? HandMadeLockClaim(ILoopOperation loop, List<IOperation> inLoop, LockModel model)
        {
            if (!(loop is IWhileLoopOperation { Condition: { } condition }) || !(PolledMember(condition) is { } member))
                return null;
            foreach (var operation in inLoop)
            {
                if (operation is IInvocationOperation call ? !model.IsSleep(call) : operation is IAssignmentOperation || operation is IIncrementOrDecrementOperation)
                    return null; // the body only waits
            }

            if (!(loop.Parent is IBlockOperation block))
                return null;
            var index = block.Operations.IndexOf(loop);
            if (index < 0 || index + 1 >= block.Operations.Length || !(block.Operations[index + 1] is IExpressionStatementOperation { Operation: { } claim })
                || !SymbolEqualityComparer.Default.Equals(WrittenMember(claim), member))
            {
                return null;
            }

            // Given back later in the function: the evidence that the claim is a lock, not a one-way state change.
            for (var i = index + 2; i < block.Operations.Length; i++)
            {
                if (block.Operations[i].DescendantsAndSelf().Any(o => SymbolEqualityComparer.Default.Equals(WrittenMember(o), member)))
                    return claim;
            }

            return null;
        }

        private static ISymbol? WrittenMember(IOperation operation) => operation switch
        {
            IIncrementOrDecrementOperation increment => MemberOf(increment.Target),
            ICompoundAssignmentOperation compound => MemberOf(compound.Target),
            ISimpleAssignmentOperation { Value: { ConstantValue: { HasValue: true } } } simple => MemberOf(simple.Target),
            _ => null,
        };

        private static void Analyze(OperationAnalysisContext context, LockModel model)
        {
            var loop = (ILoopOperation)context.Operation;
            var token = context.CancellationToken;
            var inLoop = LockModel.DescendantsInSameFunction(loop).Where(o => NearestLoop(o) == loop).ToList();
            IInvocationOperation? acquire = null;
            var sleeps = false;
            foreach (var call in inLoop.OfType<IInvocationOperation>())
            {
                if (model.IsSleep(call))
                    sleeps = true;
                else if (acquire == null && LockModel.CanReportSuccess(call.TargetMethod) && model.AsAcquire(call, token) is { } candidate && (candidate.ReturnsSuccess || candidate.Call.TargetMethod.Name == "TryEnter"))
                    acquire = call;
            }

            if (acquire == null && sleeps && HandMadeLockClaim(loop, inLoop, model) is { } claim && !IsCancellable(loop, model) && !IsBounded(loop, model))
            {
                context.ReportDiagnostic(Diagnostic.Create(Rule, claim.Syntax.GetLocation(), claim.Syntax.ToString(),
                    "after a sleep-and-poll wait on the same field, a lock made by hand whose check and claim are separate steps (two threads can both see it free)"));
                return;
            }

            if (acquire == null || !sleeps || IsCancellable(loop, model) || IsBounded(loop, model))
                return;
            context.ReportDiagnostic(Diagnostic.Create(
                Rule,
                acquire.Syntax.GetLocation(),
                SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(acquire),
                "in a sleep-and-poll loop"));
        }

        internal static ILoopOperation? NearestLoop(IOperation operation)
        {
            for (var current = operation.Parent; current != null; current = current.Parent)
            {
                if (current is ILoopOperation loop)
                    return loop;
                if (current is IAnonymousFunctionOperation || current is ILocalFunctionOperation)
                    return null;
            }

            return null;
        }

        /// <summary>Anything in the loop reads a CancellationToken or CancellationTokenSource (not the implicit default argument).</summary>
        private static bool IsCancellable(ILoopOperation loop, LockModel model)
        {
            foreach (var operation in LockModel.DescendantsInSameFunction(loop))
            {
                switch (operation)
                {
                    case IParameterReferenceOperation _:
                    case ILocalReferenceOperation _:
                    case IFieldReferenceOperation _:
                    case IPropertyReferenceOperation { Property: { Name: not "None" } }:
                        if (model.IsCancellationType(operation.Type))
                            return true;
                        break;
                }
            }

            return false;
        }

        /// <summary>
        /// A counter incremented in the loop and compared in it, or a comparison against a monotonic clock
        /// (Stopwatch, TimeProvider, Environment.TickCount).
        /// </summary>
        private static bool IsBounded(ILoopOperation loop, LockModel model)
        {
            var all = LockModel.DescendantsInSameFunction(loop).ToList();
            var counters = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in all)
            {
                var target = operation switch
                {
                    IIncrementOrDecrementOperation increment => increment.Target,
                    ICompoundAssignmentOperation compound => compound.Target,
                    // now = DateTime.UtcNow; … if (now > deadline): the clock read moved into a local.
                    ISimpleAssignmentOperation { Value: { } value } simple when value.DescendantsAndSelf().Any(IsWallClock) => simple.Target,
                    _ => null,
                };
                var symbol = target switch
                {
                    ILocalReferenceOperation l => (ISymbol)l.Local,
                    IFieldReferenceOperation f => f.Field,
                    IParameterReferenceOperation p => p.Parameter,
                    _ => null,
                };
                if (symbol != null)
                    counters.Add(symbol);
            }

            foreach (var comparison in all.OfType<IBinaryOperation>().Where(b => IsOrdering(b.OperatorKind)))
            {
                foreach (var part in comparison.DescendantsAndSelf())
                {
                    var symbol = part switch
                    {
                        ILocalReferenceOperation l => (ISymbol)l.Local,
                        IFieldReferenceOperation f => f.Field,
                        IParameterReferenceOperation p => p.Parameter,
                        _ => null,
                    };
                    if (symbol != null && counters.Contains(symbol))
                        return true;
                    // A deadline read from the wall clock still ends the wait; that the clock can step is SF4002's finding.
                    if (IsMonotonicClock(part, model) || IsWallClock(part))
                        return true;
                }
            }

            return false;
        }

        private static bool IsMonotonicClock(IOperation operation, LockModel model)
        {
            ISymbol? member = operation switch
            {
                IPropertyReferenceOperation p => p.Property,
                IInvocationOperation i => i.TargetMethod,
                _ => null,
            };
            if (member == null)
                return false;
            var type = member.ContainingType;
            if (SymbolEqualityComparer.Default.Equals(type, model.Stopwatch) || SymbolEqualityComparer.Default.Equals(type, model.TimeProvider))
                return true;
            return SymbolEqualityComparer.Default.Equals(type, model.Environment) && member.Name.StartsWith("TickCount", System.StringComparison.Ordinal);
        }

        /// <summary>DateTime.Now / UtcNow or DateTimeOffset.Now / UtcNow.</summary>
        internal static bool IsWallClock(IOperation operation) =>
            operation is IPropertyReferenceOperation { Property: { IsStatic: true, Name: "Now" or "UtcNow", ContainingType: { Name: "DateTime" or "DateTimeOffset" } } property }
            && property.ContainingType.ContainingNamespace?.ToDisplayString() == "System";

        private static bool IsOrdering(BinaryOperatorKind kind) =>
            kind == BinaryOperatorKind.LessThan || kind == BinaryOperatorKind.LessThanOrEqual
            || kind == BinaryOperatorKind.GreaterThan || kind == BinaryOperatorKind.GreaterThanOrEqual;
    }
}
