import Foundation
import Safetensors
import Tensors

extension CausalLM {
    /// Supplies a Linear's fp32 weight (out × in) from something other than `<path>.weight`
    /// (e.g. dequantized compressed tensors); nil means "read `<path>.weight` as usual".
    public typealias LinearWeightOverride = @Sendable (_ path: String, _ out: Int, _ in: Int) throws -> Matrix?

    /// Loads every weight of `directory` into fp32 (whatever the stored dtype).
    public static func load(_ directory: ModelDirectory, linearOverride: LinearWeightOverride? = nil) throws -> CausalLM {
        let loader = WeightLoader(weights: directory.weights, config: directory.config, linearOverride: linearOverride)
        let config = directory.config
        let paths = config.architecture.declaration
        let embed = try loader.matrix(paths.embedTokensPath + ".weight", rows: config.vocabSize, cols: config.hiddenSize)
        var layers: [DecoderLayer] = []
        layers.reserveCapacity(config.numLayers)
        for index in 0..<config.numLayers {
            layers.append(try loader.layer(index))
        }
        let norm = RMSNorm(path: paths.finalNormPath, weight: try loader.vector(paths.finalNormPath + ".weight", count: config.hiddenSize),
                           eps: config.rmsNormEps)
        // A tied head reuses the embedding table, as transformers does even if lm_head.weight is stored.
        let head: Linear? = config.tieWordEmbeddings
            ? nil : try loader.linear(paths.lmHeadPath, out: config.vocabSize, in: config.hiddenSize, bias: false)
        return CausalLM(config: config, embedTokens: embed, layers: layers, norm: norm, lmHead: head)
    }

    /// Loads one decoder layer only (for layer-by-layer work that keeps memory flat).
    public static func loadLayer(_ index: Int, from directory: ModelDirectory) throws -> DecoderLayer {
        try WeightLoader(weights: directory.weights, config: directory.config, linearOverride: nil).layer(index)
    }
}

/// Reads named tensors into fp32 with shape checks that name the tensor.
struct WeightLoader {
    let weights: SafetensorsCheckpoint
    let config: ModelConfiguration
    let linearOverride: CausalLM.LinearWeightOverride?

    func matrix(_ name: String, rows: Int, cols: Int) throws -> Matrix {
        Matrix(rows: rows, cols: cols, data: try values(name, shape: [rows, cols]))
    }

    func vector(_ name: String, count: Int) throws -> [Float] {
        try values(name, shape: [count])
    }

    private func values(_ name: String, shape: [Int]) throws -> [Float] {
        let info: TensorInfo
        do {
            info = try weights.info(name)
        } catch {
            throw ModelError("missing tensor \(name) in the checkpoint")
        }
        guard info.shape == shape else {
            throw ModelError("tensor \(name) has shape \(info.shape), expected \(shape) from config.json")
        }
        guard info.dtype.isFloatingPoint else {
            throw ModelError("tensor \(name) has dtype \(info.dtype.rawValue); a float dtype is expected (is this an already-quantized checkpoint?)")
        }
        do {
            return try weights.floats(name)
        } catch let error as CustomStringConvertible {
            throw ModelError(error.description)
        }
    }

    private func optionalVector(_ name: String, count: Int, present: Bool) throws -> [Float]? {
        present ? try vector(name, count: count) : nil
    }

    func linear(_ path: String, out: Int, in inFeatures: Int, bias: Bool) throws -> Linear {
        if let override = try linearOverride?(path, out, inFeatures) {
            return Linear(path: path, weight: override,
                          bias: try optionalVector(path + ".bias", count: out, present: bias))
        }
        return Linear(path: path,
               weight: try matrix(path + ".weight", rows: out, cols: inFeatures),
               bias: try optionalVector(path + ".bias", count: out, present: bias))
    }

    /// Decoder layer `index`, every tensor named by the architecture's declaration.
    func layer(_ index: Int) throws -> DecoderLayer {
        let c = config
        let architecture = c.architecture.declaration
        let layout = c.layout
        let prefix = architecture.layerPrefix(index)
        var linears: [LinearRole: Linear] = [:]
        for declared in layout.linears {
            linears[declared.role] = try linear(prefix + declared.name, out: declared.outFeatures,
                                                in: declared.inFeatures, bias: declared.bias)
        }
        var norms: [NormRole: RMSNorm] = [:]
        for declared in layout.norms {
            norms[declared.role] = RMSNorm(path: prefix + declared.name,
                                           weight: try vector(prefix + declared.name + ".weight", count: declared.width),
                                           eps: c.rmsNormEps)
        }
        func take(_ role: LinearRole) throws -> Linear {
            guard let found = linears[role] else { throw ModelError("\(c.architecture): the layout declares no \(role.rawValue)") }
            return found
        }
        func take(_ role: NormRole) throws -> RMSNorm {
            guard let found = norms[role] else { throw ModelError("\(c.architecture): the layout declares no \(role.rawValue)") }
            return found
        }
        let attention = Attention(
            qProj: try take(.qProj), kProj: try take(.kProj), vProj: try take(.vProj), oProj: try take(.oProj),
            qNorm: norms[.qNorm], kNorm: norms[.kNorm],
            heads: c.numHeads, kvHeads: c.numKVHeads, headDim: c.headDim,
            window: c.slidingWindows[index])
        let mlp = MLP(gateProj: try take(.gateProj), upProj: try take(.upProj), downProj: try take(.downProj))
        return DecoderLayer(inputLayerNorm: try take(.inputLayerNorm), attention: attention,
                            postAttentionLayerNorm: try take(.postAttentionLayerNorm), mlp: mlp)
    }
}
