namespace OrderWorker.Hosted;

/// <summary>An order event: what the UnsafeOrderWorker pushed onto a plain Redis list.</summary>
public sealed record Order(string Id, decimal Amount);
