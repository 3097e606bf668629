using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Steadfast.Analyzers
{
    /// <summary>Syntax the fixers write again and again.</summary>
    internal static class FixSyntax
    {
        /// <summary>
        /// A type written fully qualified and annotated, so the clean-up after the fix shortens it and adds the using it
        /// needs.
        /// </summary>
        public static TypeSyntax ImportedType(string fullTypeName) =>
            ParseTypeName(fullTypeName).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);

        /// <summary><see cref="ImportedType(string)"/> for a type symbol.</summary>
        public static TypeSyntax ImportedType(ITypeSymbol type) =>
            ImportedType(type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat));

        /// <summary><c>Type.Member</c> with the type as <see cref="ImportedType(string)"/>.</summary>
        public static MemberAccessExpressionSyntax StaticMember(string fullTypeName, string member) =>
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, ImportedType(fullTypeName), IdentifierName(member));

        /// <summary><c>Type.Method(args)</c> with the type as <see cref="ImportedType(string)"/>.</summary>
        public static InvocationExpressionSyntax StaticCall(string fullTypeName, string method, params ExpressionSyntax[] arguments) =>
            InvocationExpression(StaticMember(fullTypeName, method), ArgumentList(SeparatedList(arguments.Select(Argument))));

        /// <summary>After a rewrite: adds the usings that annotated names need, shortens them, and formats what was annotated.</summary>
        public static async Task<Document> CleanUpAsync(Document document, CancellationToken cancellationToken)
        {
            var withImports = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, null, cancellationToken).ConfigureAwait(false);
            // A new using can make a name the file already uses ambiguous (System.Threading beside System.Timers: Timer;
            // System.Threading.Tasks beside a project type named Task): then no using, and the new names stay qualified.
            if (await AmbiguousNamesAsync(withImports, cancellationToken).ConfigureAwait(false) <= await AmbiguousNamesAsync(document, cancellationToken).ConfigureAwait(false))
                document = withImports;
            document = await Simplifier.ReduceAsync(document, Simplifier.Annotation, null, cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(document, Formatter.Annotation, null, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<int> AmbiguousNamesAsync(Document document, CancellationToken cancellationToken)
        {
            var semanticModel = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            return semanticModel == null ? 0 : semanticModel.GetDiagnostics(null, cancellationToken).Count(d => d.Id == "CS0104");
        }

        /// <summary><paramref name="baseName"/>, or baseName2, baseName3 … — the first name nothing in scope at the position uses.</summary>
        public static string FreeName(SemanticModel semanticModel, int position, string baseName)
        {
            var name = baseName;
            for (var i = 2; semanticModel.LookupSymbols(position, name: name).Any(); i++)
                name = baseName + i;
            return name;
        }
    }
}
