import Foundation
import Quantization

/// Several formats fed from one calibration run (a recipe's `save:` list): every module goes to
/// each format in order. `.shared` writes them all into the output folder, as msModelSlim 26.1.0
/// does (where two write the same file, e.g. config.json, the later one wins); `.separate` gives
/// each its own subfolder named after its type.
public final class FormatFanOut: QuantFormat {
    /// Where the formats write.
    public enum Layout: String, Sendable, CaseIterable {
        /// Everything into the output folder.
        case shared
        /// `<output>/<type>/` per format.
        case separate
    }

    public let formats: [(config: FormatConfig, format: QuantFormat)]
    public let layout: Layout

    /// Fans out to `formats`, whose types must differ (the same type twice would write the same
    /// files twice).
    public init(_ formats: [(config: FormatConfig, format: QuantFormat)], layout: Layout) throws {
        var seen: Set<String> = []
        for (config, _) in formats where !seen.insert(config.type).inserted {
            throw QuantizationError("save type '\(config.type)' is listed twice: each save target needs its own type")
        }
        self.formats = formats
        self.layout = layout
    }

    /// Builds each format of `configs` from `registry`.
    public convenience init(configs: [FormatConfig], layout: Layout, registry: FormatRegistry = .shared) throws {
        try self.init(configs.map { ($0, try registry.make($0)) }, layout: layout)
    }

    /// Every format must hold added biases.
    public var storesAddedBiases: Bool { formats.allSatisfy { $0.format.storesAddedBiases } }

    public func prepareExport(context: ExportContext) throws {
        for (config, format) in formats {
            var own = context
            if layout == .separate {
                let directory = context.saveDirectory.appendingPathComponent(config.type, isDirectory: true)
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
                own = ExportContext(saveDirectory: directory, sourceModelPath: context.sourceModelPath, rank: context.rank,
                                    worldSize: context.worldSize, layerPathPrefix: context.layerPathPrefix)
            }
            try format.prepareExport(context: own)
        }
    }

    public func processModuleTensors(prefix: String, module: ExportModule) throws {
        for (_, format) in formats { try format.processModuleTensors(prefix: prefix, module: module) }
    }

    public func finalizeExport(model: ExportModelSummary) throws {
        for (_, format) in formats { try format.finalizeExport(model: model) }
    }
}
