import Formats

/// A format that writes nothing: for pipeline runs whose product is what the modifiers observed
/// (layer-fallback scores), not a checkpoint.
public final class DiscardingFormat: QuantFormat {
    /// A format that keeps nothing.
    public init() {}
    public func prepareExport(context: ExportContext) throws {}
    public func processModuleTensors(prefix: String, module: ExportModule) throws {}
    public func finalizeExport(model: ExportModelSummary) throws {}
}
