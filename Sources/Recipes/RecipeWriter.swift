import Quantization

/// Writes an llm-compressor recipe equivalent to a scheme chosen on the command line.
public enum RecipeWriter {
    /// `default_stage: default_modifiers: <modifiers>`; the last one carries `config_groups` and `ignore`.
    public static func llmCompressorYAML(groups: [(String, QuantizationScheme)], ignore: [String],
                                         modifiers: [ModifierSpec] = [.quantization]) -> String {
        var lines = ["default_stage:", "  default_modifiers:"]
        for modifier in modifiers.dropLast() {
            switch modifier {
            case .smoothQuant(let smooth):
                lines.append("    \(modifier.name):")
                lines.append("      smoothing_strength: \(smooth.smoothingStrength)")
                if smooth.algorithm != .smoothquant { lines.append("      algorithm: \(smooth.algorithm.rawValue)") }
            case .awq(let awq):
                lines.append("    \(modifier.name):")
                lines.append("      duo_scaling: \(awq.duoScaling.rawValue)")
                lines.append("      n_grid: \(awq.nGrid)")
                if awq.applyClip {
                    lines.append("      apply_clip: true")
                    lines.append("      clip_n_grid: \(awq.clipNGrid)")
                    lines.append("      clip_max_shrink: \(awq.clipMaxShrink)")
                }
            default:
                lines.append("    \(modifier.name): {}")
            }
        }
        let last = modifiers.last ?? .quantization
        lines.append("    \(last.name):")
        if case .gptq(let gptq) = last {
            lines.append("      block_size: \(gptq.blockSize)")
            lines.append("      dampening_frac: \(gptq.dampeningFraction)")
            lines.append("      actorder: \(gptq.actorder?.rawValue ?? "null")")
        }
        lines.append("      ignore: [\(ignore.map(quote).joined(separator: ", "))]")
        lines.append("      config_groups:")
        for (name, scheme) in groups {
            lines.append("        \(name):")
            lines.append("          targets: [\(scheme.targets.map(quote).joined(separator: ", "))]")
            for (key, args) in [("weights", scheme.weights), ("input_activations", scheme.inputActivations),
                                ("output_activations", scheme.outputActivations)] {
                guard let args else { continue }
                lines.append("          \(key):")
                lines.append("            num_bits: \(args.numBits)")
                lines.append("            type: \(args.type.rawValue)")
                lines.append("            symmetric: \(args.symmetric)")
                lines.append("            strategy: \(args.resolvedStrategy.rawValue)")
                if let g = args.groupSize { lines.append("            group_size: \(g)") }
                lines.append("            dynamic: \(args.dynamic == .local ? "local" : String(args.dynamic.isDynamic))")
                if let observer = args.observer { lines.append("            observer: \(observer)") }
                if let actorder = args.actorder { lines.append("            actorder: \(actorder.rawValue)") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) ? s : "'\(s.replacingOccurrences(of: "'", with: "''"))'"
    }
}
