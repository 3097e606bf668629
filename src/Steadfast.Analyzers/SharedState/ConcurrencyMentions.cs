using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// SF3001's cheap first question about a type, asked before any operation tree is built: does its source
    /// mention, by name, anything that can start concurrent work? An over-approximation of what
    /// <see cref="SharedStateModel.GetStarter"/> and <see cref="SharedStateModel.GetPeriodicTimerLoop"/> recognise
    /// by symbol — the invoked method's name (Run, StartNew, Parallel's For/ForEach/ForEachAsync/Invoke,
    /// *QueueUserWorkItem, WaitForNextTickAsync, the minimal-API Map* methods), the created type's name (Thread,
    /// Timer), System.Timers.Timer's Elapsed — so a type it rules out has no concurrent context and SF3001 has
    /// nothing to report on it unless it serves concurrent requests. Target-typed <c>new(…)</c> with arguments
    /// counts as a mention, and a file with a using alias (which can rename Thread or Timer) or a <c>\u</c> escape
    /// (which can spell an identifier) mentions everything.
    /// The words are found in the source text (comments and strings included: more mentions, never fewer), one
    /// scan per syntax tree, cached per compilation; walking the syntax nodes instead cost more than it saved.
    /// </summary>
    internal sealed class ConcurrencyMentions
    {
        private static readonly ImmutableHashSet<string> Names = ImmutableHashSet.Create(StringComparer.Ordinal,
            "Run", "StartNew", "Invoke", "For", "ForEach", "ForEachAsync", "WaitForNextTickAsync", "Thread", "Timer", "Elapsed")
            .Union(SharedStateModel.MinimalApiMethods);

        private const string QueueUserWorkItem = "QueueUserWorkItem";

        private static readonly ILookup<int, string> NamesByLength = Names.ToLookup(n => n.Length);

        private readonly ConcurrentDictionary<SyntaxTree, int[]?> _positionsByTree = new ConcurrentDictionary<SyntaxTree, int[]?>();
        private readonly Compilation _compilation;
        // 0: not looked yet; 1: no global using alias in the compilation; 2: one. Looked up with the first caller's token.
        private int _globalAliases;

        public ConcurrencyMentions(Compilation compilation)
        {
            _compilation = compilation;
        }

        private bool HasGlobalAliases(CancellationToken cancellationToken)
        {
            var known = Volatile.Read(ref _globalAliases);
            if (known != 0)
                return known == 2;
            var any = _compilation.SyntaxTrees.Any(t => t.GetRoot(cancellationToken) is CompilationUnitSyntax unit
                && unit.Usings.Any(u => u.Alias != null && u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword)));
            Volatile.Write(ref _globalAliases, any ? 2 : 1);
            return any;
        }

        /// <summary>False only when no declaration of <paramref name="type"/> mentions a way to start concurrent work.</summary>
        public bool MayStartConcurrentWork(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var references = type.DeclaringSyntaxReferences;
            if (references.IsEmpty || HasGlobalAliases(cancellationToken))
                return true;
            foreach (var reference in references)
            {
                var positions = _positionsByTree.GetOrAdd(reference.SyntaxTree, tree => Scan(tree, cancellationToken));
                if (positions == null || SourceWords.AnyWithin(positions, reference.Span))
                    return true;
            }

            return false;
        }

        /// <summary>The positions of the mentions in order; null when the text has a using alias.</summary>
        private static int[]? Scan(SyntaxTree tree, CancellationToken cancellationToken)
        {
            var text = tree.GetText(cancellationToken).ToString();
            // An identifier can be spelled with \u escapes; a file that has any mentions everything.
            if (text.IndexOf("\\u", StringComparison.Ordinal) >= 0 || text.IndexOf("\\U", StringComparison.Ordinal) >= 0)
                return null;
            var positions = new List<int>();
            var hasAlias = false;
            SourceWords.ForEachWord(text, (start, length) =>
            {
                if (IsMention(text, start, length))
                {
                    positions.Add(start);
                }
                else if (SourceWords.Is(text, start, length, "new"))
                {
                    // new(arguments): the created type is named elsewhere.
                    var next = SourceWords.SkipSpace(text, start + length);
                    if (next < text.Length && text[next] == '(')
                    {
                        var argument = SourceWords.SkipSpace(text, next + 1);
                        if (argument < text.Length && text[argument] != ')' && !CreatesTheDeclaredType(tree, start, cancellationToken))
                            positions.Add(start);
                    }
                }
                else if (SourceWords.Is(text, start, length, "using"))
                {
                    // using Name = …;
                    var name = SourceWords.SkipSpace(text, start + length);
                    var end = SourceWords.WordEnd(text, name);
                    var equals = SourceWords.SkipSpace(text, end);
                    if (end > name && equals + 1 < text.Length && text[equals] == '=' && text[equals + 1] != '=')
                        hasAlias = true;
                }

                return !hasAlias;
            });
            return hasAlias ? null : positions.ToArray();
        }

        /// <summary>
        /// <c>Dictionary&lt;K, V&gt; d = new(comparer);</c>, a field or property initialised the same way: the
        /// created type is the declared one, named right there, and it is not a Thread or a Timer. Looks at the
        /// one token, not the whole tree.
        /// </summary>
        private static bool CreatesTheDeclaredType(SyntaxTree tree, int position, CancellationToken cancellationToken)
        {
            var token = tree.GetRoot(cancellationToken).FindToken(position);
            if (!token.IsKind(SyntaxKind.NewKeyword) || !(token.Parent is ImplicitObjectCreationExpressionSyntax creation)
                || !(creation.Parent is EqualsValueClauseSyntax initializer))
            {
                return false;
            }

            var declared = initializer.Parent switch
            {
                VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } => declaration.Type,
                PropertyDeclarationSyntax property => property.Type,
                _ => null,
            };
            while (declared is NullableTypeSyntax nullable)
                declared = nullable.ElementType;
            var name = declared switch
            {
                QualifiedNameSyntax qualified => qualified.Right,
                AliasQualifiedNameSyntax aliased => aliased.Name,
                SimpleNameSyntax simple => simple,
                _ => null,
            };
            return name != null && !name.IsVar && !IsMention(name.Identifier.ValueText);
        }

        private static bool IsMention(string name) => IsMention(name, 0, name.Length);

        private static bool IsMention(string text, int start, int length)
        {
            foreach (var name in NamesByLength[length])
            {
                if (string.CompareOrdinal(text, start, name, 0, length) == 0)
                    return true;
            }

            return length >= QueueUserWorkItem.Length
                && string.CompareOrdinal(text, start + length - QueueUserWorkItem.Length, QueueUserWorkItem, 0, QueueUserWorkItem.Length) == 0;
        }
    }

    /// <summary>Whole words (runs of identifier characters) in source text, without building syntax nodes.</summary>
    internal static class SourceWords
    {
        /// <summary>Calls <paramref name="word"/> with each word's start and length, in order, until it returns false.</summary>
        public static void ForEachWord(string text, Func<int, int, bool> word)
        {
            var i = 0;
            while (i < text.Length)
            {
                if (!IsWordCharacter(text[i]))
                {
                    i++;
                    continue;
                }

                var end = WordEnd(text, i);
                if (!word(i, end - i))
                    return;
                i = end;
            }
        }

        public static int WordEnd(string text, int start)
        {
            var end = start;
            while (end < text.Length && IsWordCharacter(text[end]))
                end++;
            return end;
        }

        public static int SkipSpace(string text, int position)
        {
            while (position < text.Length && char.IsWhiteSpace(text[position]))
                position++;
            return position;
        }

        public static bool Is(string text, int start, int length, string word) =>
            length == word.Length && string.CompareOrdinal(text, start, word, 0, length) == 0;

        /// <summary>Whether any of the sorted <paramref name="positions"/> lies in <paramref name="span"/>.</summary>
        public static bool AnyWithin(int[] positions, TextSpan span)
        {
            var index = Array.BinarySearch(positions, span.Start);
            if (index < 0)
                index = ~index;
            return index < positions.Length && positions[index] < span.End;
        }

        private static bool IsWordCharacter(char c) => c == '_' || char.IsLetterOrDigit(c);
    }
}
