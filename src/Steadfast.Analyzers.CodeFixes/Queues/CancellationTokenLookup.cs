using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Steadfast.Analyzers.Queues
{
    internal static class CancellationTokenLookup
    {
        /// <summary>
        /// The CancellationToken parameter in scope at the position — the innermost function's first, then
        /// the functions around it — or null when the code has none (adding one is a signature change a fix must not make).
        /// </summary>
        public static string? Find(SemanticModel semanticModel, int position, CancellationToken cancellationToken)
        {
            var cancellationTokenType = semanticModel.Compilation.GetBestTypeByMetadataName("System.Threading.CancellationToken");
            for (var symbol = semanticModel.GetEnclosingSymbol(position, cancellationToken); symbol != null; symbol = symbol.ContainingSymbol)
            {
                if (symbol is IMethodSymbol method)
                {
                    var parameter = method.Parameters.FirstOrDefault(p => SymbolEqualityComparer.Default.Equals(p.Type, cancellationTokenType));
                    if (parameter != null)
                        return parameter.Name;
                }
                else if (symbol is ITypeSymbol)
                {
                    break;
                }
            }

            return null;
        }
    }
}
