/// One Linear of a decoder layer as the architecture declares it for a configuration.
public struct LinearDeclaration: Sendable, Equatable {
    public let role: LinearRole
    /// Module path inside the layer, e.g. `self_attn.q_proj`.
    public let name: String
    public let inFeatures: Int
    public let outFeatures: Int
    public let bias: Bool
}

/// One RMSNorm of a decoder layer.
public struct NormDeclaration: Sendable, Equatable {
    public let role: NormRole
    /// Module path inside the layer, e.g. `input_layernorm`.
    public let name: String
    /// Number of weights (hidden size, or head_dim for per-head norms).
    public let width: Int
}

/// A module of a decoder layer with transformers' class names (for target matching).
public struct ModuleDeclaration: Sendable, Equatable {
    /// Module path inside the layer; empty for the layer itself.
    public let name: String
    public let classNames: [String]
}

/// The modules of every decoder layer of one model: what the architecture declares, sized by
/// the configuration.
public struct LayerLayout: Sendable {
    /// The Linears in transformers' module order.
    public let linears: [LinearDeclaration]
    /// The norms present, in export order (input, post-attention, then q/k norms when present).
    public let norms: [NormDeclaration]
    /// Every module of a layer in `named_modules()` order, the layer itself first.
    public let modules: [ModuleDeclaration]
    /// Linears that read the same input (one Hessian, one set of activation statistics).
    public let inputGroups: [[LinearRole]]
    /// SmoothQuant mappings whose shapes fit this configuration.
    public let smoothQuantMappings: [ScaleMapping]
    /// AWQ mappings whose shapes fit this configuration.
    public let awqMappings: [ScaleMapping]

    /// Sizes the architecture's declaration for `config`.
    public init(architecture: some DecoderArchitecture, config: ModelConfiguration) {
        let hidden = config.hiddenSize, q = config.numHeads * config.headDim, kv = config.numKVHeads * config.headDim
        let inter = config.intermediateSize
        func linear(_ role: LinearRole) -> LinearDeclaration {
            let (inFeatures, outFeatures, bias): (Int, Int, Bool)
            switch role {
            case .qProj: (inFeatures, outFeatures, bias) = (hidden, q, config.qkvBias)
            case .kProj, .vProj: (inFeatures, outFeatures, bias) = (hidden, kv, config.qkvBias)
            case .oProj: (inFeatures, outFeatures, bias) = (q, hidden, config.outputBias)
            case .gateProj, .upProj: (inFeatures, outFeatures, bias) = (hidden, inter, config.mlpBias)
            case .downProj: (inFeatures, outFeatures, bias) = (inter, hidden, config.mlpBias)
            }
            return LinearDeclaration(role: role, name: architecture.name(of: role), inFeatures: inFeatures,
                                     outFeatures: outFeatures, bias: bias)
        }
        linears = LinearRole.allCases.map(linear)
        var norms: [NormDeclaration] = [
            NormDeclaration(role: .inputLayerNorm, name: architecture.name(of: .inputLayerNorm), width: hidden),
            NormDeclaration(role: .postAttentionLayerNorm, name: architecture.name(of: .postAttentionLayerNorm), width: hidden)]
        if config.qkNorm {
            norms.append(NormDeclaration(role: .qNorm, name: architecture.name(of: .qNorm), width: config.headDim))
            norms.append(NormDeclaration(role: .kNorm, name: architecture.name(of: .kNorm), width: config.headDim))
        }
        self.norms = norms
        inputGroups = [[.qProj, .kProj, .vProj], [.oProj], [.gateProj, .upProj], [.downProj]]

        // named_modules() order of a Llama-family layer: self_attn and its children, mlp and its
        // children, then the two layer norms.
        let prefix = architecture.classPrefix
        func container(_ role: LinearRole) -> String {
            let name = architecture.name(of: role)
            return name.split(separator: ".").dropLast().joined(separator: ".")
        }
        var modules = [ModuleDeclaration(name: "", classNames: [prefix + "DecoderLayer"])]
        modules.append(ModuleDeclaration(name: container(.qProj), classNames: [prefix + "Attention"]))
        for role in [LinearRole.qProj, .kProj, .vProj, .oProj] {
            modules.append(ModuleDeclaration(name: architecture.name(of: role), classNames: ["Linear"]))
        }
        if config.qkNorm {
            for role in [NormRole.qNorm, .kNorm] {
                modules.append(ModuleDeclaration(name: architecture.name(of: role), classNames: [prefix + "RMSNorm"]))
            }
        }
        let mlp = container(.gateProj)
        modules.append(ModuleDeclaration(name: mlp, classNames: [prefix + "MLP"]))
        for role in [LinearRole.gateProj, .upProj, .downProj] {
            modules.append(ModuleDeclaration(name: architecture.name(of: role), classNames: ["Linear"]))
        }
        modules.append(ModuleDeclaration(name: mlp.isEmpty ? "act_fn" : mlp + ".act_fn", classNames: ["SiLUActivation", "SiLU"]))
        for role in [NormRole.inputLayerNorm, .postAttentionLayerNorm] {
            modules.append(ModuleDeclaration(name: architecture.name(of: role), classNames: [prefix + "RMSNorm"]))
        }
        self.modules = modules

        let widths = Dictionary(uniqueKeysWithValues: linears.map { ($0.role, $0) })
        // A mapping applies when the smooth module's output width equals every balance Linear's
        // input width (v_proj → o_proj needs as many KV heads as query heads).
        func fits(_ mapping: ScaleMapping) -> Bool {
            let width: Int
            switch mapping.smooth {
            case .norm(let role): width = norms.first { $0.role == role }?.width ?? -1
            case .linear(let role): width = widths[role]?.outFeatures ?? -1
            }
            return mapping.balance.allSatisfy { widths[$0]?.inFeatures == width }
        }
        smoothQuantMappings = architecture.smoothQuantMappings.filter(fits)
        awqMappings = architecture.awqMappings.filter(fits)
    }

    /// The declaration of `role`.
    public func linear(_ role: LinearRole) -> LinearDeclaration {
        // `linears` holds every role.
        linears.first { $0.role == role } ?? linears[0]
    }
}
