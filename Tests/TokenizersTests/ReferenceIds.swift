import Foundation

/// The contents of `reference/<model>.ids.json` that the tests use.
struct ReferenceIds: Decodable {
    struct Sample: Decodable {
        let text: String
        let ids: [Int]
    }

    let corpora: [String: [Int]]
    let roundtrip: [String: Bool]
    let tokenize_samples: [Sample]

    static func load(_ model: String) throws -> ReferenceIds {
        let url = try SharedAssets.file("reference/\(model).ids.json")
        return try JSONDecoder().decode(ReferenceIds.self, from: Data(contentsOf: url))
    }
}

/// A readable description of where two id sequences first differ, or `nil` if equal.
func firstDifference(_ actual: [Int], _ expected: [Int]) -> String? {
    if actual == expected { return nil }
    let n = min(actual.count, expected.count)
    var i = 0
    while i < n && actual[i] == expected[i] { i += 1 }
    let lo = max(0, i - 5)
    return "lengths \(actual.count) vs expected \(expected.count); first difference at index \(i): "
        + "got \(Array(actual[lo..<min(actual.count, i + 6)])) expected \(Array(expected[lo..<min(expected.count, i + 6)]))"
}
