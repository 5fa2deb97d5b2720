/// The declaration of one decoder-only architecture: its `model_type`, transformers' class names,
/// the module names of a decoder layer, the config.json keys that differ between architectures
/// and the scaling mappings between its modules (SmoothQuant, AWQ).
///
/// Every stage iterates this declaration: the loader reads the tensors it names, the module
/// inventory checks recipe targets against it, the quantization plan takes its widths, the
/// pipeline runs and exports its modules and the algorithms take their mappings from it. The
/// computation is the Llama family's pre-norm block (RMSNorm, GQA attention with RoPE and optional
/// per-head q/k norms, gated SiLU MLP); a new architecture of that family is one file declaring a
/// type that conforms to this protocol plus one line in `ArchitectureRegistry.builtIn` (or a call
/// to `ArchitectureRegistry.register`).
public protocol DecoderArchitecture: Sendable {
    /// config.json `model_type`, e.g. `llama`.
    var modelType: String { get }
    /// transformers' class-name prefix: `Llama` gives `LlamaDecoderLayer`, `LlamaRMSNorm`, ….
    var classPrefix: String { get }
    /// The module path of `role` inside a decoder layer, e.g. `self_attn.q_proj`.
    func name(of role: LinearRole) -> String
    /// The module path of `role` inside a decoder layer, e.g. `input_layernorm`.
    func name(of role: NormRole) -> String
    /// The architecture-specific part of config.json: biases, q/k norms, sliding windows.
    func features(_ config: ConfigReader, layers: Int) throws -> ArchitectureFeatures
    /// SmoothQuant's mappings (llm-compressor's defaults for the architecture).
    var smoothQuantMappings: [ScaleMapping] { get }
    /// AWQ's mappings (llm-compressor's defaults for the architecture).
    var awqMappings: [ScaleMapping] { get }
    /// The Linears whose input is the output of `smooth` up to a per-channel factor, so that
    /// scaling one against the other leaves the block's function unchanged.
    func linearsReading(_ smooth: ScaleMapping.Smooth) -> [LinearRole]
    /// Top-level module paths.
    var embedTokensPath: String { get }
    var layersPath: String { get }
    var finalNormPath: String { get }
    var rotaryEmbeddingPath: String { get }
    var lmHeadPath: String { get }
}

extension DecoderArchitecture {
    /// The names transformers' Llama-family models use.
    public func name(of role: LinearRole) -> String { role.llamaName }
    public func name(of role: NormRole) -> String { role.llamaName }

    /// llm-compressor's Llama SmoothQuant mappings: input_layernorm → q/k/v, post_attention_layernorm → gate/up.
    public var smoothQuantMappings: [ScaleMapping] {
        [ScaleMapping(smooth: .norm(.inputLayerNorm), balance: [.qProj, .kProj, .vProj], parent: .attention),
         ScaleMapping(smooth: .norm(.postAttentionLayerNorm), balance: [.gateProj, .upProj], parent: .mlp)]
    }

    /// llm-compressor's Llama AWQ mappings: input_layernorm → q/k/v, v_proj → o_proj (where the
    /// shapes allow), post_attention_layernorm → gate/up, up_proj → down_proj.
    public var awqMappings: [ScaleMapping] {
        [ScaleMapping(smooth: .norm(.inputLayerNorm), balance: [.qProj, .kProj, .vProj], parent: .attention),
         ScaleMapping(smooth: .linear(.vProj), balance: [.oProj], parent: .balance),
         ScaleMapping(smooth: .norm(.postAttentionLayerNorm), balance: [.gateProj, .upProj], parent: .mlp),
         ScaleMapping(smooth: .linear(.upProj), balance: [.downProj], parent: .balance)]
    }

    /// The Llama block: the norms feed q/k/v and gate/up; v_proj feeds o_proj through attention
    /// (a per-head weighted sum of values); up_proj feeds down_proj through silu(gate) · up.
    public func linearsReading(_ smooth: ScaleMapping.Smooth) -> [LinearRole] {
        switch smooth {
        case .norm(.inputLayerNorm): [.qProj, .kProj, .vProj]
        case .norm(.postAttentionLayerNorm): [.gateProj, .upProj]
        case .norm(.qNorm), .norm(.kNorm): []
        case .linear(.vProj): [.oProj]
        case .linear(.upProj): [.downProj]
        case .linear: []
        }
    }

