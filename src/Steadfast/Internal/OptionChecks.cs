namespace Steadfast.Internal;

/// <summary>
/// The one pattern every options type follows: options are plain init-only properties, checked by the options'
/// internal <c>Validate()</c> where they are consumed (the constructor or call that takes them), and a bad value throws
/// an exception whose ParamName is the option's name and whose message reads "<c>TypeName.Option must …</c>".
/// </summary>
internal static class OptionChecks
{
    public static ArgumentOutOfRangeException OutOfRange(string type, string option, object? value, string rule) =>
        new(option, value, $"{type}.{option} {rule}.");

    public static ArgumentNullException Missing(string type, string option) =>
        new(option, $"{type}.{option} must not be null.");
}
