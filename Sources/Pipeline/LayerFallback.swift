import Foundation
import JSON

/// Automatic layer fallback: which quantized Linears to keep in float, from a score per Linear
/// (higher = harder to quantize), as msModelSlim's `disable_level` / `disable_threshold` do.
public struct LayerFallback: Sendable {
    /// How the scores are measured.
    public enum Method: String, Sendable, CaseIterable {
        /// msModelSlim's LayerSelector (`std` range method): max(|max|, |min|) / std of each
        /// Linear's inputs (`InputRangeScoreModifier`).
        case rangeStd = "range-std"
        /// SwiftQuant's direct measure: the mean KL divergence of the model's next-token
        /// distribution when only that Linear is quantized (`SensitivityProbe`).
        case sensitivity
    }

    /// Which Linears to keep in float, given the scores.
    public enum Rule: Sendable, Equatable {
        /// `disable_level Lk`: the k highest-scoring groups, a group being the Linears with the
        /// same score (msModelSlim: Linears reading one input "are selected together").
        case level(Int)
        /// `disable_threshold t`: every Linear scoring above t.
        case threshold(Double)

        /// `Lk` or `k` (k ≥ 0), as msModelSlim's `--disable_level` takes it.
        public init?(level text: String) {
            let digits = text.hasPrefix("L") ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let k = Int(digits), k >= 0, k <= 100_000 else { return nil }
            self = .level(k)
        }

        var text: String {
            switch self {
            case .level(let k): "disable_level L\(k)"
            case .threshold(let t): "disable_threshold \(t)"
            }
        }
    }

    public let method: Method
    public let rule: Rule

    /// Creates a fallback setting.
    public init(method: Method, rule: Rule) {
        self.method = method
        self.rule = rule
    }

    /// The Linears to keep in float, in module order.
    public func choose(_ scores: [(path: String, score: Double)]) -> [String] {
        let chosen: Set<String>
        switch rule {
        case .threshold(let t):
            chosen = Set(scores.filter { $0.score > t }.map(\.path))
        case .level(let k):
            // Descending by score, module order among equals; groups of equal scores.
            let ranked = scores.enumerated().sorted { a, b in
                a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
            }.map(\.element)
            var picked: [String] = []
            var groups = 0
            var last: Double?
            for entry in ranked {
                if entry.score != last {
                    if groups == k { break }
                    groups += 1
                    last = entry.score
                }
                picked.append(entry.path)
            }
            chosen = Set(picked)
        }
        return scores.map(\.path).filter(chosen.contains)
    }

    /// The JSON report: method, rule, every Linear's score in module order with its rank and
    /// whether it was kept in float.
    public func report(_ scores: [(path: String, score: Double)], chosen: [String]) -> JSONValue {
        let kept = Set(chosen)
        let ranks = Self.ranks(scores)
        var linears: [JSONValue] = []
        for (index, entry) in scores.enumerated() {
            linears.append(.object([
                "name": .string(entry.path),
                "score": .double(entry.score),
                "rank": .int(ranks[index]),
                "float": .bool(kept.contains(entry.path)),
            ]))
        }
        var object = JSONObject()
        object.append(key: "method", value: .string(method.rawValue))
        object.append(key: "score", value: .string(method == .rangeStd ? "max(|max|, |min|) / std of the input (msModelSlim LayerSelector, std)"
                                                    : "mean KL(float || only this Linear quantized) of the next-token distribution"))
        object.append(key: "rule", value: .string(rule.text))
        object.append(key: "kept_in_float", value: .array(chosen.map { .string($0) }))
        object.append(key: "linears", value: .array(linears))
        return .object(object)
    }

    /// A table of the highest scores (at most `rows`), the kept ones marked.
    public func table(_ scores: [(path: String, score: Double)], chosen: [String], rows: Int = 12) -> [String] {
        let kept = Set(chosen)
        let ranked = scores.sorted { $0.score > $1.score }
        var lines = ["layer fallback (\(method.rawValue), \(rule.text)): \(chosen.count) of \(scores.count) Linear(s) kept in float",
                     "  rank  score         Linear"]
        for (index, entry) in ranked.prefix(rows).enumerated() {
            let score = String(format: "  %4d  %-12.6g  ", index + 1, entry.score)
            lines.append(score + entry.path + (kept.contains(entry.path) ? "  ← float" : ""))
        }
        if ranked.count > rows { lines.append("  … \(ranked.count - rows) more in the report") }
        return lines
    }

    /// 1-based rank of each score (ties share the rank of the first).
    static func ranks(_ scores: [(path: String, score: Double)]) -> [Int] {
        let sorted = scores.map(\.score).sorted(by: >)
        return scores.map { entry in (sorted.firstIndex(of: entry.score) ?? 0) + 1 }
    }
}
