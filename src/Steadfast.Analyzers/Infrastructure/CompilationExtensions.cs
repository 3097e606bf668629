using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers
{
    internal static class CompilationExtensions
    {
        /// <summary>
        /// Like <see cref="Compilation.GetTypeByMetadataName"/>, but when several references define the
        /// type (a polyfill beside the BCL, say) it prefers the one declared in this compilation, then the
        /// single one this compilation can see, instead of giving up with null.
        /// </summary>
        public static INamedTypeSymbol? GetBestTypeByMetadataName(this Compilation compilation, string fullyQualifiedMetadataName)
        {
            var direct = compilation.GetTypeByMetadataName(fullyQualifiedMetadataName);
            if (direct != null)
                return direct;

            INamedTypeSymbol? best = null;
            foreach (var candidate in compilation.GetTypesByMetadataName(fullyQualifiedMetadataName))
            {
                if (SymbolEqualityComparer.Default.Equals(candidate.ContainingAssembly, compilation.Assembly))
                    return candidate;
                if (!compilation.IsSymbolAccessibleWithin(candidate, compilation.Assembly))
                    continue;
                if (best != null)
                    return null; // two visible candidates: ambiguous, the user's compiler would say so too
                best = candidate;
            }

            return best;
        }
    }
}