    public var embedTokensPath: String { "model.embed_tokens" }
    public var layersPath: String { "model.layers" }
    public var finalNormPath: String { "model.norm" }
    public var rotaryEmbeddingPath: String { "model.rotary_emb" }
    public var lmHeadPath: String { "lm_head" }

    /// The module path prefix of decoder layer `index`, with a trailing dot.
    public func layerPrefix(_ index: Int) -> String { "\(layersPath).\(index)." }

    /// The layout of every decoder layer of `config`.
    public func layout(_ config: ModelConfiguration) -> LayerLayout { LayerLayout(architecture: self, config: config) }
}

/// The Linears of a decoder layer, in transformers' module order.
public enum LinearRole: String, CaseIterable, Sendable, Hashable {
    case qProj, kProj, vProj, oProj, gateProj, upProj, downProj

    /// The Llama-family module name.
    public var llamaName: String {
        switch self {
        case .qProj: "self_attn.q_proj"
        case .kProj: "self_attn.k_proj"
        case .vProj: "self_attn.v_proj"
        case .oProj: "self_attn.o_proj"
        case .gateProj: "mlp.gate_proj"
        case .upProj: "mlp.up_proj"
        case .downProj: "mlp.down_proj"
        }
    }

    /// Whether the Linear belongs to the attention block (else to the MLP).
    public var isAttention: Bool {
        switch self {
        case .qProj, .kProj, .vProj, .oProj: true
        case .gateProj, .upProj, .downProj: false
        }
    }
}

/// The RMSNorms of a decoder layer.
public enum NormRole: String, CaseIterable, Sendable, Hashable {
    case inputLayerNorm, postAttentionLayerNorm, qNorm, kNorm

    /// The Llama-family (Qwen3 for q/k norms) module name.
    public var llamaName: String {
        switch self {
        case .inputLayerNorm: "input_layernorm"
        case .postAttentionLayerNorm: "post_attention_layernorm"
        case .qNorm: "self_attn.q_norm"
        case .kNorm: "self_attn.k_norm"
        }
    }
}

/// What config.json decides per architecture.
public struct ArchitectureFeatures: Sendable, Equatable {
    /// q/k/v carry a bias.
    public var qkvBias: Bool
    /// o_proj carries a bias.
    public var outputBias: Bool
    /// gate/up/down carry a bias.
    public var mlpBias: Bool
    /// Per-head RMSNorms on queries and keys.
    public var qkNorm: Bool
    /// Per-layer sliding window, nil for full causal attention.
    public var slidingWindows: [Int?]

    /// Creates the features.
    public init(qkvBias: Bool, outputBias: Bool, mlpBias: Bool, qkNorm: Bool, slidingWindows: [Int?]) {
        self.qkvBias = qkvBias
        self.outputBias = outputBias
        self.mlpBias = mlpBias
        self.qkNorm = qkNorm
        self.slidingWindows = slidingWindows
    }
}

/// A scaling mapping: a per-channel scale `s` multiplies the input columns of the `balance`
/// Linears and divides the output of the `smooth` module, which leaves the float model unchanged.
public struct ScaleMapping: Sendable, Equatable {
    /// The module whose output is divided by the scales.
    public enum Smooth: Sendable, Equatable, Hashable {
        case norm(NormRole)
        case linear(LinearRole)
    }

    /// The module whose output AWQ's loss compares (llm-compressor: the balance layers' parent).
    public enum Parent: Sendable, Equatable {
        /// The attention block (`self_attn`).
        case attention
        /// The MLP block (`mlp`).
        case mlp
        /// The single balance Linear itself.
        case balance
    }

    public let smooth: Smooth
    public let balance: [LinearRole]
    public let parent: Parent

    /// Creates a mapping.
    public init(smooth: Smooth, balance: [LinearRole], parent: Parent) {
        self.smooth = smooth
        self.balance = balance
        self.parent = parent
    }
}
