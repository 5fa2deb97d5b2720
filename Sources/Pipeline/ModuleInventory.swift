import Models

/// Every module of a model with the class names transformers gives it, as compressed-tensors
/// matches targets (`Linear`, `Embedding`, `LlamaDecoderLayer`, `LlamaRMSNorm`, …). Used to check
/// that each target and ignore entry of a recipe selects something, and to suggest names when not.
public struct ModuleInventory: Sendable {
    /// One module: its path and class names.
    public struct Module: Sendable {
        public let path: String
        public let classNames: [String]
        public var isLinear: Bool { classNames.contains("Linear") }
    }

    /// Modules in transformers' `named_modules()` order.
    public let modules: [Module]

    /// The modules of `config`'s architecture, from its declaration.
    public init(config: ModelConfiguration) {
        let architecture = config.architecture.declaration
        let prefix = architecture.classPrefix
        let layout = config.layout
        var modules: [Module] = [Module(path: "model", classNames: [prefix + "Model"]),
                                 Module(path: architecture.embedTokensPath, classNames: ["Embedding"])]
        for layer in 0..<config.numLayers {
            let base = architecture.layerPrefix(layer)
            for module in layout.modules {
                let path = module.name.isEmpty ? String(base.dropLast()) : base + module.name
                modules.append(Module(path: path, classNames: module.classNames))
            }
        }
        modules.append(Module(path: architecture.finalNormPath, classNames: [prefix + "RMSNorm"]))
        modules.append(Module(path: architecture.rotaryEmbeddingPath, classNames: [prefix + "RotaryEmbedding"]))
        modules.append(Module(path: architecture.lmHeadPath, classNames: ["Linear"]))
        self.modules = modules
        layerZeroPrefix = architecture.layerPrefix(0)
        layersPrefix = architecture.layersPath + "."
    }

    private let layerZeroPrefix: String
    private let layersPrefix: String

    /// The modules a pattern selects.
    public func matches(_ pattern: ModulePatternLike) -> [Module] {
        modules.filter { pattern.matches(path: $0.path, classNames: $0.classNames) }
    }

    /// Up to `count` module paths or class names closest to `text` (edit distance to the whole
    /// name or to its last component; a regex is compared without its operators), layer 0
    /// standing for every layer.
    public func nearest(to text: String, count: Int = 3) -> [String] {
        var query = text.hasPrefix("re:") ? String(text.dropFirst(3)) : text
        if text.hasPrefix("re:") { query.removeAll { "*+?^$\\()[]{}|".contains($0) } }
        let cleaned = Array(query.utf8)
        var candidates: [String] = []
        var seen = Set<String>()
        for module in modules where !module.path.hasPrefix(layersPrefix) || module.path.hasPrefix(layerZeroPrefix) {
            for name in [module.path] + module.classNames where seen.insert(name).inserted { candidates.append(name) }
        }
        let scored = candidates.map { name -> (String, Int) in
            let last = name.split(separator: ".").last.map(String.init) ?? name
            return (name, min(Self.editDistance(cleaned, Array(name.utf8)), Self.editDistance(cleaned, Array(last.utf8))))
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(count).map(\.0)
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// Anything that selects modules by path and class names (a `ModulePattern`).
public protocol ModulePatternLike {
    func matches(path: String, classNames: [String]) -> Bool
}
