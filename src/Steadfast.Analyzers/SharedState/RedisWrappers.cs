using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// A method of this code that only forwards to one Redis string command: <c>GetAsync&lt;T&gt;(key)</c> around
    /// StringGet, <c>SetAsync&lt;T&gt;(key, value)</c> around an unconditional StringSet, <c>DeleteAsync()</c> around
    /// KeyDelete of the instance's own key. Calling it is calling the command.
    /// </summary>
    internal sealed class RedisWrapper
    {
        public RedisWrapper(string command, int keyParameter, string? receiverKey, int valueParameter)
        {
            Command = command;
            KeyParameter = keyParameter;
            ReceiverKey = receiverKey;
            ValueParameter = valueParameter;
        }

        /// <summary>StringGet, StringSet or KeyDelete.</summary>
        public string Command { get; }

        /// <summary>The caller's argument that is the key (ordinal among the caller's arguments), or -1 when the key is the receiver's.</summary>
        public int KeyParameter { get; }

        /// <summary>The receiver's member that holds the key (<c>Key</c>), when <see cref="KeyParameter"/> is -1.</summary>
        public string? ReceiverKey { get; }

        /// <summary>For StringSet: the caller's argument the stored value is made from.</summary>
        public int ValueParameter { get; }

        public bool Equivalent(RedisWrapper other) =>
            Command == other.Command && KeyParameter == other.KeyParameter && ReceiverKey == other.ReceiverKey && ValueParameter == other.ValueParameter;
    }

    /// <summary>
    /// Every <see cref="RedisWrapper"/> of a compilation, found once by reading method declarations. Wrappers are matched
    /// by name and parameter count, so an interface method finds its implementation; a name and count that any other method
    /// body also declares (forwarding something else, or nothing) is left out: the answer errs towards silence.
    /// </summary>
    internal sealed class RedisWrappers
    {
        private static readonly Dictionary<string, string> Commands = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["StringGet"] = "StringGet", ["StringGetAsync"] = "StringGet",
            ["StringSet"] = "StringSet", ["StringSetAsync"] = "StringSet",
            ["KeyDelete"] = "KeyDelete", ["KeyDeleteAsync"] = "KeyDelete",
        };

        private readonly Dictionary<string, RedisWrapper?> _byName;
        // The method names of the wrappers found, per command: a string test before any symbol is looked at.
        private readonly Dictionary<string, HashSet<string>> _namesByCommand = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);

        private RedisWrappers(Dictionary<string, RedisWrapper?> byName)
        {
            _byName = byName;
            foreach (var pair in byName)
            {
                if (pair.Value == null)
                    continue;
                if (!_namesByCommand.TryGetValue(pair.Value.Command, out var names))
                    _namesByCommand[pair.Value.Command] = names = new HashSet<string>(StringComparer.Ordinal);
                names.Add(pair.Key.Substring(0, pair.Key.LastIndexOf('/')));
            }
        }

        /// <summary>Some wrapper of <paramref name="command"/> has this method name (false means no call of that name wraps it).</summary>
        public bool MayWrap(string command, string methodName) =>
            _namesByCommand.TryGetValue(command, out var names) && names.Contains(methodName);

        public RedisWrapper? Find(IMethodSymbol method)
        {
            method = method.OriginalDefinition;
            if (method.DeclaringSyntaxReferences.Length == 0 || _byName.Count == 0)
                return null;
            var arity = method.Parameters.Length - (method.IsExtensionMethod ? 1 : 0);
            return _byName.TryGetValue(method.Name + "/" + arity, out var wrapper) ? wrapper : null;
        }

        public static RedisWrappers Scan(Compilation compilation, CancellationToken cancellationToken)
        {
            var byName = new Dictionary<string, RedisWrapper?>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var root = tree.GetRoot(cancellationToken);
                foreach (var method in root.DescendantNodes(n => !(n is MemberDeclarationSyntax) || n is BaseTypeDeclarationSyntax || n is BaseNamespaceDeclarationSyntax).OfType<MethodDeclarationSyntax>())
                {
                    SyntaxNode? body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
                    if (body == null)
                        continue; // an interface or abstract declaration: its implementations decide
                    var parameters = method.ParameterList.Parameters;
                    var isExtension = parameters.Count > 0 && parameters[0].Modifiers.Any(SyntaxKind.ThisKeyword);
                    var name = method.Identifier.ValueText + "/" + (parameters.Count - (isExtension ? 1 : 0));
                    var wrapper = Read(method, body, isExtension);
                    if (!byName.TryGetValue(name, out var known))
                        byName[name] = wrapper;
                    else if (known == null || wrapper == null || !known.Equivalent(wrapper))
                        byName[name] = null;
                }
            }

            return new RedisWrappers(byName);
        }

        private static RedisWrapper? Read(MethodDeclarationSyntax method, SyntaxNode body, bool isExtension)
        {
            var calls = body.DescendantNodes().OfType<InvocationExpressionSyntax>()
                .Where(c => c.Expression is MemberAccessExpressionSyntax access && Commands.ContainsKey(access.Name.Identifier.ValueText)).ToList();
            if (calls.Count != 1)
                return null;
            var call = calls[0];
            var command = Commands[((MemberAccessExpressionSyntax)call.Expression).Name.Identifier.ValueText];
            var arguments = call.ArgumentList.Arguments;
            if (arguments.Count == 0 || arguments.Any(a => a.NameColon != null && a.NameColon.Name.Identifier.ValueText != "key" && a.NameColon.Name.Identifier.ValueText != "value" && a.NameColon.Name.Identifier.ValueText != "flags" && a.NameColon.Name.Identifier.ValueText != "expiry"))
                return null;
            // A write whose When the caller or the wrapper chooses is not unconditional.
            if (command == "StringSet" && arguments.Skip(2).Any(a => a.Expression.ToString().IndexOf("When", StringComparison.Ordinal) >= 0 && a.Expression.ToString() != "When.Always"
                                                                  || a.Expression is IdentifierNameSyntax { Identifier: { ValueText: "when" } }))
                return null;

            var parameters = method.ParameterList.Parameters;
            int Ordinal(string identifier)
            {
                for (var i = isExtension ? 1 : 0; i < parameters.Count; i++)
                {
                    if (parameters[i].Identifier.ValueText == identifier)
                        return i - (isExtension ? 1 : 0);
                }

                return -1;
            }

            var keyArgument = (arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "key") ?? arguments[0]).Expression;
            var keyParameter = -1;
            string? receiverKey = null;
            switch (keyArgument)
            {
                case IdentifierNameSyntax identifier when Ordinal(identifier.Identifier.ValueText) >= 0:
                    keyParameter = Ordinal(identifier.Identifier.ValueText);
                    break;
                case IdentifierNameSyntax member when !isExtension && LocalOrParameter(method, member.Identifier.ValueText) == false:
                    receiverKey = member.Identifier.ValueText; // Key: the instance's own key
                    break;
                case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax _ } own when !isExtension:
                    receiverKey = own.Name.Identifier.ValueText; // this.Key
                    break;
                case MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target } extended
                    when isExtension && target.Identifier.ValueText == parameters[0].Identifier.ValueText:
                    receiverKey = extended.Name.Identifier.ValueText; // redis.Key of `this T redis`
                    break;
                default:
                    return null;
            }

            var valueParameter = -1;
            if (command == "StringSet")
            {
                if (arguments.Count < 2)
                    return null;
                var valueArgument = (arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == "value") ?? arguments[1]).Expression;
                valueParameter = ValueParameter(method, valueArgument, Ordinal, keyParameter);
                if (valueParameter < 0)
                    return null; // a value the wrapper makes itself
            }

            return new RedisWrapper(command, keyParameter, receiverKey, valueParameter);
        }

        /// <summary>The parameter the stored value is made from: named in the argument, or in the initializer of a local it names.</summary>
        private static int ValueParameter(MethodDeclarationSyntax method, ExpressionSyntax value, Func<string, int> ordinal, int keyParameter)
        {
            foreach (var identifier in value.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                var found = ordinal(identifier.Identifier.ValueText);
                if (found >= 0 && found != keyParameter)
                    return found;
                var local = method.DescendantNodes().OfType<VariableDeclaratorSyntax>().FirstOrDefault(d => d.Identifier.ValueText == identifier.Identifier.ValueText);
                if (local?.Initializer == null)
                    continue;
                foreach (var inner in local.Initializer.Value.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
                {
                    found = ordinal(inner.Identifier.ValueText);
                    if (found >= 0 && found != keyParameter)
                        return found;
                }
            }

            return -1;
        }

        /// <summary>Whether the name is a local or parameter of the method (true), or neither, so a member (false).</summary>
        private static bool LocalOrParameter(MethodDeclarationSyntax method, string name) =>
            method.ParameterList.Parameters.Any(p => p.Identifier.ValueText == name)
            || method.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(d => d.Identifier.ValueText == name)
            || method.DescendantNodes().OfType<SingleVariableDesignationSyntax>().Any(d => d.Identifier.ValueText == name);

        /// <summary>The key a wrapper call works on: the caller's key argument, or the receiver whose key member it uses.</summary>
        public static IOperation? KeyOf(IInvocationOperation call, RedisWrapper wrapper)
        {
            if (wrapper.KeyParameter >= 0)
                return ArgumentFor(call, wrapper.KeyParameter);
            if (call.TargetMethod.IsExtensionMethod)
                return call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
            return call.Instance;
        }

        /// <summary>The caller's argument for the wrapper's parameter at <paramref name="ordinal"/> (not counting an extension's receiver).</summary>
        public static IOperation? ArgumentFor(IInvocationOperation call, int ordinal)
        {
            var offset = call.TargetMethod.IsExtensionMethod ? 1 : 0;
            return call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == ordinal + offset)?.Value;
        }
    }
}
