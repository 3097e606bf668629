using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Steadfast.Analyzers
{
    /// <summary>
    /// What the compilation a fix runs in allows: a fix writes only types and members that exist there and syntax its
    /// C# version accepts (a net6.0 project has no <c>System.Threading.Lock</c>, netstandard2.0 no
    /// <c>Stopwatch.GetElapsedTime</c>, StackExchange.Redis before 2.6.45 no <c>ListMove</c>, C# 7.3 no <c>new()</c>).
    /// </summary>
    internal static class FixCompilation
    {
        /// <summary>The C# version of the document's tree (its project's LangVersion, resolved).</summary>
        public static LanguageVersion LanguageVersionOf(SyntaxTree tree) =>
            tree.Options is CSharpParseOptions options ? options.LanguageVersion : LanguageVersion.Latest;

        /// <summary>Whether the tree's C# version is at least <paramref name="needed"/>.</summary>
        public static bool Allows(SyntaxTree tree, LanguageVersion needed) => LanguageVersionOf(tree) >= needed;

        /// <summary>Whether the type exists and declares (or inherits from an interface or base) a member of that name.</summary>
        public static bool HasMember(Compilation compilation, string typeMetadataName, string member)
        {
            var type = compilation.GetTypeByMetadataName(typeMetadataName);
            if (type == null)
                return false;
            for (var current = type; current != null; current = current.BaseType)
            {
                if (current.GetMembers(member).Any())
                    return true;
            }

            return type.AllInterfaces.Any(i => i.GetMembers(member).Any());
        }
    }
}
