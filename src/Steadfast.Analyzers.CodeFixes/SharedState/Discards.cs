using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers.SharedState
{
    /// <summary>
    /// Discards the fixes write. <c>SyntaxFactory.IdentifierName("_")</c> is an ordinary identifier token:
    /// the text reads <c>_</c>, but the compiler binds the produced tree as a name lookup (CS0103) because
    /// only the parser gives <c>_</c> the contextual kind <see cref="SyntaxKind.UnderscoreToken"/>. And where
    /// a local, parameter or member called <c>_</c> is in scope, <c>_</c> is that symbol, not a discard.
    /// </summary>
    internal static class Discards
    {
        /// <summary>A <c>_</c> the compiler binds as a discard (in <c>_ = e</c> and <c>out _</c>) when nothing named <c>_</c> is in scope.</summary>
        public static IdentifierNameSyntax Underscore() =>
            IdentifierName(Identifier(TriviaList(), SyntaxKind.UnderscoreToken, "_", "_", TriviaList()));

        /// <summary>Whether <c>_</c> at <paramref name="position"/> names a symbol (a lambda parameter <c>_</c>, a local, a member) rather than a discard.</summary>
        public static bool UnderscoreIsASymbol(SemanticModel semanticModel, int position) =>
            semanticModel.LookupSymbols(position, name: "_").Any();

        /// <summary><c>out _</c>, or <c>out var _</c> where <c>_</c> names a symbol (still a discard there).</summary>
        public static ArgumentSyntax OutDiscard(bool underscoreIsASymbol) =>
            (underscoreIsASymbol
                ? Argument(DeclarationExpression(IdentifierName("var"), DiscardDesignation()))
                : Argument(Underscore()))
            .WithRefKindKeyword(Token(SyntaxKind.OutKeyword));
    }
}
