import Foundation
import Quantization
import Safetensors

/// Where and for what an export runs (msModelSlim's ExportContext).
public struct ExportContext: Sendable {
    /// The directory the format writes into (a temporary directory the caller renames into place).
    public let saveDirectory: URL
    /// The source checkpoint, for side files and config.json.
    public let sourceModelPath: URL?
    public let rank: Int
    public let worldSize: Int
    /// The module-path prefix of the decoder layers (`model.layers.`), set by the pipeline: formats
    /// that write the layers before the modules outside them (AscendV1) read it.
    public var layerPathPrefix: String?

    public init(saveDirectory: URL, sourceModelPath: URL?, rank: Int = 0, worldSize: Int = 1, layerPathPrefix: String? = nil) {
        self.saveDirectory = saveDirectory
        self.sourceModelPath = sourceModelPath
        self.rank = rank
        self.worldSize = worldSize
        self.layerPathPrefix = layerPathPrefix
    }
}

/// One module of the model as the exporter sees it.
public enum ExportModule: Sendable {
    /// A module kept in full precision: its tensors as they are to be written (source dtype).
    case float(path: String, tensors: [WritableTensor])
    /// A quantized Linear.
    case quantizedLinear(QuantizedLinear)
    /// An attention module's quantized KV cache (its key/value scales).
    case kvCache(QuantizedKVCache)

    /// The module path.
    public var path: String {
        switch self {
        case .float(let path, _): return path
        case .quantizedLinear(let linear): return linear.path
        case .kvCache(let cache): return cache.attentionPath
        }
    }

    /// The handler-map key of this module's kind.
    public var kind: String {
        switch self {
        case .float: return "float"
        case .quantizedLinear: return "QuantizedLinear"
        case .kvCache: return "KVCache"
        }
    }
}

/// What finalize needs about the whole model.
public struct ExportModelSummary: Sendable {
    /// Paths of every Linear of the model in module order (quantized or not).
    public let linearPaths: [String]
    /// The source config.json bytes.
    public let sourceConfig: Data
    /// The model's dtype.
    public let dtype: ComputeDType
    /// Extra files to copy next to the weights (tokenizer, generation config, …).
    public let sideFiles: [URL]
    /// The recipe text to save beside the checkpoint, if any.
    public let recipe: String?
    /// The token embedding's module path (`model.embed_tokens`).
    public let embedTokensPath: String?
    /// The output head's module path (`lm_head`); it has no tensor of its own when tied.
    public let lmHeadPath: String?

    public init(linearPaths: [String], sourceConfig: Data, dtype: ComputeDType, sideFiles: [URL], recipe: String?,
                embedTokensPath: String? = nil, lmHeadPath: String? = nil) {
        self.linearPaths = linearPaths
        self.sourceConfig = sourceConfig
        self.dtype = dtype
        self.sideFiles = sideFiles
        self.recipe = recipe
        self.embedTokensPath = embedTokensPath
        self.lmHeadPath = lmHeadPath
    }
}

/// A checkpoint format: prepare → process each module → finalize (msModelSlim's IFormat).
public protocol QuantFormat: AnyObject {
    /// Opens writers and resets state.
    func prepareExport(context: ExportContext) throws
    /// Exports one module's tensors (no whole-model metadata).
    func processModuleTensors(prefix: String, module: ExportModule) throws
    /// Closes writers and writes whole-model metadata derived from what was exported.
    func finalizeExport(model: ExportModelSummary) throws
    /// Whether the format can hold biases the source architecture does not declare: a norm bias
    /// or a bias on a Linear whose config says it has none (written by smoothing shifts).
    var storesAddedBiases: Bool { get }
}

extension QuantFormat {
    /// compressed-tensors checkpoints are loaded by transformers' own modules, whose Llama-family
    /// RMSNorms have no bias: by default a format cannot hold added biases.
    public var storesAddedBiases: Bool { false }
}

/// Base class: a handler map keyed by module kind, with a float fallback, and each module exported once.
open class QuantFormatBase: QuantFormat {
    public typealias Handler = (String, ExportModule) throws -> Void
    private(set) var processed: Set<String> = []
    public private(set) var context: ExportContext?
    /// Handlers by module kind (`ExportModule.kind`).
    public var handlers: [String: Handler] = [:]

    public init() {}

    /// Subclasses that write added biases (norm biases) say so.
    open var storesAddedBiases: Bool { false }

    open func prepareExport(context: ExportContext) throws {
        self.context = context
        processed = []
        handlers = buildModuleHandlerMap()
    }

    /// Subclasses return their handlers; kinds without one go to `onFloatModule`.
    open func buildModuleHandlerMap() -> [String: Handler] { [:] }

    open func onFloatModule(prefix: String, module: ExportModule) throws {}

    public func processModuleTensors(prefix: String, module: ExportModule) throws {
        guard !processed.contains(prefix) else { return }
        processed.insert(prefix)
        if let handler = handlers[module.kind] {
            try handler(prefix, module)
        } else {
            try onFloatModule(prefix: prefix, module: module)
        }
    }

    open func finalizeExport(model: ExportModelSummary) throws {}
}

/// Save settings parsed from a recipe's `save:` list or the CLI.
public struct FormatConfig: Sendable, Equatable {
    /// The registered format name, e.g. `compressed_tensors`.
    public let type: String
    /// Shard size limit in GiB (0 = one file).
    public let partFileSize: Int?
    public init(type: String, partFileSize: Int? = nil) {
        self.type = type
        self.partFileSize = partFileSize
    }
}

/// Formats registered by `type` name; more can be registered at run time.
public final class FormatRegistry: @unchecked Sendable {
    public typealias Factory = @Sendable (FormatConfig) throws -> QuantFormat
    private var factories: [String: Factory] = [:]
    private let lock = NSLock()

    /// The process-wide registry, with the built-in formats.
    public static let shared: FormatRegistry = {
        let registry = FormatRegistry()
        registry.register("compressed_tensors") { CompressedTensorsFormat(config: $0) }
        registry.register("compressed-tensors") { CompressedTensorsFormat(config: $0) }
        registry.register("ascendv1_saver") { AscendV1Format(config: $0) }
        return registry
    }()

    public init() {}

    /// Registers (or replaces) a format.
    public func register(_ type: String, factory: @escaping Factory) {
        lock.lock(); defer { lock.unlock() }
        factories[type] = factory
    }

    /// Registered names, sorted.
    public var names: [String] {
        lock.lock(); defer { lock.unlock() }
        return factories.keys.sorted()
    }

    /// Builds the format for `config`; an unknown type lists the known ones.
    public func make(_ config: FormatConfig) throws -> QuantFormat {
        lock.lock()
        let factory = factories[config.type]
        lock.unlock()
        guard let factory else {
            throw QuantizationError("unknown save type '\(config.type)' (formats: \(names.joined(separator: ", ")))")
        }
        return try factory(config)
    }
}
