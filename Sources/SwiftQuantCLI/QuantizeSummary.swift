import Evaluation
import Foundation
import Formats
import JSON
import Pipeline
import Quantization

/// What a quantize run did: Linears quantized per config group and kept in float, the output's
/// size and the time, as lines on stderr or one JSON object (`--json`).
struct QuantizeSummary {
    let plan: QuantizationPlan
    let output: URL
    let seconds: Double
    let calibration: CalibrationSet?
    let formats: [FormatConfig]

    /// Quantized Linears per group name.
    var quantizedPerGroup: [(name: String, scheme: QuantizationScheme, count: Int)] {
        plan.groups.map { group in
            (group.name, group.scheme, plan.assignments.values.filter { $0.group == group.name }.count)
        }
    }

    /// Linears left in float.
    var kept: [String] { plan.linearPaths.filter { plan.assignments[$0] == nil } }

    /// Bytes of the files in the output directory.
    var outputBytes: Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        return files.reduce(0) { total, name in
            let size = (try? FileManager.default.attributesOfItem(atPath: output.appendingPathComponent(name).path)[.size] as? Int) ?? 0
            return total + size
        }
    }

    static func describe(_ scheme: QuantizationScheme) -> String {
        func args(_ a: QuantizationArgs) -> String {
            var text = "\(a.type.rawValue)\(a.numBits) \(a.resolvedStrategy.rawValue)"
            if let g = a.groupSize, a.resolvedStrategy == .group { text += " \(g)" }
            if !a.symmetric { text += " asym" }
            if a.dynamic.isDynamic { text += " dynamic" }
            return text
        }
        var parts: [String] = []
        if let w = scheme.weights { parts.append("weights " + args(w)) }
        if let i = scheme.inputActivations { parts.append("inputs " + args(i)) }
        return parts.joined(separator: ", ")
    }

    func lines() -> [String] {
        var lines: [String] = []
        for group in quantizedPerGroup {
            lines.append("  \(group.name): \(group.count) Linear(s) quantized (\(Self.describe(group.scheme)))")
        }
        let kept = self.kept
        let shownKept = kept.prefix(4).joined(separator: ", ") + (kept.count > 4 ? ", …" : "")
        lines.append("  kept in float: \(kept.count) Linear(s)\(kept.isEmpty ? "" : " (\(shownKept))")")
        if let calibration {
            lines.append("  calibrated on \(calibration.count) sample(s), \(calibration.tokenCount) tokens")
        }
        lines.append(String(format: "wrote %@ (%@, %.1f MB) in %.2f s", output.path, formats.map(\.type).joined(separator: " + "),
                            Double(outputBytes) / 1e6, seconds))
        return lines
    }

    /// One line, keys sorted, as Foundation's `JSONSerialization` (`.sortedKeys`) wrote it.
    func json(before: PerplexityResult?, after: PerplexityResult?) throws -> String {
        var object: JSONObject = [
            "output": .string(output.path),
            "format": .string(formats.map(\.type).joined(separator: " + ")),
            "output_bytes": .int(outputBytes),
            "seconds": .double(seconds),
            "groups": .array(quantizedPerGroup.map { ["name": .string($0.name), "quantized": .int($0.count), "scheme": .string(Self.describe($0.scheme))] }),
            "quantized": .int(plan.assignments.count),
            "kept": .array(kept.map { .string($0) }),
        ]
        if let calibration { object["calibration"] = ["samples": .int(calibration.count), "tokens": .int(calibration.tokenCount)] }
        if let before { object["ppl_source"] = .double(before.ppl) }
        if let after { object["ppl_quantized"] = .double(after.ppl) }
        return JSONWriter.string(.object(object), layout: .foundation(prettyPrinted: false, sortedKeys: true))
    }
}
