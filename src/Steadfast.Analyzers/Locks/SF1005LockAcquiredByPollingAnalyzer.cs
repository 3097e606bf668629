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
                start.RegisterOperationAction(c => AnalyzeRecursiveRetry(c, model), OperationKind.Invocation);
            });
        }

        /// <summary>
        /// The loop written as recursion: <c>if (!TryTake()) { Thread.Sleep(n); return Get(…); }</c> — a method that
        /// tries a lock, sleeps when it is busy and calls itself again, with no token and no attempt counter among the
        /// arguments of the recursive call. Each retry also adds a stack frame.
        /// </summary>
        private static void AnalyzeRecursiveRetry(OperationAnalysisContext context, LockModel model)
        {
            var call = (IInvocationOperation)context.Operation;
            if (!(context.ContainingSymbol is IMethodSymbol method) || LockModel.GetFunction(call).Parent != null
                || !CallsBack(call.TargetMethod.OriginalDefinition, method, model, call.SemanticModel, context.CancellationToken))
            {
                return; // only a member calling itself from its own body (not from a lambda or local function)
            }

            if (!SleepsBefore(call, model))
                return;
            foreach (var argument in call.Arguments)
            {
                if (argument.ArgumentKind != ArgumentKind.Explicit)
                    continue;
                var value = LockModel.Unwrap(argument.Value);
                if (model.IsCancellationType(value?.Type) || value is IIncrementOrDecrementOperation || value is IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract })
                    return; // cancellable, or counting its attempts
            }

            var root = LockModel.GetRoot(call);
            foreach (var candidate in LockModel.DescendantsInSameFunction(root).OfType<IInvocationOperation>().OrderBy(c => c.Syntax.SpanStart))
            {
                if (candidate.Syntax.SpanStart >= call.Syntax.SpanStart)
                    break;
                if (model.AsAcquire(candidate, context.CancellationToken) is { } acquire && (acquire.ReturnsSuccess || candidate.TargetMethod.Name == "TryEnter"))
                {
                    context.ReportDiagnostic(Diagnostic.Create(Rule, candidate.Syntax.GetLocation(), SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(candidate),
                        "by sleeping and calling '" + method.Name + "' again"));
                    return;
                }
            }
        }

        /// <summary>
        /// The call comes back to <paramref name="method"/>: it is the method itself, or a method of the compilation whose
        /// body calls it (directly or through the base member it overrides) — <c>Get()</c> in a base class that calls the
        /// overridden <c>BaseGet()</c>.
        /// </summary>
        private static bool CallsBack(IMethodSymbol target, IMethodSymbol method, LockModel model, SemanticModel? near, System.Threading.CancellationToken cancellationToken)
        {
            var self = method.OriginalDefinition;
            if (SymbolEqualityComparer.Default.Equals(target, self))
                return true;
            if (target.DeclaringSyntaxReferences.Length != 1 || target.MethodKind != MethodKind.Ordinary)
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
                if (model.AsAcquire(candidate, context.CancellationToken) is { } acquire && (acquire.ReturnsSuccess || candidate.TargetMethod.Name == "TryEnter"))
                {
                    context.ReportDiagnostic(Diagnostic.Create(Rule, candidate.Syntax.GetLocation(), SF1003LockNotReleasedOnAllPathsAnalyzer.CalleeText(candidate), "by SpinWait.SpinUntil"));
                    return;
                }
            }
        }

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
                else if (acquire == null && model.AsAcquire(call, token) is { } candidate && (candidate.ReturnsSuccess || candidate.Call.TargetMethod.Name == "TryEnter"))
                    acquire = call;
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
                    if (IsMonotonicClock(part, model))
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

        private static bool IsOrdering(BinaryOperatorKind kind) =>
            kind == BinaryOperatorKind.LessThan || kind == BinaryOperatorKind.LessThanOrEqual
            || kind == BinaryOperatorKind.GreaterThan || kind == BinaryOperatorKind.GreaterThanOrEqual;
    }
}
